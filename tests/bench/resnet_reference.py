#!/usr/bin/env python3
"""Implements: the PyTorch (Python) reference for mnemo's GPU benchmark
(gpu_bench.sh): the reduced ResNet-18 of src/model/resnet.cc (BasicBlocks
[2, 2, 2, 2], nf = 20, 3x3 stem, no max-pool, global average pooling,
linear head) trained on the same HDF5 task stream with plain SGD, batch B,
one epoch per task, finetune or experience replay (reservoir buffer, as
pytorch_reference.py). Batches go to the device as uint8 and are converted
there, as mnemo does. The device is synchronised before every clock read.

Prints one JSON line: train_seconds, samples, samples_per_second,
eval_seconds, acc (final class-IL average accuracy), device.

Usage: resnet_reference.py STREAM_DIR [--device cuda|cpu] [--batch-size 128]
       [--strategy finetune|er] [--buffer 500] [--lr 0.05] [--seed 0]
"""
import argparse
import json
import os
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from pytorch_reference import load_split_u8


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ReducedResNet18(nn.Module):
    def __init__(self, cin, classes, nf=20):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, nf, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(nf)
        layers, c = [], nf
        for stage in range(4):
            for block in range(2):
                layers.append(BasicBlock(c, nf << stage, 2 if block == 0 and stage > 0 else 1))
                c = nf << stage
        self.layers = nn.Sequential(*layers)
        self.head = nn.Linear(c, classes)

    def forward(self, x):
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("stream")
    p.add_argument("--device", default="cuda")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--strategy", default="finetune", choices=["finetune", "er"])
    p.add_argument("--buffer", type=int, default=500)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    dev = torch.device(a.device)
    if dev.type == "cpu":
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    with h5py.File(os.path.join(a.stream, "stream.h5"), "r") as m:
        tasks = int(np.asarray(m.attrs["num_tasks"]).ravel()[0])
        classes = int(np.asarray(m.attrs["num_classes"]).ravel()[0])
        shape = tuple(int(v) for v in np.asarray(m.attrs["image_shape"]).ravel())
    net = ReducedResNet18(shape[0], classes).to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=a.lr)
    buf_x = torch.zeros((a.buffer,) + shape, dtype=torch.uint8, device=dev)
    buf_y = torch.zeros(a.buffer, dtype=torch.long, device=dev)
    seen = 0
    to_input = lambda u8: u8.to(dev, non_blocking=True).float().div_(255.0)  # noqa: E731
    train_s = eval_s = 0.0
    samples = 0
    accs = []
    tests = [load_split_u8(a.stream, t, "test") for t in range(tasks)]
    for t in range(tasks):
        x, y = load_split_u8(a.stream, t, "train")
        sync()
        start = time.perf_counter()
        net.train()
        perm = torch.randperm(x.shape[0])
        for b in range(0, x.shape[0], a.batch_size):
            idx = perm[b:b + a.batch_size]
            xb, yb = x[idx].to(dev, non_blocking=True), y[idx].to(dev, non_blocking=True)
            inputs, labels = xb.float().div_(255.0), yb
            if a.strategy == "er" and seen > 0:
                pick = torch.from_numpy(np.random.choice(min(seen, a.buffer), min(a.batch_size, seen, a.buffer),
                                                         replace=False)).to(dev)
                inputs = torch.cat([inputs, buf_x[pick].float().div_(255.0)])
                labels = torch.cat([labels, buf_y[pick]])
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(net(inputs), labels).backward()
            opt.step()
            if a.strategy == "er":  # reservoir slots chosen on the host, one indexed write
                slot_of = {}
                for i in range(xb.shape[0]):
                    j = seen if seen < a.buffer else np.random.randint(0, seen + 1)
                    if j < a.buffer:
                        slot_of[j] = i  # a later sample for the same slot wins
                    seen += 1
                if slot_of:
                    dst = torch.tensor(list(slot_of.keys()), device=dev)
                    src = torch.tensor(list(slot_of.values()), device=dev)
                    buf_x[dst], buf_y[dst] = xb[src], yb[src]
            samples += idx.shape[0]
        sync()
        train_s += time.perf_counter() - start
        start = time.perf_counter()
        net.eval()
        with torch.no_grad():
            accs = []
            for tx, ty in tests:
                hits = sum((net(to_input(tx[i:i + 1000])).argmax(1).cpu() == ty[i:i + 1000]).sum().item()
                           for i in range(0, tx.shape[0], 1000))
                accs.append(hits / tx.shape[0])
        sync()
        eval_s += time.perf_counter() - start
    print(json.dumps({"train_seconds": train_s, "samples": samples, "samples_per_second": samples / train_s,
                      "eval_seconds": eval_s, "acc": sum(accs) / len(accs), "device": str(dev)}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Implements: the PyTorch (Python) reference for mnemo's step-throughput,
end-to-end and fidelity benchmarks: the same continual-learning run,
written the way the DER authors' Mammoth writes it.

Same stream (read from mnemo's HDF5 shards with h5py), model (MLP
784-100-100-10; --init xavier is Mammoth's MNISTMLP initialisation:
Xavier-uniform weights, zero biases; torch is PyTorch's default), plain SGD
built once, batches of a fresh torch.randperm per task with the last partial
batch kept (Mammoth's DataLoader: shuffle=True, drop_last=False), a
reservoir buffer sampled without replacement (np.random.choice), and the
strategy as Mammoth's observe(): finetune (CE), er (CE over [stream ;
replay]), derpp (CE + alpha MSE(net(x1), z1) + beta CE(net(x2), y2), two
independent draws; the stream batch's logits from the step's own forward,
stored after the step). Evaluation in eval mode on every task after every
task (batch 1000): class-IL argmax over every class, task-IL argmax over the
task's classes (Mammoth's mask_classes). One process, one thread. Prints one
JSON line: train_seconds, eval_seconds, steps, acc (final class-IL average
accuracy), acc_task_il.

Usage: pytorch_reference.py STREAM_DIR --strategy finetune|er|derpp --batch-size B
       [--replay-batch B] [--buffer 500] [--lr 0.1] [--alpha 0.3] [--beta 0.5]
       [--init torch|xavier] [--seed 0]
"""
import argparse
import glob
import json
import os
import time

import math

import h5py
import numpy as np
import torch
import torch.nn.functional as F


def load_split_u8(stream, task, split):
    """One task's split from every shard: uint8 images, int64 labels."""
    xs, ys = [], []
    for shard in sorted(glob.glob(os.path.join(stream, "shard-*.h5"))):
        with h5py.File(shard, "r") as f:
            g = f[f"task_{task:03d}/{split}"]
            xs.append(g["images"][:])
            ys.append(g["labels"][:])
    return torch.from_numpy(np.concatenate(xs)), torch.from_numpy(np.concatenate(ys)).long()


def load_split(stream, task, split):
    x, y = load_split_u8(stream, task, split)
    return x.float().div_(255.0), y


class Buffer:
    """Reservoir buffer, as Mammoth's."""

    def __init__(self, size, shape, classes):
        self.size, self.seen = size, 0
        self.x = torch.zeros((size,) + shape)
        self.y = torch.zeros(size, dtype=torch.long)
        self.z = torch.zeros(size, classes)

    def add(self, x, y, z):
        for i in range(x.shape[0]):
            j = self.seen if self.seen < self.size else np.random.randint(0, self.seen + 1)
            if j < self.size:
                self.x[j], self.y[j], self.z[j] = x[i], y[i], z[i]
            self.seen += 1

    def sample(self, n):
        fill = min(self.seen, self.size)
        idx = np.random.choice(fill, size=min(n, fill), replace=False)
        return self.x[idx], self.y[idx], self.z[idx]


def xavier(m):
    """Mammoth's backbone initialisation (utils/..., applied to every Linear)."""
    if isinstance(m, torch.nn.Linear):
        a = math.sqrt(3.0) * math.sqrt(2.0 / (m.weight.size(1) + m.weight.size(0)))
        m.weight.data.uniform_(-a, a)
        if m.bias is not None:
            m.bias.data.fill_(0.0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("stream")
    p.add_argument("--strategy", default="er", choices=["finetune", "er", "derpp"])
    p.add_argument("--batch-size", type=int, default=10)
    p.add_argument("--replay-batch", type=int, default=None)
    p.add_argument("--buffer", type=int, default=500)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--alpha", type=float, default=0.3)
    p.add_argument("--beta", type=float, default=0.5)
    p.add_argument("--init", default="torch", choices=["torch", "xavier"])
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    replay = a.replay_batch or a.batch_size
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    with h5py.File(os.path.join(a.stream, "stream.h5"), "r") as m:
        tasks = int(np.asarray(m.attrs["num_tasks"]).ravel()[0])
        classes = int(np.asarray(m.attrs["num_classes"]).ravel()[0])
        shape = tuple(int(v) for v in np.asarray(m.attrs["image_shape"]).ravel())
        task_classes = [torch.as_tensor(np.asarray(m[f"task_{t:03d}"].attrs["classes"]).ravel()) for t in range(tasks)]
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(int(np.prod(shape)), 100), torch.nn.ReLU(),
                              torch.nn.Linear(100, 100), torch.nn.ReLU(), torch.nn.Linear(100, classes))
    if a.init == "xavier":
        net.apply(xavier)
    opt = torch.optim.SGD(net.parameters(), lr=a.lr)
    buf = Buffer(a.buffer, shape, classes)
    tests = [load_split(a.stream, t, "test") for t in range(tasks)]
    train_s = eval_s = 0.0
    steps = 0
    accs = []
    for t in range(tasks):
        x, y = load_split(a.stream, t, "train")
        start = time.perf_counter()
        perm = torch.randperm(x.shape[0])
        for b in range(0, x.shape[0], a.batch_size):
            idx = perm[b:b + a.batch_size]
            inputs, labels = x[idx], y[idx]
            opt.zero_grad()
            outputs = net(inputs)
            loss = F.cross_entropy(outputs, labels)
            if buf.seen > 0 and a.strategy != "finetune":
                bx, by, bz = buf.sample(replay)
                if a.strategy == "er":
                    loss = F.cross_entropy(net(torch.cat([inputs, bx])), torch.cat([labels, by]))
                else:
                    loss = loss + a.alpha * F.mse_loss(net(bx), bz)
                    bx2, by2, _ = buf.sample(replay)
                    loss = loss + a.beta * F.cross_entropy(net(bx2), by2)
            loss.backward()
            opt.step()
            if a.strategy != "finetune":
                buf.add(inputs, labels, outputs.detach())
            steps += 1
        train_s += time.perf_counter() - start
        start = time.perf_counter()
        net.eval()
        with torch.no_grad():
            accs, accs_til = [], []
            for k, (tx, ty) in enumerate(tests):
                hits = hits_til = 0
                for i in range(0, tx.shape[0], 1000):
                    out, yy = net(tx[i:i + 1000]), ty[i:i + 1000]
                    hits += (out.argmax(1) == yy).sum().item()
                    hits_til += (task_classes[k][out[:, task_classes[k]].argmax(1)] == yy).sum().item()
                accs.append(hits / tx.shape[0])
                accs_til.append(hits_til / tx.shape[0])
        net.train()
        eval_s += time.perf_counter() - start
    print(json.dumps({"train_seconds": train_s, "eval_seconds": eval_s, "steps": steps,
                      "acc": sum(accs) / len(accs), "acc_task_il": sum(accs_til) / len(accs_til)}))


if __name__ == "__main__":
    main()

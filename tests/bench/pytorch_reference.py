#!/usr/bin/env python3
"""Implements: the PyTorch (Python) reference for mnemo's step-throughput
and end-to-end benchmarks: the same continual-learning run, written the
way the Python libraries (Mammoth) write it.

Same stream (read from mnemo's HDF5 shards with h5py), model (MLP
784-100-100-10), plain SGD, batch and replay batch, reservoir buffer, and
strategy (er or derpp: alpha 0.3, beta 0.5); evaluation of every task after
every task (batch 1000). One process, one thread. Prints one JSON line:
train_seconds, eval_seconds, steps, acc (final class-IL average accuracy).

Usage: pytorch_reference.py STREAM_DIR --strategy er|derpp --batch-size B
       [--replay-batch B] [--buffer 500] [--lr 0.1] [--seed 0]
"""
import argparse
import glob
import json
import os
import time

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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("stream")
    p.add_argument("--strategy", default="er", choices=["er", "derpp"])
    p.add_argument("--batch-size", type=int, default=10)
    p.add_argument("--replay-batch", type=int, default=None)
    p.add_argument("--buffer", type=int, default=500)
    p.add_argument("--lr", type=float, default=0.1)
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
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(int(np.prod(shape)), 100), torch.nn.ReLU(),
                              torch.nn.Linear(100, 100), torch.nn.ReLU(), torch.nn.Linear(100, classes))
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
            if buf.seen > 0:
                bx, by, bz = buf.sample(replay)
                if a.strategy == "er":
                    loss = F.cross_entropy(net(torch.cat([inputs, bx])), torch.cat([labels, by]))
                else:
                    loss = loss + 0.3 * F.mse_loss(net(bx), bz)
                    bx2, by2, _ = buf.sample(replay)
                    loss = loss + 0.5 * F.cross_entropy(net(bx2), by2)
            loss.backward()
            opt.step()
            buf.add(inputs, labels, outputs.detach())
            steps += 1
        train_s += time.perf_counter() - start
        start = time.perf_counter()
        with torch.no_grad():
            accs = []
            for tx, ty in tests:
                hits = sum((net(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item()
                           for i in range(0, tx.shape[0], 1000))
                accs.append(hits / tx.shape[0])
        eval_s += time.perf_counter() - start
    print(json.dumps({"train_seconds": train_s, "eval_seconds": eval_s, "steps": steps,
                      "acc": sum(accs) / len(accs)}))


if __name__ == "__main__":
    main()

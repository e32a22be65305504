#!/usr/bin/python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Reference training throughput in eager Python PyTorch, for `amr bench train`.

The same architectures as the C++ built-in specs (same layers, widths and
parameter counts), the same optimiser (Adam), loss, batch size and thread
count. Prints one JSON line: {"model", "threads", "batch", "samples_per_s", "params"}.
"""

import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Unit(nn.Module):
    def __init__(self, ch, mid):
        super().__init__()
        self.c1 = nn.Conv1d(ch, mid, 3, padding=1)
        self.c2 = nn.Conv1d(mid, ch, 3, padding=1)

    def forward(self, x):
        return torch.relu(x + self.c2(torch.relu(self.c1(x))))


class CNN1D(nn.Module):
    def __init__(self, C, L):
        super().__init__()
        layers, cin = [], 2
        for _ in range(6):
            layers += [nn.Conv1d(cin, 32, 3, padding=1), Unit(32, 32), Unit(32, 32),
                       nn.MaxPool1d(2)]
            cin = 32
        self.body = nn.Sequential(*layers)
        self.fc1 = nn.Linear(32 * L // 64, 128)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(128, C)
        self.L = L

    def forward(self, x):
        x = self.body(x * self.L).flatten(1)
        return self.head(self.drop(torch.relu(self.fc1(x))))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.stride, self.pad = stride, cout - cin

    def forward(self, x):
        y = self.b2(self.c2(torch.relu(self.b1(self.c1(x)))))
        s = x[:, :, ::2, ::2] if self.stride != 1 else x
        if self.pad:
            s = F.pad(s, (0, 0, 0, 0, 0, self.pad))
        return torch.relu(y + s)


class ResNet56(nn.Module):
    def __init__(self, C, L):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for ch, stride in ((16, 1), (32, 2), (64, 2)):
            for b in range(9):
                blocks.append(Block(cin, ch, stride if b == 0 else 1))
                cin = ch
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(64, C)
        self.L = L

    def forward(self, x):
        x = torch.relu(self.bn(self.stem((x * self.L).unsqueeze(1))))
        return self.head(self.blocks(x).mean((2, 3)))


class CNN2D(nn.Module):
    def __init__(self, C, L):
        super().__init__()
        self.c1 = nn.Conv2d(1, 256, (1, 3), padding=(0, 2))
        self.c2 = nn.Conv2d(256, 80, (2, 3), padding=(0, 2))
        self.fc1 = nn.Linear(80 * (L + 4), 256)
        self.head = nn.Linear(256, C)
        self.drop = nn.Dropout(0.5)
        self.L = L

    def forward(self, x):
        x = self.drop(torch.relu(self.c1((x * self.L).unsqueeze(1))))
        x = self.drop(torch.relu(self.c2(x))).flatten(1)
        return self.head(self.drop(torch.relu(self.fc1(x))))


class LSTMNet(nn.Module):
    def __init__(self, C, L):
        super().__init__()
        self.lstm = nn.LSTM(2, 128, 2, batch_first=True)
        self.head = nn.Linear(128, C)
        self.L = L

    def forward(self, x):
        x = x * self.L
        a = torch.sqrt(x[:, 0] ** 2 + x[:, 1] ** 2)
        p = torch.atan2(x[:, 1], x[:, 0]) / 3.141592653589793
        out, _ = self.lstm(torch.stack([a, p], 2))
        return self.head(out[:, -1])


MODELS = {"cnn1d": CNN1D, "resnet56": ResNet56, "cnn2d": CNN2D, "lstm": LSTMNet}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", choices=MODELS, default="cnn1d")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=3, help="at least this many timed steps")
    ap.add_argument("--seconds", type=float, default=4.0, help="and at least this long")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--classes", type=int, default=11)
    ap.add_argument("--frame-length", type=int, default=128)
    ap.add_argument("--flush-denormal", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.flush_denormal:
        torch.set_flush_denormal(True)
    torch.manual_seed(0)
    m = MODELS[a.model](a.classes, a.frame_length)
    m.train()
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    x = torch.randn(a.batch, 2, a.frame_length) / (1.25 * a.frame_length)
    y = torch.randint(0, a.classes, (a.batch,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(m(x), y)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    t = time.perf_counter()
    steps, dt = 0, 0.0
    while steps < a.steps or dt < a.seconds:
        step()
        steps += 1
        dt = time.perf_counter() - t
    print(json.dumps({"model": a.model, "threads": a.threads, "batch": a.batch,
                      "samples_per_s": steps * a.batch / dt,
                      "params": sum(p.numel() for p in m.parameters())}))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Input rate dataset_sink sustains, side by side with the disk's own limit.

Every cell streams the same pre-generated samples (a repeating vector source,
far faster than any sink) through blocks.head into one sink and times the
run; the rate is samples / wall time. dataset_sink runs with backpressure, so
it handles every sample and the rate it reaches is the rate it can take from
a live radio without dropping. References in the same rounds: blocks.file_sink
writing raw cf32 to the same directory (the disk's own limit for this data)
and blocks.null_sink (the source's own limit). Cells are interleaved over
rounds; the median is reported. Each cell runs in a fresh process.

    /usr/bin/python3 benchmarks/bench_capture.py [--seconds 2] [--rounds 3] [--dir /tmp]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CELL = r"""
import json, os, sys, time
import numpy as np
from gnuradio import gr, blocks, amrcompress
kind, L, keep, gate, n, path = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                 float(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
rng = np.random.default_rng(0)
x = (rng.standard_normal(1 << 20) + 1j * rng.standard_normal(1 << 20)).astype(np.complex64)
x[: 1 << 19] *= 4  # half the samples 12 dB up: the gate has bursts to keep
tb = gr.top_block()
src = blocks.vector_source_c(x.tolist(), True)
head = blocks.head(gr.sizeof_gr_complex, n)
if kind == "null":
    sink = blocks.null_sink(gr.sizeof_gr_complex)
elif kind == "file":
    sink = blocks.file_sink(gr.sizeof_gr_complex, path)
    sink.set_unbuffered(False)
else:
    sink = amrcompress.dataset_sink(path, ["a"], L, label="a", snr_db=0.0, keep_one_in=keep,
                                    gate_db=gate, floor_frames=64, backpressure=True,
                                    if_exists="overwrite")
tb.connect(src, head, sink)
t0 = time.perf_counter()
tb.run()
dt = time.perf_counter() - t0
extra = {}
if kind == "sink":
    extra = json.loads(sink.stats())
# Bytes on disk, not the apparent size: a capture file's chunks are sparse.
size = os.stat(path).st_blocks * 512 if os.path.exists(path) else 0
print(json.dumps({"seconds": dt, "msps": n / dt / 1e6, "bytes": size,
                  "written": extra.get("written"), "dropped": extra.get("dropped")}))
"""


def run_cell(kind, L, keep, gate, n, path):
    r = subprocess.run([sys.executable, "-c", CELL, kind, str(L), str(keep), str(gate), str(n),
                        path], capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        raise SystemExit(f"cell {kind} L={L} keep={keep} failed:\n{r.stderr[-3000:]}")
    if os.path.exists(path):
        os.remove(path)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=2.0,
                    help="samples per cell: this many seconds at 20 Msps (default 2)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=tempfile.gettempdir(), help="where files are written")
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    n = int(a.seconds * 20e6)
    cells = [("null", 128, 1, 0.0), ("file", 128, 1, 0.0)]
    for L in (128, 1024):
        for keep in (1, 100):
            cells.append(("sink", L, keep, 0.0))
        cells.append(("sink", L, 100, 6.0))  # thinning after the energy gate
    results = {c: [] for c in cells}
    for r in range(a.rounds):
        for c in cells:
            res = run_cell(*c, n, os.path.join(a.dir, "bench_capture.out"))
            results[c].append(res)
            print(f"round {r + 1} {c}: {res['msps']:.1f} Msps", file=sys.stderr, flush=True)
    disk = statistics.median(x["msps"] for x in results[("file", 128, 1, 0.0)])
    print(f"\n{n / 1e6:.0f} M samples per cell, median of {a.rounds} rounds\n")
    print("| sink | frame | kept | gate | Msps (median) | min-max | x file_sink | MB/s on disk |")
    print("|---|---|---|---|---|---|---|---|")
    rows = []
    for c in cells:
        kind, L, keep, gate = c
        rates = [x["msps"] for x in results[c]]
        med = statistics.median(rates)
        mbs = statistics.median(x["bytes"] / x["seconds"] / 1e6 for x in results[c])
        name = {"null": "null_sink (source limit)", "file": "file_sink raw cf32 (disk limit)",
                "sink": "dataset_sink"}[kind]
        frame = "-" if kind != "sink" else str(L)
        kept = "-" if kind != "sink" else ("all" if keep == 1 else f"1 in {keep}")
        g = "-" if kind != "sink" else ("off" if gate == 0 else f"{gate:g} dB")
        print(f"| {name} | {frame} | {kept} | {g} | {med:.1f} | {min(rates):.1f}-{max(rates):.1f} "
              f"| {med / disk:.2f} | {mbs:.0f} |")
        rows.append({"sink": kind, "frame_length": L, "keep_one_in": keep, "gate_db": gate,
                     "msps": rates, "median_msps": med, "x_disk": med / disk,
                     "mb_per_s": mbs, "dropped": [x["dropped"] for x in results[c]]})
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"samples": n, "rounds": a.rounds, "cells": rows}, f, indent=1)


if __name__ == "__main__":
    main()

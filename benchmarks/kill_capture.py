#!/usr/bin/python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Kill capturing flowgraphs with SIGKILL at random moments; count the files
that open with plain h5py and hold every flushed frame, uncorrupted.

Each trial starts a capture (a ramp source, unthrottled, so flushes follow
each other back to back and a kill often lands inside one), reads the
sink's flushed-frame count as it goes, kills the process after a random
delay, then opens the file with h5py and checks: it opens; X, Y, Z, snr_db,
capture_id have one length N >= the last count seen; every Y row is one-hot;
the first and last 1000 frames and 1000 random ones hold exactly the ramp
samples their capture_id says (no garbage; files run to GB, so not all).
The dataset_reader of this module must open it too.

    /usr/bin/python3 benchmarks/kill_capture.py [--trials 100] [--flush-frames 16]
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

import h5py
import numpy as np
from gnuradio import amrcompress

P = 1 << 20
L = 128
SCRIPT = r"""
import sys, time
import numpy as np
from gnuradio import gr, blocks, amrcompress
P = 1 << 20
tb = gr.top_block()
src = blocks.vector_source_c((np.arange(P) % P).astype(np.complex64).tolist(), True)
sink = amrcompress.dataset_sink(sys.argv[1], ["a", "b"], 128, label="a", snr_db=0.0,
                                flush_frames=int(sys.argv[2]), flush_seconds=0.01,
                                backpressure=True)
tb.connect(src, sink)
tb.start()
while True:
    print(sink.frames_flushed(), flush=True)
    time.sleep(0.002)
"""


def check(path, flushed):
    """'' when the file is whole, else what is wrong."""
    try:
        with h5py.File(path, "r") as f:
            n = len(f["X"])
            Y = f["Y"][...]
            ids = f["capture_id"][...]
            lengths = {n, len(Y), len(ids), len(f["Z"]), len(f["snr_db"])}
            # The samples of the first, the last and random frames (files run to GB).
            rows = np.unique(np.concatenate([
                np.arange(min(n, 1000)), np.arange(max(0, n - 1000), n),
                np.random.default_rng(n).integers(0, max(n, 1), 1000)]))
            X = f["X"][rows] if n else np.zeros((0, L, 2), np.float32)
    except Exception as e:  # noqa: BLE001 (any failure to read is the finding)
        return "h5py cannot read it: %s" % e
    if len(lengths) != 1:
        return "datasets of different lengths %s" % sorted(lengths)
    if n < flushed:
        return "%d frames, %d were flushed" % (n, flushed)
    if not np.all(Y.sum(axis=1) == 1):
        return "Y rows not one-hot"
    if not np.array_equal(ids, np.arange(n) * L):
        return "capture_id not consecutive"
    expected = (ids[rows, None] + np.arange(L)[None, :]) % P
    if not np.array_equal(X[:, :, 0], expected):
        return "frame samples differ from the stream"
    try:
        amrcompress.dataset_reader(path)
    except ValueError as e:
        return "dataset_reader: %s" % e
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--flush-frames", type=int, default=16)
    ap.add_argument("--max-delay", type=float, default=1.5, help="seconds after start, at most")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    bad, frames = [], []
    with tempfile.TemporaryDirectory() as d:
        for t in range(a.trials):
            path = os.path.join(d, "k%d.h5" % t)
            p = subprocess.Popen([sys.executable, "-c", SCRIPT, path, str(a.flush_frames)],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            last = [0]

            def reader():
                for line in p.stdout:  # GNU Radio's log lines come here too
                    if line.strip().isdigit():
                        last[0] = int(line)

            th = threading.Thread(target=reader, daemon=True)
            th.start()
            while last[0] == 0 and p.poll() is None:  # until the capture runs
                time.sleep(0.01)
            time.sleep(rnd.uniform(0, a.max_delay))
            seen = last[0]  # the count printed before the kill is sure to be on disk
            p.send_signal(signal.SIGKILL)
            p.wait()
            th.join()
            p.stdout.close()
            problem = check(path, seen) if os.path.exists(path) else "no file (capture died?)"
            n = (len(h5py.File(path, "r")["X"])
                 if not problem.startswith(("h5py", "no file")) else -1)
            frames.append(n)
            print("trial %3d: flushed >= %7d, file holds %7d frames %s" %
                  (t + 1, seen, n, problem or "ok"), flush=True)
            if problem:
                bad.append((t + 1, problem))
            if os.path.exists(path):
                os.remove(path)
    print("\n%d kills, %d files whole and holding every flushed frame, %d not" %
          (a.trials, a.trials - len(bad), len(bad)))
    for t, problem in bad:
        print("  trial %d: %s" % (t, problem))
    print("frames per file: median %d, max %d" % (int(np.median(frames)), max(frames)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

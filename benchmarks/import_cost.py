#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""What `from gnuradio import amrcompress` costs a flowgraph: wall time and
peak RSS of a fresh /usr/bin/python3 that

  gr      imports `from gnuradio import gr, blocks` (the baseline),
  import  also imports gnuradio.amrcompress,
  clf     also constructs a classifier with a zoo model (engine "auto"),

each run `--runs` times (default 5), median printed, plus whether LibTorch
was mapped into the process (/proc/self/maps). Prints numbers; it is not a
timed test.

    /usr/bin/python3 benchmarks/import_cost.py --model amr-out/cnn1d/model.pt
    # against a build tree instead of the installed module:
    PYTHONPATH=build/test_modules /usr/bin/python3 benchmarks/import_cost.py --model ...

Without --model a tiny CNN1D is trained with the `amr` tool (AMR_TOOL or
`amr` on PATH) into a temporary directory.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import resource, sys, time, json
t0 = time.perf_counter()
from gnuradio import gr, blocks
case, model = sys.argv[1], sys.argv[2]
backend = ""
if case in ("import", "clf"):
    from gnuradio import amrcompress
if case == "clf":
    clf = amrcompress.classifier(model)
    backend = clf.backend() if hasattr(clf, "backend") else "LibTorch (no backend())"
t = time.perf_counter() - t0
with open("/proc/self/maps") as f:
    maps = f.read()
torch = "libtorch" in maps or "libc10" in maps
print(json.dumps({"seconds": t,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "libtorch_mapped": torch, "backend": backend}))
"""


def tiny_model(tmp):
    amr = os.environ.get("AMR_TOOL", "amr")
    data = os.path.join(tmp, "d.h5")
    subprocess.run([amr, "gen", "-o", data, "-n", "4", "--classes", "BPSK,QPSK,GFSK",
                    "--snr-min", "10", "--snr-max", "18"], check=True, capture_output=True)
    subprocess.run([amr, "train", data, "-o", os.path.join(tmp, "m"), "-m", "cnn1d", "-e", "1",
                    "-b", "16", "--eval-every", "0", "--no-dynamics"], check=True,
                   capture_output=True)
    return os.path.join(tmp, "m", "model.pt")


def run(case, model, python):
    t0 = time.perf_counter()
    r = subprocess.run([python, "-c", CHILD, case, model], capture_output=True, text=True,
                       timeout=120)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"{case}: failed:\n{r.stderr}")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["wall"] = wall
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="a zoo model file (default: train a tiny CNN1D)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--json", help="write the figures here too")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = a.model or tiny_model(tmp)
        results = {}
        print(f"{'case':8} {'process wall s':>15} {'in-process s':>13} {'peak RSS MB':>12}  "
              "LibTorch mapped  backend")
        for case in ("gr", "import", "clf"):
            runs = [run(case, model, a.python) for _ in range(a.runs)]
            med = {k: statistics.median(r[k] for r in runs)
                   for k in ("wall", "seconds", "maxrss_mb")}
            med["libtorch_mapped"] = any(r["libtorch_mapped"] for r in runs)
            med["backend"] = runs[-1]["backend"]
            results[case] = med
            print(f"{case:8} {med['wall']:15.3f} {med['seconds']:13.3f} {med['maxrss_mb']:12.1f}  "
                  f"{str(med['libtorch_mapped']):15}  {med['backend']}")
        print(f"(median of {a.runs} fresh processes each; process wall includes the "
              "interpreter's start, in-process counts from before the first import)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Accuracy of dataset_sink's blind SNR estimate against the generator's SNRs.

Generates an RML2016.10a-style dataset with `amr gen` (all 11 classes, SNR
-10..18 dB by default), estimates every frame's SNR exactly as dataset_sink
does when no SNR is given (amrcompress.estimate_snr), and prints, per class
and per SNR, the mean error (estimate - label), its spread and the mean
absolute error. Frames are L1-normalised in the file; the estimate is
scale-free. The generator's label is the cell's SNR (signal power over the
burst / noise power over the whole band); single frames scatter around it
with fading and audio loudness, which is part of what is measured.

    /usr/bin/python3 benchmarks/snr_estimate_accuracy.py [-n 100] [--json out.json]
"""

import argparse
import json
import os
import subprocess
import tempfile

import h5py
import numpy as np
from gnuradio import amrcompress


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=100, help="frames per (class, SNR)")
    ap.add_argument("--snr-min", type=int, default=-10)
    ap.add_argument("--snr-max", type=int, default=18)
    ap.add_argument("--amr", default=os.environ.get("AMR_TOOL", "amr"))
    ap.add_argument("--json")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "snr.h5")
        subprocess.run([a.amr, "gen", "-o", path, "-n", str(a.n), "--snr-min", str(a.snr_min),
                        "--snr-max", str(a.snr_max)], check=True, capture_output=True)
        with h5py.File(path, "r") as f:
            X = f["X"][...]
            labels = np.argmax(f["Y"][...], axis=1)
            snr = f["snr_db"][...]
            classes = [c.decode() if isinstance(c, bytes) else c for c in f.attrs["classes"]]
    frames = X[..., 0] + 1j * X[..., 1]
    est = amrcompress.estimate_snr(frames.astype(np.complex64))
    err = est - snr
    snrs = sorted(set(snr.round().astype(int)))
    out = {"per_class": {}, "per_snr": {}, "L": int(X.shape[1]), "frames": int(len(X))}
    print(f"{len(X)} frames of {X.shape[1]} samples, SNR {a.snr_min}..{a.snr_max} dB\n")
    print("| class | bias (dB) | spread (sd, dB) | MAE (dB) | MAE at SNR >= 0 dB |")
    print("|---|---|---|---|---|")
    for c, name in enumerate(classes):
        m = labels == c
        hi = m & (snr >= 0)
        row = {"bias": float(err[m].mean()), "sd": float(err[m].std()),
               "mae": float(np.abs(err[m]).mean()), "mae_snr_ge_0": float(np.abs(err[hi]).mean())}
        out["per_class"][name] = row
        print(f"| {name} | {row['bias']:+.2f} | {row['sd']:.2f} | {row['mae']:.2f} | "
              f"{row['mae_snr_ge_0']:.2f} |")
    allrow = {"bias": float(err.mean()), "sd": float(err.std()), "mae": float(np.abs(err).mean()),
              "mae_snr_ge_0": float(np.abs(err[snr >= 0]).mean())}
    out["all"] = allrow
    print(f"| **all** | {allrow['bias']:+.2f} | {allrow['sd']:.2f} | {allrow['mae']:.2f} | "
          f"{allrow['mae_snr_ge_0']:.2f} |")
    print("\n| SNR label (dB) | mean estimate | bias | sd | MAE |")
    print("|---|---|---|---|---|")
    for s in snrs:
        m = snr.round() == s
        row = {"mean": float(est[m].mean()), "bias": float(err[m].mean()),
               "sd": float(err[m].std()), "mae": float(np.abs(err[m]).mean())}
        out["per_snr"][int(s)] = row
        print(f"| {s} | {row['mean']:.2f} | {row['bias']:+.2f} | {row['sd']:.2f} "
              f"| {row['mae']:.2f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()

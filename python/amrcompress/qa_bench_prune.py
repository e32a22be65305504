#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""`amr bench prune` as a long run spanning sessions uses it, on a tiny
configuration: every baseline prunes to FCOS's reduction of its own seed, a
rerun starts nothing, --tables-only reports a partial run as partial, a
failed FCOS skips only its own seed's baselines, and a generated dataset of
another shape is never reused."""

import csv
import json
import os
import shutil
import tempfile

from gnuradio import gr_unittest
from qa_helpers import amr, amr_run

# 550 frames (11 classes x 5 SNRs x 10), one epoch per stage.
TINY = ["--frames-per-cell", "10", "--snr-min", "10", "--models", "cnn1d",
        "--methods", "fcos,l1norm,fpgm", "--seeds", "2", "--train-epochs", "1",
        "--diagnosis-epochs", "1", "--epochs", "1", "--no-ablation",
        "--infer-seconds", "0.2", "--infer-rounds", "1"]


def report(path):
    with open(os.path.join(path, "report.json")) as f:
        return json.load(f)


class qa_bench_prune(gr_unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "bp")
        cls.first = amr("bench", "prune", "-o", cls.out, *TINY, timeout=600)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_dir(self, method, seed):
        return os.path.join(self.out, "prune", "cnn1d",
                            method + ("" if seed == 1 else "-s%d" % seed))

    def test_baselines_match_fcos_of_their_own_seed(self):
        self.assertIn("8 training and pruning run(s)", self.first.stderr)
        with open(os.path.join(self.out, "results.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(sorted((r["method"], r["seed"]) for r in rows),
                         sorted((m, s) for m in ("fcos", "l1norm", "fpgm")
                                for s in ("1", "2")))
        for seed in (1, 2):
            fcos = report(self.run_dir("fcos", seed))["reduction"]["params"]
            for m in ("l1norm", "fpgm"):
                rep = report(self.run_dir(m, seed))
                self.assertAlmostEqual(rep["config"]["target_params"], fcos, places=5)
                self.assertGreaterEqual(rep["reduction"]["params"], fcos - 1e-6)

    def test_rerun_starts_nothing_and_partial_tables_say_so(self):
        again = amr("bench", "prune", "-o", self.out, *TINY, timeout=600)
        self.assertIn("0 training and pruning run(s)", again.stderr)
        part = os.path.join(self.tmp.name, "partial")
        shutil.copytree(self.out, part)
        os.remove(os.path.join(part, "prune", "cnn1d", "fpgm-s2", "report.json"))
        r = amr("bench", "prune", "-o", part, *TINY, "--tables-only")
        self.assertIn("1 not complete (yet)", r.stdout)
        with open(os.path.join(part, "tables.md")) as f:
            tables = f.read()
        self.assertIn("**Partial** (--tables-only): 5 of 6 pruning runs complete", tables)
        self.assertIn("FPGM (1 not complete)", tables)
        self.assertFalse(os.path.exists(os.path.join(part, "prune", "cnn1d", "fpgm-s2",
                                                     "report.json")))

    def test_failed_fcos_skips_only_its_baselines(self):
        failing = os.path.join(self.tmp.name, "failing")
        os.makedirs(failing)
        shutil.copy(os.path.join(self.out, "data.h5"), failing)
        shutil.copytree(os.path.join(self.out, "dense"), os.path.join(failing, "dense"))
        # Seed 2's FCOS is done already; seed 1's fails on its epsilon.
        os.makedirs(os.path.join(failing, "prune", "cnn1d"))
        shutil.copytree(self.run_dir("fcos", 2),
                        os.path.join(failing, "prune", "cnn1d", "fcos-s2"))
        r = amr_run("bench", "prune", "-o", failing, *TINY, "--keep", "cnn1d:-1", timeout=600)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("fcos/prune.log: FAILED", r.stderr)
        self.assertIn("l1norm/prune.log: skipped", r.stderr)
        self.assertIn("fpgm/prune.log: skipped", r.stderr)
        self.assertIn("l1norm-s2/prune.log: ok", r.stderr)
        self.assertIn("fpgm-s2/prune.log: ok", r.stderr)
        self.assertIn("6 pruning run(s), 3 failed", r.stdout)

    def test_generated_data_of_another_shape_is_refused(self):
        other = os.path.join(self.tmp.name, "other")
        os.makedirs(other)
        shutil.copy(os.path.join(self.out, "data.h5"), other)
        r = amr_run("bench", "prune", "-o", other, *TINY, "--preset", "rml2018")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(os.path.join(other, "data.h5"), r.stderr)
        self.assertIn("holds 11 classes of 128-sample frames, not the 24 classes of 1024",
                      r.stderr)
        self.assertFalse(os.path.exists(os.path.join(other, "dense")))


if __name__ == "__main__":
    gr_unittest.run(qa_bench_prune)

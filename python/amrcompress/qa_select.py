#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""`amr select` seen from outside: FoQuS scores recomputed here with numpy
from the dynamics record (paper Eqs. 3-8) equal the ones amr select used; the
index file is class-balanced with round(rate * n_class) frames per class and
trains with `amr train --index`; bad input exits non-zero with a message."""

import csv
import json
import os
import tempfile

import h5py
import numpy as np
from gnuradio import gr_unittest
from qa_helpers import amr_run


METHODS = ["foqus", "uniform", "cal", "cd", "forgetting", "grand", "herding", "kcenter",
           "leastconf", "entropy", "margin"]


def read_index(path):
    with open(path) as f:
        return [int(line) for line in f if line.strip() and not line.startswith("#")]


class qa_select(gr_unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.data = os.path.join(cls.dir, "d.h5")
        r = amr_run("gen", "-o", cls.data, "-n", "40", "--classes", "BPSK,QPSK,8PSK,GFSK,WBFM",
                    "--snr-min", "10", "--snr-max", "18", "--snr-step", "4")
        assert r.returncode == 0, r.stderr
        cls.run_dir = os.path.join(cls.dir, "run")
        r = amr_run("train", cls.data, "-o", cls.run_dir, "-e", "4", "-b", "32",
                    "--eval-every", "0")
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def record(self):
        """The dynamics record read with h5py: T, predictions, losses, labels, indices."""
        with h5py.File(os.path.join(self.run_dir, "dynamics.h5"), "r") as f:
            T = int(f.attrs["epochs_completed"])
            return (T, f["pred"][:, :T].astype(np.int64), f["loss"][:, :T].astype(np.float64),
                    f["label"][:].astype(np.int64), f["index"][:])

    def test_foqus_scores_recomputed_independently(self):
        scores = os.path.join(self.dir, "scores.csv")
        r = amr_run("select", self.data, "--run", self.run_dir, "--rate", "0.1", "-o",
                    os.path.join(self.dir, "f.idx"), "--scores", scores)
        self.assertEqual(r.returncode, 0, r.stderr)
        T, pred, loss, label, index = self.record()
        c = pred == label[:, None]                                   # Eq. 3
        forget = np.sum(c[:, :-1] & ~c[:, 1:], axis=1)              # Eq. 4
        persist = np.sum(~c[:, :-1] & ~c[:, 1:], axis=1)            # Eq. 5
        quality = c.sum(axis=1) / T - 0.1 * loss.sum(axis=1) / T    # Eqs. 6-7
        total = forget / (T - 1) + persist / (T - 1) + quality      # Eq. 8
        with open(scores) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), len(index))
        got = {int(r["index"]): r for r in rows}
        for i, k in enumerate(index):
            self.assertAlmostEqual(float(got[k]["forget"]), forget[i] / (T - 1), places=6)
            self.assertAlmostEqual(float(got[k]["persist"]), persist[i] / (T - 1), places=6)
            self.assertAlmostEqual(float(got[k]["quality"]), quality[i], places=5)
            self.assertAlmostEqual(float(got[k]["foqus"]), total[i], places=5)

    def test_normalised_sums_recomputed_independently(self):
        T, pred, loss, label, index = self.record()
        c = pred == label[:, None]
        metrics = [np.sum(c[:, :-1] & ~c[:, 1:], axis=1) / (T - 1),
                   np.sum(~c[:, :-1] & ~c[:, 1:], axis=1) / (T - 1),
                   c.sum(axis=1) / T - 0.1 * loss.sum(axis=1) / T]
        readings = {
            # each metric on [0, 1] over every candidate, then added
            "minmax": lambda x: (x - x.min()) / (x.max() - x.min()),
            # each metric at mean 0 and (population) sd 1, then added
            "zscore": lambda x: (x - x.mean()) / x.std(),
        }
        for name, scale in readings.items():
            want = sum(scale(m) for m in metrics if np.ptp(m) > 1e-12)
            scores = os.path.join(self.dir, "scores_%s.csv" % name)
            r = amr_run("select", self.data, "--run", self.run_dir, "--rate", "0.1", "-o",
                        os.path.join(self.dir, "n.idx"), "--foqus-norm", name,
                        "--scores", scores)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(scores) as f:
                got = {int(row["index"]): float(row["foqus"]) for row in csv.DictReader(f)}
            for i, k in enumerate(index):
                self.assertAlmostEqual(got[k], want[i], places=5, msg=name)
        r = amr_run("select", self.data, "--run", self.run_dir, "--rate", "0.1", "-o",
                    os.path.join(self.dir, "n.idx"), "--foqus-norm", "rank")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("sum, minmax or zscore", r.stderr)

    def test_ccs_drops_the_hardest_tenth(self):
        scores = os.path.join(self.dir, "scores_ccs.csv")
        out = os.path.join(self.dir, "ccs.idx")
        r = amr_run("select", self.data, "--run", self.run_dir, "--rate", "0.3", "-o", out,
                    "--foqus-sampling", "ccs", "--ccs-drop", "0.1", "--ccs-strata", "5",
                    "--scores", scores, "--json", os.path.join(self.dir, "ccs.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(scores) as f:
            rows = list(csv.DictReader(f))
        picked = set(read_index(out))
        for cls in {row["label"] for row in rows}:
            mine = sorted((float(row["foqus"]), int(row["index"])) for row in rows
                          if row["label"] == cls)
            cut = int(0.1 * len(mine))
            # ties at the cut could go either way; below it nothing is kept
            below = {i for s, i in mine[:cut] if s < mine[cut][0]}
            self.assertGreater(len(below), 0, cls)
            self.assertFalse(below & picked, cls)
            # and the budget is met from the rest: 30 % of the class
            self.assertEqual(len(picked & {i for _, i in mine}),
                             int(0.3 * len(mine) + 0.5), cls)
        with open(os.path.join(self.dir, "ccs.json")) as f:
            j = json.load(f)
        self.assertEqual(j["foqus"]["sampling"], "ccs")
        self.assertEqual(j["foqus"]["ccs_strata"], 5)

    def test_every_method_is_class_balanced_and_trainable(self):
        with h5py.File(os.path.join(self.run_dir, "dynamics.h5"), "r") as f:
            cand = set(f["index"][:].tolist())
            cand_labels = f["label"][:]
        n_class = np.bincount(cand_labels)
        with h5py.File(self.data, "r") as f:
            labels = np.argmax(f["Y"][:], axis=1)
        for m in METHODS:
            for rate in ("0.05", "0.3"):
                out = os.path.join(self.dir, f"{m}_{rate}.idx")
                js = os.path.join(self.dir, f"{m}_{rate}.json")
                r = amr_run("select", self.data, "--run", self.run_dir, "--method", m, "--rate",
                            rate, "-o", out, "--json", js)
                self.assertEqual(r.returncode, 0, m + ": " + r.stderr)
                idx = read_index(out)
                self.assertEqual(len(idx), len(set(idx)), m)
                self.assertTrue(set(idx) <= cand, m)
                want = np.floor(float(rate) * n_class + 0.5).astype(int)
                self.assertEqual(np.bincount(labels[idx], minlength=len(want)).tolist(),
                                 want.tolist(), m)
                with open(js) as f:
                    self.assertEqual(json.load(f)["selected"], int(want.sum()))
        # amr train accepts the coreset.
        r = amr_run("train", self.data, "-o", os.path.join(self.dir, "core"), "-e", "1",
                    "--index", os.path.join(self.dir, "foqus_0.3.idx"), "--no-dynamics")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "core", "metrics.json")) as f:
            self.assertEqual(json.load(f)["train_frames"], len(read_index(
                os.path.join(self.dir, "foqus_0.3.idx"))))

    def test_seeded_selection_reproduces(self):
        a, b = (os.path.join(self.dir, f"seed{k}.idx") for k in "ab")
        for p in (a, b):
            r = amr_run("select", self.data, "--run", self.run_dir, "--method", "kcenter",
                        "--rate", "0.2", "--seed", "7", "-o", p)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read_index(a), read_index(b))

    def test_bad_input(self):
        out = os.path.join(self.dir, "bad.idx")
        for rate in ("0", "1.5", "-1", "nan"):
            r = amr_run("select", self.data, "--run", self.run_dir, "--rate", rate, "-o", out)
            self.assertNotEqual(r.returncode, 0, rate)
            self.assertIn("rate", r.stderr)
        # A record from another dataset.
        other = os.path.join(self.dir, "other.h5")
        r = amr_run("gen", "-o", other, "-n", "10", "--classes", "BPSK,QPSK",
                    "--snr-min", "10", "--snr-max", "10")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = amr_run("select", other, "--run", self.run_dir, "--rate", "0.1", "-o", out)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("does not belong", r.stderr)
        # Model-based method without a model; FoQuS without a record.
        r = amr_run("select", self.data, "--method", "kcenter", "--rate", "0.1", "-o", out)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("model", r.stderr)
        r = amr_run("select", self.data, "--method", "foqus", "--rate", "0.1", "-o", out)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("dynamics", r.stderr)
        # A corrupt record.
        bad = os.path.join(self.dir, "cut.h5")
        with open(os.path.join(self.run_dir, "dynamics.h5"), "rb") as f:
            data = f.read()
        with open(bad, "wb") as f:
            f.write(data[: len(data) // 3])
        r = amr_run("select", self.data, "--dynamics", bad, "--rate", "0.1", "-o", out)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("cut.h5", r.stderr)


if __name__ == "__main__":
    gr_unittest.run(qa_select)

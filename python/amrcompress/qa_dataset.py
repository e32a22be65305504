#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The dataset store seen from Python and h5py: files we write open in h5py
in the RML2018.01a layout, files h5py writes open in the store, and the
generator's output has the promised structure."""

import json
import os
import subprocess
import tempfile
import time

import h5py
import numpy as np
from gnuradio import amrcompress, gr_unittest
from qa_helpers import AMR, amr, amr_run


class qa_dataset(gr_unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_001_generated_file_in_h5py(self):
        out = self.path("gen.h5")
        amr("gen", "-o", out, "-n", "3", "--seed", "5", "--json", self.path("s.json"))
        with h5py.File(out, "r") as f:
            X, Y, Z = f["X"][:], f["Y"][:], f["Z"][:]
            classes = [c.decode() if isinstance(c, bytes) else c for c in f.attrs["classes"]]
            self.assertEqual(X.dtype, np.float32)
            self.assertEqual(X.shape, (11 * 20 * 3, 128, 2))
            self.assertEqual(Y.shape, (X.shape[0], 11))
            self.assertEqual(Z.shape, (X.shape[0], 1))
            self.assertTrue(np.all(Y.sum(axis=1) == 1))
            self.assertEqual(classes, list(amrcompress.rml2016_classes()))
            lab = Y.argmax(axis=1)
            counts = {}
            for c, s in zip(lab, Z[:, 0]):
                counts[(c, s)] = counts.get((c, s), 0) + 1
            self.assertEqual(len(counts), 11 * 20)
            self.assertEqual(set(counts.values()), {3})
            self.assertEqual(sorted(set(Z[:, 0])), list(range(-20, 20, 2)))
            # L1 normalisation per frame, as RML2016.10a.
            l1 = np.abs(X[..., 0] + 1j * X[..., 1]).sum(axis=1)
            self.assertTrue(np.allclose(l1, 1.0, atol=1e-4))
            gen = json.loads(f.attrs["generator"])
            self.assertEqual(gen["seed"], 5)
        summary = json.load(open(self.path("s.json")))
        self.assertEqual(summary["frames"], 660)

    def test_002_h5py_rml2018_file_in_store(self):
        # RML2018.01a's own layout: no attributes, int64 Y one-hot [N, 24], Z [N, 1].
        p = self.path("gold.h5")
        n, L = 48, 1024
        rng = np.random.default_rng(1)
        X = rng.standard_normal((n, L, 2)).astype(np.float32)
        lab = np.arange(n) % 24
        Y = np.eye(24, dtype=np.int64)[lab]
        Z = (np.arange(n) % 26 * 2 - 20).astype(np.int64).reshape(-1, 1)
        with h5py.File(p, "w") as f:
            f["X"], f["Y"], f["Z"] = X, Y, Z
        ds = amrcompress.dataset_reader(p)
        self.assertEqual(len(ds), n)
        self.assertEqual(ds.info.frame_length, L)
        self.assertEqual(list(ds.info.classes)[:3], ["OOK", "4ASK", "8ASK"])
        self.assertEqual(list(ds.info.classes)[-1], "OQPSK")
        np.testing.assert_array_equal(ds.labels, lab)
        np.testing.assert_array_equal(ds.snr_db, Z[:, 0].astype(np.float32))
        b = ds.read_indices([47, 0, 5])
        np.testing.assert_array_equal(b["X"], X[[47, 0, 5]])
        r = amr("info", p, "--no-check")
        self.assertIn("48 frames of 1024", r.stdout)

    def test_003_split_and_subset_through_tool(self):
        src = self.path("g.h5")
        amr("gen", "-o", src, "-n", "10", "--classes", "BPSK,QPSK",
            "--snr-min", "0", "--snr-max", "2")
        ds = amrcompress.dataset_reader(src)
        sp = amrcompress.stratified_split(ds, 0.8)
        self.assertEqual((len(sp.train), len(sp.test)), (32, 8))
        amr("subset", src, "--split", "test", "--classes", "QPSK",
            "-o", self.path("t.h5"), "--write-index", self.path("t.idx"))
        idx = amrcompress.read_index_file(self.path("t.idx"), len(ds))
        self.assertEqual(len(idx), 4)
        self.assertTrue(set(idx) <= set(sp.test))
        with h5py.File(self.path("t.h5"), "r") as f, h5py.File(src, "r") as g:
            np.testing.assert_array_equal(f["X"][:], g["X"][:][idx])
        # An index file feeds the next selection; an out-of-range one is refused.
        amrcompress.write_index_file(self.path("bad.idx"), [0, 999])
        r = amr_run("subset", src, "--index", self.path("bad.idx"), "-o", self.path("x.h5"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("outside", r.stderr)

    def test_004_bad_files_give_clear_errors(self):
        good = self.path("good.h5")
        amr("gen", "-o", good, "-n", "40", "--classes", "GFSK")
        data = open(good, "rb").read()
        trunc = self.path("trunc.h5")
        open(trunc, "wb").write(data[: len(data) // 2])
        r = amr_run("info", trunc)
        self.assertEqual(r.returncode, 1)
        self.assertIn(trunc, r.stderr)
        self.assertIn("truncated", r.stderr)
        with self.assertRaises(ValueError):
            amrcompress.dataset_reader(trunc)
        with h5py.File(self.path("noz.h5"), "w") as f:
            f["X"] = np.zeros((4, 8, 2), np.float32)
            f["Y"] = np.eye(11, dtype=np.int64)[:4]
        r = amr_run("info", self.path("noz.h5"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing dataset 'Z'", r.stderr)
        with h5py.File(self.path("nan.h5"), "w") as f:
            X = np.zeros((4, 8, 2), np.float32)
            X[2, 3, 1] = np.nan
            f["X"], f["Y"], f["Z"] = X, np.eye(11, dtype=np.int64)[:4], np.zeros((4, 1), np.int64)
        r = amr_run("info", self.path("nan.h5"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("frame 2 contains NaN", r.stderr)
        r = amr_run("gen", "-o", self.path("x.h5"), "--classes", "BPSK,FOO")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown class name 'FOO'", r.stderr)
        self.assertFalse(os.path.exists(self.path("x.h5")))

    def test_005_generator_from_python(self):
        cfg = amrcompress.generator_config()
        cfg.classes = ["QAM16"]
        cfg.snrs_db = [10]
        cfg.frames_per_cell = 30
        a = amrcompress.generate_cell(cfg, 0, 0, True)
        b = amrcompress.generate_cell(cfg, 0, 0, False)
        np.testing.assert_array_equal(a["X"], b["X"])
        np.testing.assert_allclose(a["signal"] + a["noise"], a["X"], atol=1e-6)
        ps = (a["signal"] ** 2).sum(axis=(1, 2))
        pn = (a["noise"] ** 2).sum(axis=(1, 2))
        self.assertAlmostEqual(10 * np.log10(np.mean(ps / pn)), 10.0, delta=1.5)

    def test_006_help_and_usage(self):
        r = amr("--help")
        for cmd in ("gen", "info", "convert", "subset"):
            self.assertIn(cmd, r.stdout)
            h = amr_run(cmd, "--help")
            self.assertEqual(h.returncode, 0, cmd)
            self.assertIn("usage: amr " + cmd, h.stdout)
        self.assertEqual(amr_run("gen", "--bogus").returncode, 2)
        self.assertEqual(amr_run("nosuchcommand").returncode, 2)

    def test_007_rml2018_preset_layout_and_disk_check(self):
        # RML2018.01a's layout and class order, read as code for the real file reads it.
        out = self.path("r18.h5")
        amr("gen", "--preset", "rml2018", "-n", "2", "--snr-min", "10", "--snr-max", "12",
            "-o", out)
        with h5py.File(out, "r") as f:
            self.assertEqual(f["X"].shape, (24 * 2 * 2, 1024, 2))
            self.assertEqual(f["X"].dtype, np.float32)
            self.assertEqual(f["Y"].shape, (96, 24))
            self.assertEqual(f["Z"].shape, (96, 1))
            names = [c.decode() if isinstance(c, bytes) else c for c in f.attrs["classes"]]
            self.assertEqual(names[:4], ["OOK", "4ASK", "8ASK", "BPSK"])
            self.assertEqual(names[-3:], ["FM", "GMSK", "OQPSK"])
            y = f["Y"][...].argmax(axis=1)
            self.assertTrue(np.all(np.diff(y) >= 0))  # class-major, as RML2018.01a
            self.assertEqual(sorted(set(f["Z"][:, 0].tolist())), [10, 12])
        # A million frames a cell is terabytes: refused before anything is written.
        big = self.path("big.h5")
        r = amr_run("gen", "--preset", "rml2018", "-n", "1000000", "-o", big)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("MB free", r.stderr)
        self.assertIn(big, r.stderr)
        self.assertFalse(os.path.exists(big))
        self.assertFalse(os.path.exists(big + ".partial"))

    def test_008_a_file_that_changes_while_training_reads_it(self):
        src = self.path("src.h5")
        amr("gen", "-o", src, "-n", "40", "--classes", "BPSK,QPSK,GFSK,WBFM",
            "--snr-min", "10", "--snr-max", "18", "--snr-step", "8")
        # Open for writing elsewhere (a capture still recording): refused at open.
        with h5py.File(src, "a"):
            for cmd in (["info", src], ["train", src, "-o", self.path("locked"), "-e", "1"]):
                r = amr_run(*cmd)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(src, r.stderr)
                self.assertIn("open for writing", r.stderr)
        self.assertEqual(amr_run("info", src, "--no-check").returncode, 0)
        # Truncated while a streamed run reads it: stops naming the file, and
        # the checkpoint of the last whole epoch stays.
        out = self.path("run")
        p = subprocess.Popen([AMR, "train", src, "-o", out, "-e", "100000", "-b", "16",
                              "--shuffle-window", "64", "--threads", "1", "--no-dynamics",
                              "--eval-every", "0"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            ck = os.path.join(out, "checkpoint.pt")
            deadline = time.time() + 300
            while not os.path.exists(ck):
                self.assertLess(time.time(), deadline, "no checkpoint")
                self.assertIsNone(p.poll())
                time.sleep(0.05)
            os.truncate(src, os.path.getsize(src) // 2)
            _, err = p.communicate(timeout=300)
        finally:
            p.kill()
        self.assertEqual(p.returncode, 1, err)
        self.assertIn(src, err)
        self.assertIn("truncated while", err)
        self.assertGreater(os.path.getsize(ck), 0)
        self.assertFalse(os.path.exists(os.path.join(out, "model.pt")))


if __name__ == "__main__":
    gr_unittest.run(qa_dataset)

#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Models trained by `amr train` seen from Python: the TorchScript file loads
with torch.jit.load, carries its metadata, and gives the C++ logits (1e-4) and
`amr eval`'s predictions; the dynamics record opens in h5py and agrees with
the reported accuracies."""

import csv
import json
import os
import tempfile
import zipfile

import h5py
import numpy as np
import torch
from gnuradio import gr_unittest
from qa_helpers import amr_run as amr


class qa_model(gr_unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.data = os.path.join(cls.dir, "d.h5")
        r = amr("gen", "-o", cls.data, "-n", "30", "--classes", "BPSK,QPSK,8PSK,GFSK,WBFM",
                "--snr-min", "10", "--snr-max", "18", "--snr-step", "8")
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def train_and_compare(self, arch, epochs=2):
        out = os.path.join(self.dir, arch)
        r = amr("train", self.data, "-o", out, "-m", arch, "-e", str(epochs), "-b", "32")
        self.assertEqual(r.returncode, 0, r.stderr)
        ev = os.path.join(out, "eval")
        r = amr("eval", os.path.join(out, "model.pt"), self.data, "-o", ev, "--save-logits",
                "--no-plots")
        self.assertEqual(r.returncode, 0, r.stderr)

        extra = {"amr_meta.json": ""}
        m = torch.jit.load(os.path.join(out, "model.pt"), _extra_files=extra)
        m.eval()
        meta = json.loads(extra["amr_meta.json"])
        with h5py.File(self.data, "r") as f:
            classes = [c.decode() if isinstance(c, bytes) else c for c in f.attrs["classes"]]
            X = f["X"][:]
        self.assertEqual(list(m.classes), classes)
        self.assertEqual(meta["classes"], classes)
        self.assertEqual(m.frame_length, 128)
        self.assertEqual(meta["normalisation"], "l1")
        self.assertIn("[B, 2, L]", m.input_layout)

        rows = list(csv.DictReader(open(os.path.join(ev, "predictions.csv"))))
        idx = np.array([int(r["index"]) for r in rows])
        cpp_pred = np.array([int(r["prediction"]) for r in rows])
        cpp_logits = np.loadtxt(os.path.join(ev, "logits.csv"), delimiter=",", ndmin=2)
        x = torch.from_numpy(X[idx]).permute(0, 2, 1).contiguous()  # [B, L, 2] -> [B, 2, L]
        with torch.no_grad():
            logits = m(x).numpy()
            feats = m.features(x).numpy()
        self.assertEqual(logits.shape, (len(idx), len(classes)))
        self.assertEqual(feats.shape[0], len(idx))
        self.assertEqual(feats.shape[1], meta["embedding_dim"])
        np.testing.assert_allclose(logits, cpp_logits, atol=1e-4, rtol=0)
        np.testing.assert_array_equal(logits.argmax(1), cpp_pred)
        return out, meta

    def test_001_cnn1d_python_matches_cpp_and_dynamics(self):
        out, meta = self.train_and_compare("cnn1d", epochs=3)
        self.assertEqual(meta["params"], 100907 - 128 * 6 - 6)  # 5 classes instead of 11
        metrics = json.load(open(os.path.join(out, "metrics.json")))
        with h5py.File(os.path.join(out, "dynamics.h5"), "r") as f:
            pred, loss, label = f["pred"][:], f["loss"][:], f["label"][:]
            self.assertEqual(pred.shape, (metrics["train_frames"], 3))
            self.assertEqual(loss.shape, pred.shape)
            self.assertEqual(f.attrs["epochs_completed"], 3)
            for e, ep in enumerate(metrics["epochs"]):
                self.assertAlmostEqual((pred[:, e] == label).mean(), ep["train_acc"], places=12)
                self.assertAlmostEqual(loss[:, e].mean(), ep["train_loss"], places=4)
            # Rows are dataset frames from the train part of the split.
            self.assertEqual(len(set(f["index"][:])), pred.shape[0])

    def test_002_resnet56(self):
        self.train_and_compare("resnet56", epochs=1)

    def test_003_cnn2d_and_lstm(self):
        self.train_and_compare("cnn2d", epochs=1)
        self.train_and_compare("lstm", epochs=1)

    def test_004_eval_outputs_and_plots(self):
        out = os.path.join(self.dir, "cnn1d")
        if not os.path.exists(os.path.join(out, "model.pt")):
            self.train_and_compare("cnn1d", epochs=1)
        ev = os.path.join(self.dir, "plots")
        r = amr("eval", os.path.join(out, "model.pt"), self.data, "-o", ev, "--all")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.load(open(os.path.join(ev, "eval.json")))
        self.assertEqual(j["frames"], 5 * 2 * 30)
        cm = np.array(j["confusion"])
        self.assertEqual(cm.sum(), j["frames"])
        self.assertAlmostEqual(np.trace(cm) / cm.sum(), j["accuracy"])
        for png in ("accuracy_vs_snr.png", "confusion.png"):
            data = open(os.path.join(ev, png), "rb").read(8)
            self.assertEqual(data, b"\x89PNG\r\n\x1a\n")

    def test_005_bad_model_input(self):
        junk = os.path.join(self.dir, "junk.pt")
        open(junk, "wb").write(b"not a model")
        r = amr("eval", junk, self.data, "-o", os.path.join(self.dir, "e"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a TorchScript model", r.stderr)
        # A plain TorchScript model without our metadata is refused clearly.
        plain = os.path.join(self.dir, "plain.pt")
        torch.jit.script(torch.nn.Linear(4, 2)).save(plain)
        r = amr("eval", plain, self.data, "-o", os.path.join(self.dir, "e"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("metadata", r.stderr)
        r = amr("train", self.data, "-o", os.path.join(self.dir, "t"), "-m", "nosuchnet")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown model architecture", r.stderr)

    def eval_json(self, model, *args):
        ev = os.path.join(self.dir, "ev_" + "_".join(a.strip("-") for a in args))
        r = amr("eval", model, self.data, "-o", ev, "--no-plots", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.DictReader(open(os.path.join(ev, "predictions.csv"))))
        return json.load(open(os.path.join(ev, "eval.json"))), [int(x["prediction"]) for x in rows], r

    def test_006_engines_precisions_and_quantize(self):
        out = os.path.join(self.dir, "cnn1d")
        if not os.path.exists(os.path.join(out, "model.pt")):
            self.train_and_compare("cnn1d", epochs=1)
        model = os.path.join(out, "model.pt")
        # The native engine gives LibTorch's prediction on every frame.
        jn, pn, _ = self.eval_json(model, "--engine", "native")
        jl, pl, _ = self.eval_json(model, "--engine", "libtorch")
        self.assertTrue(jn["backend"].startswith("native oneDNN fp32"), jn["backend"])
        self.assertTrue(jl["backend"].startswith("LibTorch"), jl["backend"])
        self.assertEqual(pn, pl)
        # int8 needs a calibration: refused by the native engine, LibTorch for auto.
        r = amr("eval", model, self.data, "-o", os.path.join(self.dir, "e8"), "--no-plots",
                "--precision", "int8", "--engine", "native")
        self.assertEqual(r.returncode, 1)
        self.assertIn("amr quantize", r.stderr)
        ja, _, r = self.eval_json(model, "--precision", "int8")
        self.assertTrue(ja["backend"].startswith("LibTorch"), ja["backend"])
        self.assertEqual(r.stderr.count("running on LibTorch"), 1, r.stderr)
        # amr quantize: deterministic, still a TorchScript model with the same function.
        q1, q2 = os.path.join(self.dir, "q1.pt"), os.path.join(self.dir, "q2.pt")
        for q in (q1, q2):
            r = amr("quantize", model, self.data, "-o", q, "--frames", "200")
            self.assertEqual(r.returncode, 0, r.stderr)
        cal = []
        for q in (q1, q2):
            with zipfile.ZipFile(q) as z:
                name = [n for n in z.namelist() if n.endswith("extra/amr_int8.json")]
                self.assertEqual(len(name), 1)
                cal.append(json.loads(z.read(name[0])))
        self.assertEqual(cal[0], cal[1])
        self.assertEqual(cal[0]["frames"], 200)
        self.assertEqual(cal[0]["split"], "train")
        extra = {"amr_int8.json": ""}
        mq = torch.jit.load(q1, _extra_files=extra).eval()
        self.assertEqual(json.loads(extra["amr_int8.json"]), cal[0])
        x = torch.randn(4, 2, 128) / 160
        with torch.no_grad():
            self.assertTrue(torch.equal(mq(x), torch.jit.load(model).eval()(x)))
        j8, p8, _ = self.eval_json(q1, "--precision", "int8")
        jb, pb, _ = self.eval_json(q1, "--precision", "bf16")
        self.assertTrue(j8["backend"].startswith("native oneDNN int8"), j8["backend"])
        self.assertTrue(jb["backend"].startswith("native oneDNN bf16"), jb["backend"])
        # A small test split: within 5 points (the benchmark holds 0.5 on the main job's data).
        self.assertLess(abs(j8["accuracy"] - jn["accuracy"]), 0.05)
        self.assertLess(abs(jb["accuracy"] - jn["accuracy"]), 0.05)
        self.assertGreater(np.mean(np.array(p8) == np.array(pn)), 0.9)
        # A model without a native graph: refused by engine=native, LibTorch otherwise.
        lstm = os.path.join(self.dir, "lstm", "model.pt")
        if not os.path.exists(lstm):
            self.train_and_compare("lstm", epochs=1)
        r = amr("eval", lstm, self.data, "-o", os.path.join(self.dir, "el"), "--no-plots",
                "--engine", "native")
        self.assertEqual(r.returncode, 1)
        self.assertIn("lstm", r.stderr)
        r = amr("quantize", lstm, self.data, "-o", os.path.join(self.dir, "lq.pt"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot be quantised", r.stderr)
        # amr bench profile: every step of the network, timed; the LSTM refused by name.
        pj = os.path.join(self.dir, "profile.json")
        r = amr("bench", "profile", q1, "--precision", "int8", "--batch", "8", "--iters", "5",
                "--json", pj)
        self.assertEqual(r.returncode, 0, r.stderr)
        prof = json.load(open(pj))
        kinds = [s["step"].split()[0] for s in prof["steps"]]
        self.assertEqual(kinds.count("convolution"), sum(
            1 for n in torch.jit.load(model).state_dict() if n.endswith("_w") and
            torch.jit.load(model).state_dict()[n].dim() >= 3))
        self.assertEqual(kinds[-2:], ["inner_product", "inner_product"])
        self.assertTrue(all(s["us"] > 0 for s in prof["steps"]))
        self.assertFalse(prof["rows_folded"])  # cnn1d has no rows to fold
        self.assertGreater(prof["frames_per_s"], 0)
        r = amr("bench", "profile", lstm)
        self.assertEqual(r.returncode, 1)
        self.assertIn(lstm, r.stderr)
        self.assertIn("lstm", r.stderr)


if __name__ == "__main__":
    gr_unittest.run(qa_model)

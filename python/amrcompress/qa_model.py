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
from qa_helpers import amr_run


def cpu_has_bf16():
    """Whether this CPU has the bf16 instructions the native engine needs."""
    with open("/proc/cpuinfo") as f:
        flags = set(f.read().split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


class qa_model(gr_unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.data = os.path.join(cls.dir, "d.h5")
        r = amr_run("gen", "-o", cls.data, "-n", "30", "--classes", "BPSK,QPSK,8PSK,GFSK,WBFM",
                    "--snr-min", "10", "--snr-max", "18", "--snr-step", "8")
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def train_and_compare(self, arch, epochs=2, name=None):
        out = os.path.join(self.dir, name or arch)
        r = amr_run("train", self.data, "-o", out, "-m", arch, "-e", str(epochs), "-b", "32")
        self.assertEqual(r.returncode, 0, r.stderr)
        ev = os.path.join(out, "eval")
        r = amr_run("eval", os.path.join(out, "model.pt"), self.data, "-o", ev, "--save-logits",
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

    def test_003_signet(self):
        # SigNet50 as the FCOS authors define it, counted here by hand:
        # S2M 2 x 3 x 3, 7x7 stem 2 -> 64 with BN, bottleneck stages
        # [3, 4, 6, 3] of inner width w (1x1, 3x3, 1x1 to 4w, BN after each,
        # a 1x1 projection + BN opening each stage), a 2048 -> C classifier.
        def signet50_params(C):
            p, inp = 18 + 7 * 7 * 2 * 64 + 2 * 64, 64
            for w, n in [(64, 3), (128, 4), (256, 6), (512, 3)]:
                out = 4 * w
                for b in range(n):
                    p += inp * w + 2 * w + 9 * w * w + 2 * w + w * out + 2 * out
                    if b == 0:
                        p += inp * out + 2 * out
                    inp = out
            return p + 2048 * C + C

        def signet50_macs(C, L=128):
            # thop's conventions (conv MACs, BN 4 per element) plus the S2M's
            # 2 L k (k + L); the 7x7/2 stem and 3x3/2 pool quarter L x L twice.
            t, H, inp = 2 * L * 3 * (3 + L), L // 2, 64
            t += H * H * 64 * 2 * 49 + 4 * 64 * H * H
            H //= 2
            for w, n, s in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
                out = 4 * w
                for b in range(n):
                    Ho = (H - 1) // (s if b == 0 else 1) + 1
                    t += H * H * inp * w + 4 * w * H * H + Ho * Ho * w * w * 9
                    t += 4 * w * Ho * Ho + Ho * Ho * w * out + 4 * out * Ho * Ho
                    if b == 0:
                        t += Ho * Ho * inp * out + 4 * out * Ho * Ho
                    H, inp = Ho, out
            return t + 2048 * C
        r = amr_run("model", "--arch", "signet50", "--json", "-")
        self.assertEqual(r.returncode, 0, r.stderr)
        meta = json.loads(r.stdout[r.stdout.index("["):])[0]  # after the table
        self.assertEqual(meta["params"], signet50_params(11))
        self.assertEqual(meta["params"], 23527453)  # FCOS Table V: 23.5 M
        self.assertEqual(meta["flops"], signet50_macs(11))  # 1.336 G
        # A small SigNet trains, exports and gives the C++ logits in Python.
        spec = os.path.join(self.dir, "signet.json")
        with open(spec, "w") as f:
            json.dump({"arch": "signet", "s2m": 3, "stem": 8, "stages": [
                {"channels": 16, "stride": 1, "blocks": [[4, 4], [4, 4]]},
                {"channels": 32, "stride": 2, "blocks": [[8, 8]]}]}, f)
        out, meta = self.train_and_compare(spec, epochs=1, name="signet")
        # The S2M front end against its definition, computed here from the
        # weights: at sample t, window j holds (0, I_t, Q_t, 0)[j:j+3]; output
        # channel j is M_j[t, s] = w_t^T F_j w_s. Through the stem (conv, BN,
        # ReLU, 3x3/2 max pool) it must give the model's first tap.
        m = torch.jit.load(os.path.join(out, "model.pt"))
        m.eval()
        with h5py.File(self.data, "r") as f:
            x = torch.from_numpy(f["X"][:4]).permute(0, 2, 1).contiguous()
        xs = (x * m.input_gain).double().numpy()  # [B, 2, L]
        F = m.s2m_w.detach().double().numpy()[0]  # [2, 3, 3]
        padded = np.concatenate([np.zeros((4, 1, 128)), xs, np.zeros((4, 1, 128))], 1)
        M = np.stack([np.einsum("bat,ac,bcs->bts", padded[:, j:j + 3], F[j],
                                padded[:, j:j + 3]) for j in range(2)], 1)
        y = torch.nn.functional.conv2d(torch.from_numpy(M).float(), m.stem_w, None, 2, 3)
        y = torch.nn.functional.batch_norm(y, m.stem_bn_rm, m.stem_bn_rv, m.stem_bn_g,
                                           m.stem_bn_b, False, 0.1, 1e-5)
        y = torch.nn.functional.max_pool2d(torch.relu(y), 3, 2, 1)
        with torch.no_grad():
            tap = m.taps(x)[0]
        np.testing.assert_allclose(tap.numpy(), y.detach().numpy(), rtol=1e-4,
                                   atol=1e-4 * float(y.abs().max()))

    def test_003_iqformer(self):
        # IQFormer as its authors configure it for RML2016.10a (their
        # IQFormer.py and main.py), counted here by hand: BatchNorms on the
        # frame (2) and the STFT (1); a grouped k5 conv 2 -> 8 and a 32x1 conv
        # 1 -> 8, each with BN; the fusion 16 -> 32 (BN) -> 32; a 2-layer
        # bidirectional LSTM of 32; 4 conv encoders and 3 attention encoders
        # of 64 (mlp 4); a BN and the 64 -> C head.
        def bn(c):
            return 2 * c

        def lstm(i, h):
            return 2 * (4 * h * i + 4 * h * h + 8 * h)

        def local(d, inner):  # dw conv, BN, two 1x1 convs, a layer scale
            return 3 * d + d + bn(d) + d * inner + inner + inner * d + d + d

        def ffn(d, hidden):
            return bn(d) + d * hidden + hidden + hidden * d + d

        attention = 4 * (64 * 64 + 64) + 64
        p = bn(2) + bn(1) + (8 * 5 + 8) + bn(8) + (8 * 32 + 8) + bn(8)
        p += (16 * 32 + 32) + bn(32) + (32 * 32 + 32)
        p += lstm(32, 32) + lstm(64, 32)
        p += 4 * local(64, 256) + 3 * (local(64, 64) + attention + ffn(64, 256))
        p += bn(64) + 64 * 11 + 11
        r = amr_run("model", "--arch", "iqformer", "--json", "-")
        self.assertEqual(r.returncode, 0, r.stderr)
        meta = json.loads(r.stdout[r.stdout.index("["):])[0]
        self.assertEqual(meta["params"], p)
        self.assertEqual(meta["params"], 355049)
        # A small one trains, exports and gives the C++ logits in Python.
        spec = os.path.join(self.dir, "iqformer.json")
        with open(spec, "w") as f:
            json.dump({"arch": "iqformer", "stft": {"window": 31, "nfft": 128, "bins": 32},
                       "dim": 16, "stem": 4, "fusion": 8, "lstm_layers": 1, "dropout": 0.1,
                       "stages": [{"blocks": [{"hidden": 16}, {"attention": True, "local": 8,
                                                               "hidden": 16}]}]}, f)
        out, _ = self.train_and_compare(spec, epochs=1, name="iqformer")
        # The model's STFT (its first tap) is SciPy's, as the authors feed it.
        import scipy.signal
        m = torch.jit.load(os.path.join(out, "model.pt"))
        m.eval()
        with h5py.File(self.data, "r") as f:
            x = torch.from_numpy(f["X"][:3]).permute(0, 2, 1).contiguous()
        with torch.no_grad():
            spec_model = m.taps(x)[0].numpy()
        xi = (x * m.input_gain).double().numpy()[:, 0]
        ref = np.stack([scipy.signal.stft(v, 1.0, "blackman", 31, 30, 128)[2][:32].real
                        for v in xi])[:, None]
        self.assertEqual(spec_model.shape, ref.shape)
        np.testing.assert_allclose(spec_model, ref, rtol=0, atol=1e-5 * np.abs(ref).max())

    def test_004_eval_outputs_and_plots(self):
        out = os.path.join(self.dir, "cnn1d")
        if not os.path.exists(os.path.join(out, "model.pt")):
            self.train_and_compare("cnn1d", epochs=1)
        ev = os.path.join(self.dir, "plots")
        r = amr_run("eval", os.path.join(out, "model.pt"), self.data, "-o", ev, "--all")
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
        r = amr_run("eval", junk, self.data, "-o", os.path.join(self.dir, "e"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a TorchScript model", r.stderr)
        # A plain TorchScript model without our metadata is refused clearly.
        plain = os.path.join(self.dir, "plain.pt")
        torch.jit.script(torch.nn.Linear(4, 2)).save(plain)
        r = amr_run("eval", plain, self.data, "-o", os.path.join(self.dir, "e"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("metadata", r.stderr)
        r = amr_run("train", self.data, "-o", os.path.join(self.dir, "t"), "-m", "nosuchnet")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown model architecture", r.stderr)

    def eval_json(self, model, *args, env=None):
        ev = os.path.join(self.dir, "ev_" + "_".join(a.strip("-") for a in args))
        r = amr_run("eval", model, self.data, "-o", ev, "--no-plots", *args, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.DictReader(open(os.path.join(ev, "predictions.csv"))))
        return (json.load(open(os.path.join(ev, "eval.json"))),
                [int(x["prediction"]) for x in rows], r)

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
        r = amr_run("eval", model, self.data, "-o", os.path.join(self.dir, "e8"), "--no-plots",
                    "--precision", "int8", "--engine", "native")
        self.assertEqual(r.returncode, 1)
        self.assertIn("amr quantize", r.stderr)
        ja, _, r = self.eval_json(model, "--precision", "int8")
        self.assertTrue(ja["backend"].startswith("LibTorch"), ja["backend"])
        self.assertEqual(r.stderr.count("running on LibTorch"), 1, r.stderr)
        # amr quantize: deterministic, still a TorchScript model with the same function.
        q1, q2 = os.path.join(self.dir, "q1.pt"), os.path.join(self.dir, "q2.pt")
        for q in (q1, q2):
            r = amr_run("quantize", model, self.data, "-o", q, "--frames", "200")
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
        if cpu_has_bf16():
            self.assertTrue(jb["backend"].startswith("native oneDNN bf16"), jb["backend"])
        else:
            self.assertTrue(jb["backend"].startswith("native oneDNN fp32"), jb["backend"])
        # Without AVX512-BF16 (forced here by capping oneDNN at AVX2): fp32 on the
        # native engine with one line saying so; engine=native refuses by name.
        avx2 = dict(os.environ, ONEDNN_MAX_CPU_ISA="AVX2")
        jf, pf, r = self.eval_json(q1, "--precision", "bf16", "--batch-size", "64", env=avx2)
        self.assertTrue(jf["backend"].startswith("native oneDNN fp32"), jf["backend"])
        self.assertEqual(r.stderr.count("no AVX512-BF16"), 1, r.stderr)
        self.assertEqual(pf, pn)
        r = amr_run("eval", q1, self.data, "-o", os.path.join(self.dir, "eb"), "--no-plots",
                    "--precision", "bf16", "--engine", "native", env=avx2)
        self.assertEqual(r.returncode, 1)
        self.assertIn("AVX512-BF16", r.stderr)
        # A small test split: within 5 points (the benchmark holds 0.5 on the main job's data).
        self.assertLess(abs(j8["accuracy"] - jn["accuracy"]), 0.05)
        self.assertLess(abs(jb["accuracy"] - jn["accuracy"]), 0.05)
        self.assertGreater(np.mean(np.array(p8) == np.array(pn)), 0.9)
        # A model without a native graph: refused by engine=native, LibTorch otherwise.
        lstm = os.path.join(self.dir, "lstm", "model.pt")
        if not os.path.exists(lstm):
            self.train_and_compare("lstm", epochs=1)
        r = amr_run("eval", lstm, self.data, "-o", os.path.join(self.dir, "el"), "--no-plots",
                    "--engine", "native")
        self.assertEqual(r.returncode, 1)
        self.assertIn("lstm", r.stderr)
        r = amr_run("quantize", lstm, self.data, "-o", os.path.join(self.dir, "lq.pt"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot be quantised", r.stderr)
        # amr bench profile: every step of the network, timed; the LSTM refused by name.
        pj = os.path.join(self.dir, "profile.json")
        r = amr_run("bench", "profile", q1, "--precision", "int8", "--batch", "8", "--iters", "5",
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
        r = amr_run("bench", "profile", lstm)
        self.assertEqual(r.returncode, 1)
        self.assertIn(lstm, r.stderr)
        self.assertIn("lstm", r.stderr)


if __name__ == "__main__":
    gr_unittest.run(qa_model)

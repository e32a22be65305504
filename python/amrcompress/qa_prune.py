#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""`amr prune` seen from outside: the exported model loads in PyTorch with its
metadata, its size is what the report says, its accuracy is what `amr eval`
measures; channel fusion at epsilon = 1 is the identity; FCOS halves the
channels at epsilon = 0.5 and removes only removable layers; the baselines
reach the requested compression; bad input exits non-zero with a message."""

import glob
import json
import os
import signal
import subprocess
import tempfile
import time

import numpy as np
import torch
from gnuradio import gr_unittest
from qa_helpers import AMR, amr_run


FAST = ["--diagnosis-epochs", "1", "-e", "1", "--probe-epochs", "1", "-b", "32"]


def param_count(model):
    return sum(p.numel() for p in model.parameters())


class qa_prune(gr_unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.data = os.path.join(cls.dir, "d.h5")
        r = amr_run("gen", "-o", cls.data, "-n", "40", "--classes", "BPSK,QPSK,8PSK,GFSK,WBFM",
                    "--snr-min", "10", "--snr-max", "18", "--snr-step", "4")
        assert r.returncode == 0, r.stderr
        cls.models = {}
        for arch, epochs in (("cnn1d", "4"), ("resnet56", "1")):
            out = os.path.join(cls.dir, arch)
            r = amr_run("train", cls.data, "-o", out, "-m", arch, "-e", epochs, "-b", "32",
                        "--eval-every", "0", "--no-dynamics")
            assert r.returncode == 0, r.stderr
            cls.models[arch] = os.path.join(out, "model.pt")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def prune(self, name, *args, arch="cnn1d"):
        out = os.path.join(self.dir, name)
        r = amr_run("prune", self.data, "-m", self.models[arch], "-o", out, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "report.json")) as f:
            return out, json.load(f)

    def test_fcos_exports_a_consistent_model_and_report(self):
        out, rep = self.prune("fcos", "--channel-keep", "0.5", "--beta", "0.05", *FAST)
        model = torch.jit.load(os.path.join(out, "model.pt"))
        # Metadata inside the file, as for any amr model.
        self.assertEqual(list(model.classes), ["BPSK", "QPSK", "8PSK", "GFSK", "WBFM"])
        self.assertEqual(model.frame_length, 128)
        meta = json.loads(model.spec)
        self.assertEqual(meta, rep["after"]["spec"])
        # Every space went from 32 channels to floor(32 * 0.5) = 16.
        for s in rep["before"]["structure"]["channels"]:
            self.assertEqual(s["channels"], 32)
        for s in rep["after"]["structure"]["channels"]:
            self.assertEqual(s["channels"], 16)
        # The report's sizes are the file's real ones.
        self.assertEqual(rep["after"]["params"], param_count(model))
        self.assertEqual(rep["before"]["params"], param_count(torch.jit.load(self.models["cnn1d"])))
        self.assertLess(rep["after"]["flops"], 0.3 * rep["before"]["flops"])
        self.assertAlmostEqual(rep["reduction"]["params"],
                               1 - rep["after"]["params"] / rep["before"]["params"])
        # LaCD: one probe per layer; only removable layers removed, and they are gone.
        probes = rep["probes"]
        self.assertEqual([p["layer"] for p in probes], rep["before"]["structure"]["layers"])
        removed = [p["layer"] for p in probes if p["removed"]]
        self.assertEqual(removed, rep["removed_layers"])
        for p in probes:
            if p["removed"]:
                self.assertTrue(p["removable"])
        self.assertEqual(len(rep["after"]["structure"]["layers"]),
                         len(probes) - len(removed))
        # amr eval on the exported file measures the report's accuracy.
        ev = os.path.join(self.dir, "fcos_eval")
        r = amr_run("eval", os.path.join(out, "model.pt"), self.data, "-o", ev, "--no-plots")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(ev, "eval.json")) as f:
            self.assertAlmostEqual(json.load(f)["accuracy"], rep["after"]["test_acc"], places=6)
        with open(os.path.join(out, "report.md")) as f:
            self.assertIn("| parameters | %d | %d |" % (rep["before"]["params"],
                                                        rep["after"]["params"]), f.read())

    def test_probes_are_scored_where_asked(self):
        # ours: a class-stratified tenth of the train part; the authors': the test part
        _, held = self.prune("probe_holdout", "--stop-after", "channel-fusion")
        self.assertEqual(held["probe_data"], "holdout")
        self.assertAlmostEqual(held["probe_holdout_frames"], 0.1 * held["train_frames"],
                               delta=5)
        _, rep = self.prune("probe_test", "--probe-data", "test", "--beta", "0.05", *FAST)
        self.assertEqual(rep["probe_data"], "test")
        self.assertEqual(rep["probe_holdout_frames"], rep["test_frames"])
        self.assertEqual(len(rep["probes"]), len(rep["before"]["structure"]["layers"]))
        r = amr_run("prune", self.data, "-m", self.models["cnn1d"], "-o",
                    os.path.join(self.dir, "probe_bad"), "--probe-data", "validation")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("holdout or test", r.stderr)

    def test_channel_fusion_at_epsilon_one_is_the_identity(self):
        out, rep = self.prune("keep1", "--channel-keep", "1", "--stop-after", "channel-fusion")
        self.assertEqual(rep["stopped_after"], "channel-fusion")
        self.assertNotIn("fine_tuning", rep)
        a = torch.jit.load(self.models["cnn1d"]).eval()
        b = torch.jit.load(os.path.join(out, "model.pt")).eval()
        x = torch.randn(8, 2, 128) / 128
        with torch.no_grad():
            self.assertTrue(torch.allclose(a(x), b(x), atol=1e-5))

    def test_fcos_stage1_is_average_linkage_on_the_coupled_channels(self):
        """FCOS stage 1 on the authors' CNN1D, redone independently with
        scipy: per channel space (a stack's entry conv and its units' second
        convs, tied by the residual sums; each unit's first conv alone), the
        cosine distance of producer rows averaged over the space's producers,
        average linkage into floor(width / 2) groups; mean fusion averages a
        group's producer rows and sums its consumer columns (fc1: two columns
        per channel after the last pool)."""
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import squareform
        out, rep = self.prune("s1", "--channel-keep", "0.5", "--stop-after", "channel-fusion")
        a = {k: v.detach().double() for k, v in
             torch.jit.load(self.models["cnn1d"]).named_parameters()}
        b = {k: v.detach().double() for k, v in
             torch.jit.load(os.path.join(out, "model.pt")).named_parameters()}
        self.assertNotIn("s0_entry_b", a)  # the authors' network: no biases
        spaces = []  # (producers, consumers as (tensor, columns per channel))
        for i in range(6):
            units = [u for u in range(2) if f"s{i}_u{u}_c1_w" in a]
            nxt = [(f"s{i + 1}_entry_w", 1)] if i < 5 else [("fc1_w", 2)]
            spaces.append(([f"s{i}_entry_w"] + [f"s{i}_u{u}_c2_w" for u in units],
                           [(f"s{i}_u{u}_c1_w", 1) for u in units] + nxt))
            spaces += [([f"s{i}_u{u}_c1_w"], [(f"s{i}_u{u}_c2_w", 1)]) for u in units]

        def groups(producers):
            n = a[producers[0]].shape[0]
            d = np.zeros((n, n))
            for w in producers:
                r = a[w].reshape(n, -1)
                u = r / r.norm(dim=1, keepdim=True).clamp_min(1e-30)
                d += np.clip(1 - (u @ u.T).numpy(), 0, None) / len(producers)
            np.fill_diagonal(d, 0)
            z = linkage(squareform((d + d.T) / 2, checks=False), "average")
            label = fcluster(z, n // 2, "maxclust")
            g = [sorted(np.flatnonzero(label == c).tolist()) for c in set(label)]
            return sorted(g, key=lambda m: m[0])

        expect = dict(a)
        for producers, consumers in spaces:
            g = groups(producers)
            self.assertEqual(len(g), a[producers[0]].shape[0] // 2)
            for w in producers:
                expect[w] = torch.stack([expect[w][m].mean(0) for m in g])
            for w, block in consumers:
                t = expect[w]
                cols = t.reshape(t.shape[0], -1, block, *t.shape[2:])
                expect[w] = torch.stack([cols[:, m].sum(1) for m in g], 1).reshape(
                    t.shape[0], len(g) * block, *t.shape[2:])
        self.assertEqual(sorted(b), sorted(expect))
        for k in b:
            self.assertEqual(tuple(b[k].shape), tuple(expect[k].shape), k)
            self.assertTrue(torch.allclose(b[k], expect[k], atol=1e-5, rtol=1e-4), k)

    def test_resnet_fcos_fuses_block_inner_channels(self):
        out, rep = self.prune("r56", "--channel-keep", "0.25", "--stop-after", "channel-fusion",
                              arch="resnet56")
        widths = {s["space"]: s["channels"] for s in rep["after"]["structure"]["channels"]}
        self.assertEqual(widths["l0_b0"], 4)    # 16 * 0.25
        self.assertEqual(widths["l2_b8"], 16)   # 64 * 0.25
        m = torch.jit.load(os.path.join(out, "model.pt")).eval()
        self.assertEqual(rep["after"]["params"], param_count(m))
        with torch.no_grad():
            self.assertEqual(tuple(m(torch.randn(3, 2, 128) / 128).shape), (3, 5))

    def test_every_convolutional_architecture_prunes_and_reloads(self):
        # The architectures beyond CNN1D and ResNet, small: FCOS derives their
        # channel spaces from the graph, and the pruned file loads in PyTorch
        # with the report's size and accuracy.
        specs = {
            "cnn2d": {"arch": "cnn2d", "hidden": 16, "dropout": 0.5, "convs": [
                {"channels": 16, "kernel": [1, 3], "pad": [0, 2]},
                {"channels": 8, "kernel": [2, 3], "pad": [0, 2]}]},
            "signet": {"arch": "signet", "s2m": 3, "stem": 8, "stages": [
                {"channels": 16, "stride": 1, "blocks": [[4, 4], [4, 4]]},
                {"channels": 32, "stride": 2, "blocks": [[8, 8], [8, 8]]}]},
            "iqformer": {"arch": "iqformer", "stft": {"window": 31, "nfft": 128, "bins": 32},
                         "dim": 16, "stem": 4, "fusion": 8, "lstm_layers": 1,
                         "stages": [{"blocks": [{"hidden": 16}, {"attention": True,
                                                                 "local": 8, "hidden": 16}]}]},
        }
        for arch, spec in specs.items():
            with self.subTest(arch=arch):
                spec_file = os.path.join(self.dir, arch + ".json")
                with open(spec_file, "w") as f:
                    json.dump(spec, f)
                trained = os.path.join(self.dir, "t_" + arch)
                r = amr_run("train", self.data, "-o", trained, "-m", spec_file, "-e", "1", "-b",
                            "32", "--eval-every", "0", "--no-dynamics")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.models[arch] = os.path.join(trained, "model.pt")
                out, rep = self.prune("p_" + arch, "--channel-keep", "0.5", *FAST, arch=arch)
                model = torch.jit.load(os.path.join(out, "model.pt"))
                self.assertEqual(json.loads(model.spec), rep["after"]["spec"])
                self.assertEqual(rep["after"]["params"], param_count(model))
                self.assertLess(rep["after"]["params"], rep["before"]["params"])
                before = {s["space"]: s["channels"] for s in rep["before"]["structure"]["channels"]}
                self.assertTrue(before)
                for s in rep["after"]["structure"]["channels"]:
                    space = s["space"]
                    if space not in before:
                        # LaCD removed blocks of a stage: with one block left,
                        # the stage's stream is named after its shortcut.
                        self.assertRegex(space, r"^l\d+_b0_down$", rep["removed_layers"])
                        space = space.split("_")[0]
                    self.assertEqual(s["channels"], before[space] // 2, s)
                with torch.no_grad():
                    y = model(torch.randn(3, 2, 128) / 128)
                self.assertEqual(tuple(y.shape), (3, 5))
                self.assertTrue(torch.isfinite(y).all())
                ev = os.path.join(out, "eval")
                r = amr_run("eval", os.path.join(out, "model.pt"), self.data, "-o", ev,
                            "--no-plots")
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(os.path.join(ev, "eval.json")) as f:
                    self.assertAlmostEqual(json.load(f)["accuracy"], rep["after"]["test_acc"],
                                           places=6)

    def test_baselines_reach_the_requested_compression(self):
        for method, arch in (("l1norm", "cnn1d"), ("rfp", "cnn1d"), ("bnp", "resnet56"),
                             ("lcp", "cnn1d"), ("random", "cnn1d"), ("sr-init", "cnn1d"),
                             ("psr", "cnn1d")):
            out, rep = self.prune(method, "--method", method, "--target-params", "0.4",
                                  *FAST, arch=arch)
            self.assertGreaterEqual(rep["reduction"]["params"], 0.4, method)
            self.assertLess(rep["reduction"]["params"], 0.9, method)
            m = torch.jit.load(os.path.join(out, "model.pt"))
            self.assertEqual(rep["after"]["params"], param_count(m), method)
            if rep["kind"] == "layer":
                self.assertGreater(len(rep["removed_layers"]), 0, method)

    def test_soft_methods_zero_channels_and_report_params_only(self):
        for method in ("sfp", "fpgm"):
            out, rep = self.prune(method, "--method", method, "--channel-keep", "0.5", *FAST)
            self.assertTrue(rep["soft"])
            self.assertIsNone(rep["reduction"]["flops"])
            self.assertEqual(rep["after"]["flops"], rep["before"]["flops"])
            m = torch.jit.load(os.path.join(out, "model.pt"))
            self.assertEqual(param_count(m), rep["before"]["params"])  # same structure
            # Half of each unit's inner filters are exactly zero.
            w = dict(m.named_parameters())["s0_u0_c1_w"]
            zero_rows = int((w.flatten(1).abs().sum(1) == 0).sum())  # 2-D or 1-D conv
            self.assertEqual(zero_rows, 16, method)
            self.assertGreater(rep["reduction"]["params"], 0.5)

    def test_a_killed_run_resumes_to_the_same_model(self):
        # One thread, so that the uninterrupted and the resumed run must agree
        # bit for bit; killed during the final fine-tuning (checkpoint 1).
        args = ["--channel-keep", "0.5", "--diagnosis-epochs", "2", "-e", "8",
                "--probe-epochs", "1", "-b", "32", "-j", "1"]
        whole, rep = self.prune("resume_whole", *args)
        self.assertEqual(glob.glob(os.path.join(whole, "finetune-*.pt")), [])
        out = os.path.join(self.dir, "resume_killed")
        cmd = [AMR, "prune", self.data, "-m", self.models["cnn1d"], "-o", out, *args]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while not os.path.exists(os.path.join(out, "finetune-1.pt")):
            self.assertIsNone(p.poll(), "the run ended before its final fine-tuning began")
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.005)
        p.send_signal(signal.SIGKILL)
        self.assertEqual(p.wait(timeout=60), -signal.SIGKILL)
        self.assertFalse(os.path.exists(os.path.join(out, "report.json")))
        # Other settings are refused, naming the checkpoint.
        r = amr_run("prune", self.data, "-m", self.models["cnn1d"], "-o", out,
                    *[("9" if a == "8" else a) for a in args], "--resume")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("finetune-0.pt", r.stderr)
        self.assertIn("other settings", r.stderr)
        resumed, rep2 = self.prune("resume_killed", *args, "--resume")
        self.assertEqual(rep2["after"]["test_acc"], rep["after"]["test_acc"])
        self.assertEqual(rep2["removed_layers"], rep["removed_layers"])
        a = torch.jit.load(os.path.join(whole, "model.pt")).state_dict()
        b = torch.jit.load(os.path.join(resumed, "model.pt")).state_dict()
        self.assertEqual(sorted(a), sorted(b))
        for k in a:
            self.assertTrue(torch.equal(a[k], b[k]), k)
        self.assertEqual(glob.glob(os.path.join(resumed, "finetune-*.pt")), [])
        # Nothing to resume from.
        r = amr_run("prune", self.data, "-m", self.models["cnn1d"], "-o",
                    os.path.join(self.dir, "resume_none"), *args, "--resume")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no checkpoint to resume from", r.stderr)

    def test_bad_input_is_refused(self):
        out = os.path.join(self.dir, "bad")
        cases = [
            (["--method", "magic"], "unknown pruning method"),
            (["--method", "bnp"], "BatchNorm"),
            (["--method", "random"], "--layers"),
            (["--channel-keep", "0"], "channel-keep"),
            (["--distance", "manhattan", "--stop-after", "channel-fusion"], "distance"),
            (["--stop-after", "everything", "--diagnosis-epochs", "0"], "stop-after"),
        ]
        for args, message in cases:
            r = amr_run("prune", self.data, "-m", self.models["cnn1d"], "-o", out, *args)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(message, r.stderr, args)
        junk = os.path.join(self.dir, "junk.pt")
        with open(junk, "wb") as f:
            f.write(b"PK\x03\x04 not a model")
        for model in (junk, os.path.join(self.dir, "missing.pt")):
            r = amr_run("prune", self.data, "-m", model, "-o", out)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(os.path.basename(model), r.stderr)
        lstm = os.path.join(self.dir, "lstm")
        r = amr_run("train", self.data, "-o", lstm, "-m", "lstm", "-e", "1", "--no-dynamics")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = amr_run("prune", self.data, "-m", os.path.join(lstm, "model.pt"), "-o", out)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("model.pt: pruning has nothing to change in a 'lstm' model", r.stderr)


if __name__ == "__main__":
    gr_unittest.run(qa_prune)

#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The main job's report (apps/amr-report) on a tiny pipeline: the page, the
JSON and the three pictures exist, and the flowgraph's accuracy of each model
equals `amr eval`'s on the same test frames."""

import json
import os
import subprocess
import sys
import tempfile

from gnuradio import gr_unittest
from qa_helpers import amr

REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "apps",
                      "amr-report")


class qa_report(gr_unittest.TestCase):

    def test_report_of_a_tiny_pipeline(self):
        with tempfile.TemporaryDirectory() as out:
            d = os.path.join(out, "dataset.h5")
            amr("gen", "-o", d, "-n", "10")
            amr("train", d, "-o", os.path.join(out, "cnn1d"), "-e", "2")
            amr("select", d, "--run", os.path.join(out, "cnn1d"), "--method", "foqus",
                "--rate", "0.2", "-o", os.path.join(out, "coreset_foqus20.idx"),
                "--json", os.path.join(out, "coreset_foqus20.json"))
            amr("train", d, "-o", os.path.join(out, "cnn1d_coreset"), "-e", "2", "--index",
                os.path.join(out, "coreset_foqus20.idx"))
            amr("select", d, "--run", os.path.join(out, "cnn1d"), "--method", "uniform",
                "--rate", "0.2", "-o", os.path.join(out, "coreset_uniform20.idx"))
            amr("train", d, "-o", os.path.join(out, "cnn1d_uniform"), "-e", "2", "--index",
                os.path.join(out, "coreset_uniform20.idx"))
            amr("prune", d, "-m", os.path.join(out, "cnn1d", "model.pt"), "-o",
                os.path.join(out, "cnn1d_fcos"), "--channel-keep", "0.5",
                "--diagnosis-epochs", "1", "-e", "1")
            # without the test index the report says what is missing
            r = subprocess.run([sys.executable, REPORT, out], capture_output=True, text=True)
            self.assertEqual(r.returncode, 1)
            self.assertIn("test.idx is missing", r.stderr)
            amr("subset", d, "--split", "test", "--write-index", os.path.join(out, "test.idx"))
            r = subprocess.run([sys.executable, REPORT, out], capture_output=True, text=True,
                               timeout=900)
            self.assertEqual(r.returncode, 0, r.stderr)
            rep = os.path.join(out, "report")
            for f in ("index.md", "index.html", "report.json", "accuracy_vs_snr.png",
                      "confusion_pruned.png", "channels_per_layer.png"):
                self.assertGreater(os.path.getsize(os.path.join(rep, f)), 500, f)
            with open(os.path.join(rep, "report.json")) as f:
                j = json.load(f)
            self.assertAlmostEqual(j["data_fraction"], 0.2, delta=0.02)
            self.assertLess(j["pruning"]["params_after"], j["pruning"]["params_before"])
            # the control: as many frames and optimiser steps as the FoQuS coreset
            self.assertEqual(j["uniform_coreset"]["frames"], j["coreset"]["frames"])
            steps = j["optimiser_steps"]
            self.assertEqual(steps["uniform coreset"], steps["coreset"])
            # 2 epochs of ceil(frames / 128) batches each
            self.assertEqual(steps["coreset"], 2 * -(-j["coreset"]["frames"] // 128))
            self.assertGreater(steps["full data"], steps["coreset"])
            for name, sub in (("full data", "cnn1d"), ("coreset", "cnn1d_coreset"),
                              ("uniform coreset", "cnn1d_uniform"),
                              ("FCOS-pruned", "cnn1d_fcos")):
                ev = os.path.join(out, sub, "eval_check")
                amr("eval", os.path.join(out, sub, "model.pt"), d, "-o", ev, "--no-plots",
                    "--index", os.path.join(out, "test.idx"))
                with open(os.path.join(ev, "eval.json")) as f:
                    e = json.load(f)
                m = j["models"][name]
                self.assertEqual(m["frames"], e["frames"])
                self.assertAlmostEqual(m["accuracy"], e["accuracy"], places=9, msg=name)
                self.assertEqual(sum(map(sum, m["confusion"])), e["frames"])
            with open(os.path.join(rep, "index.md")) as f:
                md = f.read()
            self.assertIn("FCOS-pruned", md)
            self.assertIn("Uniform coreset (the control)", md)
            self.assertRegex(md, r"FoQuS (beats|does not beat|ties) Uniform by")
            self.assertIn("![channels per layer](channels_per_layer.png)", md)


if __name__ == "__main__":
    gr_unittest.run(qa_report)

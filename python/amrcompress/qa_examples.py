#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Every flowgraph in examples/ compiles with grcc against this tree's GRC
blocks, the ones without a GUI run to the end on generated data, and the QT
GUI ones in GUI_RUN run headless (QT_QPA_PLATFORM=offscreen) for a few
seconds and close themselves."""

import glob
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import yaml
from gnuradio import gr_unittest
from qa_helpers import amr

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
EXAMPLES = sorted(glob.glob(os.path.join(SOURCE, "examples", "*.grc")))

# Arguments of the runnable examples, filled in by setUpClass.
RUN_ARGS = {}
# QT GUI examples that run without hardware, and how long they may take in all
# (they stop themselves with --duration).
GUI_RUN = {"classify_sim": 180}


def run(cmd, timeout=600, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


class qa_examples(gr_unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.env = dict(os.environ, GRC_BLOCKS_PATH=os.path.join(SOURCE, "grc"))
        data = os.path.join(d, "d.h5")
        amr("gen", "-o", data, "-n", "5", "--classes", "BPSK,QPSK,GFSK",
            "--snr-min", "10", "--snr-max", "18", "--snr-step", "8", timeout=600)
        amr("train", data, "-o", os.path.join(d, "m"), "-e", "1", "--no-dynamics", timeout=600)
        cls.frames = 3 * 2 * 5
        RUN_ARGS["replay_classify"] = ["--dataset", data, "--model",
                                       os.path.join(d, "m", "model.pt")]
        cls.coreset = os.path.join(d, "field.h5")
        cls.tuned = os.path.join(d, "tuned.pt")
        RUN_ARGS["field_keeper"] = ["--dataset", data, "--model", os.path.join(d, "m", "model.pt"),
                                    "--state", cls.coreset, "--tuned", cls.tuned,
                                    "--budget", "12", "--refresh", "8"]
        cls.capture = os.path.join(d, "sim.h5")
        RUN_ARGS["capture_sim"] = ["--out", cls.capture, "--mod", "QPSK", "--snr", "10",
                                   "--frames", "512"]
        RUN_ARGS["classify_sim"] = ["--model", os.path.join(d, "m", "model.pt"),
                                    "--mod", "GFSK", "--snr", "15", "--duration", "3"]
        xdg = os.path.join(d, "xdg")
        os.makedirs(xdg, mode=0o700)
        cls.gui_env = dict(cls.env, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=xdg,
                           XDG_CONFIG_HOME=os.path.join(d, "config"))  # QSettings land here

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_examples_compile_and_run(self):
        self.assertGreater(len(EXAMPLES), 0)
        for grc in EXAMPLES:
            name = os.path.splitext(os.path.basename(grc))[0]
            out = os.path.join(self.tmp.name, "gen")
            os.makedirs(out, exist_ok=True)
            r = run(["grcc", "-o", out, grc], env=self.env)
            self.assertEqual(r.returncode, 0, name + ": " + r.stdout + r.stderr)
            script = os.path.join(out, name + ".py")
            self.assertTrue(os.path.exists(script), name)
            with open(grc) as f:
                opts = yaml.safe_load(f)["options"]["parameters"]
            gui = opts["generate_options"] != "no_gui"
            if gui and name not in GUI_RUN:
                continue  # needs a radio
            self.assertIn(name, RUN_ARGS, "no test arguments for runnable example " + name)
            r = run([sys.executable, script, *RUN_ARGS[name]],
                    env=self.gui_env if gui else self.env, timeout=GUI_RUN.get(name, 600))
            self.assertEqual(r.returncode, 0, name + ": " + r.stderr[-2000:])
            if name == "replay_classify":  # one printed classification per frame
                self.assertEqual(r.stdout.count("(label . "), self.frames, r.stdout[-2000:])
            if name == "capture_sim":
                self.check_capture()
            if name == "field_keeper":
                self.check_keeper()
            if name == "classify_sim":
                self.check_classify_sim(r.stdout)

    def check_classify_sim(self, stdout):
        """The simulated channel ran for its 3 s and closed itself; the display
        classified frames (200 kS/s: ~1,560 frames/s; at least a few hundred
        even on a loaded machine), all with labels of the model."""
        m = re.search(r"classification_display: frames=(\d+) messages=\d+ ignored=(\d+) "
                      r"skipped=\d+ changes=\d+ seconds=([\d.]+).*; (.*)$", stdout, re.M)
        self.assertIsNotNone(m, stdout[-2000:])
        self.assertGreater(int(m.group(1)), 200, m.group(0))
        self.assertEqual(int(m.group(2)), 0, m.group(0))
        self.assertGreater(float(m.group(3)), 1.0, m.group(0))
        labels = {part.split(" ")[0] for part in m.group(4).split(", ")}
        self.assertLessEqual(labels, {"BPSK", "QPSK", "GFSK"}, m.group(0))

    def check_keeper(self):
        """The replayed 30 frames end as a coreset of the 12-frame budget, 4 per
        class, in a file h5py reads, and the fine-tuned model was exported.
        (The classifier's swap is in qa_coreset_keeper: this replay may end
        before the first refresh does.)"""
        with h5py.File(self.coreset, "r") as f:
            self.assertEqual(f["X"].shape, (12, 128, 2))
            self.assertEqual(list(f["Y"][...].sum(axis=0)), [4, 4, 4])
            self.assertEqual(f["keeper/epochs"].shape, (12,))
        self.assertTrue(os.path.exists(self.tuned))

    def check_capture(self):
        """The simulated capture keeps exactly the burst frames (16 on, 16 off),
        labelled QPSK, with estimated SNRs near the 10 dB it was made with."""
        with h5py.File(self.capture, "r") as f:
            classes = [c.decode() if isinstance(c, bytes) else c for c in f.attrs["classes"]]
            labels = [classes[i] for i in np.argmax(f["Y"][...], axis=1)]
            frames = f["capture_id"][...] // 128
            snr = f["snr_db"][...]
            self.assertTrue(np.all(f["snr_estimated"][...] == 1))
            self.assertEqual(f.attrs["sample_rate"], 200e3)
        bursts = [i for i in range(512) if (i // 16) % 2 == 1]
        self.assertEqual(list(frames), bursts)
        self.assertEqual(set(labels), {"QPSK"})
        self.assertLess(abs(np.median(snr) - 10), 1.5)


if __name__ == "__main__":
    gr_unittest.run(qa_examples)

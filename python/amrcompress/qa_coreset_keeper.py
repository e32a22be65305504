#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The coreset keeper in flowgraphs: a replay longer than the budget ends as
a balanced coreset within budget that h5py reads; killed with SIGKILL at any
moment, the coreset file stays readable and a restarted keeper resumes from
it; the fine-tuned model reaches a classifier through the `model` port;
labels come from tags, messages or the parameter; a model that does not fit
the stream is refused at construction."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import h5py
import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest
from gnuradio import amrcompress
from qa_helpers import amr, field

CLASSES = ["BPSK", "QPSK", "GFSK"]


def class_counts(path):
    with h5py.File(path, "r") as f:
        return (list(f["Y"][...].sum(axis=0).astype(int)), f["X"].shape[0],
                f["keeper/epochs"].shape[0])


class qa_coreset_keeper(gr_unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.dir = cls.tmp.name
        cls.data = os.path.join(d, "d.h5")
        # 3 classes x 3 SNRs x 20 frames = 180 frames of 128 samples.
        amr("gen", "-o", cls.data, "-n", "20", "--classes", ",".join(CLASSES),
            "--snr-min", "0", "--snr-max", "16", "--snr-step", "8", "--seed", "4")
        amr("train", cls.data, "-o", os.path.join(d, "m"), "-e", "1", "--no-dynamics")
        cls.model = os.path.join(d, "m", "model.pt")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_replay_ends_within_budget_and_balanced(self):
        state = self.path("replay.h5")
        tb = gr.top_block()
        src = amrcompress.dataset_source(self.data)
        keep = amrcompress.coreset_keeper(self.model, budget=30, state_path=state,
                                          refresh_frames=40, stratify_snr=True, snr_bin_db=8,
                                          holdout_frames=0)
        tb.connect(src, keep)
        tb.run()
        counts, n, rows = class_counts(state)
        self.assertEqual(counts, [10, 10, 10])
        self.assertEqual(n, rows)
        s = json.loads(keep.stats())
        self.assertEqual(s["size"], 30)
        self.assertEqual(s["offered"], 180)
        self.assertEqual(s["queued"] + s["dropped"], 180)
        self.assertEqual(s["unlabelled"], 0)
        with h5py.File(state, "r") as f:
            snr = f["snr_db"][...]
            labels = np.argmax(f["Y"][...], axis=1)
            # Balanced SNR bins within each class: 0, 8 and 16 dB, 3 or 4 each.
            for c in range(3):
                _, per_bin = np.unique(snr[labels == c], return_counts=True)
                self.assertLessEqual(per_bin.max() - per_bin.min(), 1)
            # Every kept frame is a frame of the replay, bit for bit.
            ids = f["capture_id"][...]
            self.assertTrue(np.all(ids % 128 == 0))
        # A second run resumes: the same frames are still there, more refreshes follow.
        keep2 = amrcompress.coreset_keeper(self.model, budget=30, state_path=state,
                                           refresh_frames=40, holdout_frames=0)
        self.assertEqual(json.loads(keep2.stats())["resumed_frames"], 30)
        self.assertEqual(keep2.size(), 30)

    def test_backpressure_replay_loses_nothing(self):
        # A replay in file order (every BPSK frame, then QPSK, then GFSK) is
        # faster than refreshes: with a buffer of one refresh, dropping keeps
        # mostly the first class. With backpressure every frame is scored.
        data = self.path("long.h5")
        amr("gen", "-o", data, "-n", "100", "--classes", ",".join(CLASSES),
            "--snr-min", "0", "--snr-max", "16", "--snr-step", "8", "--seed", "5")
        tb = gr.top_block()
        src = amrcompress.dataset_source(data)
        keep = amrcompress.coreset_keeper(self.model, budget=30, state_path="",
                                          refresh_frames=40, buffer_frames=40,
                                          epochs_per_refresh=1, holdout_frames=0,
                                          backpressure=True)
        tb.connect(src, keep)
        tb.run()
        s = json.loads(keep.stats())
        self.assertEqual(s["offered"], 900)
        self.assertEqual(s["dropped"], 0)
        self.assertEqual(s["queued"], 900)
        self.assertEqual(s["size"], 30)
        self.assertEqual(sorted(s["per_class"].values()), [10, 10, 10])

    def test_kill_at_any_moment_leaves_a_readable_coreset(self):
        state = self.path("killed.h5")
        script = self.path("keeper_run.py")
        with open(script, "w") as f:
            f.write(textwrap.dedent(f"""
                import json, sys, time
                from gnuradio import amrcompress, blocks, gr
                tb = gr.top_block()
                src = amrcompress.dataset_source({self.data!r}, repeat=True)
                thr = blocks.throttle(8, 128 * 400)
                keep = amrcompress.coreset_keeper({self.model!r}, budget=24,
                    state_path={state!r}, refresh_frames=16, holdout_frames=0)
                tb.connect(src, thr, keep)
                print("resumed", json.loads(keep.stats())["resumed_frames"], flush=True)
                tb.start()
                time.sleep(float(sys.argv[1]))
                tb.stop(); tb.wait()
                print("stopped", keep.size(), flush=True)
            """))
        resumed = []
        for i, delay in enumerate([1.3, 2.1, 0.7, 2.9, 1.7, 3.3]):
            p = subprocess.Popen([sys.executable, script, "60"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
            line = p.stdout.readline()  # GNU Radio's log shares stdout
            while line and not line.startswith("resumed "):
                line = p.stdout.readline()
            resumed.append(int(line.split()[1]))
            time.sleep(delay)
            # A slow machine may not have saved yet on the first run: the kill
            # still lands at an arbitrary moment of the refresh/save cycle.
            deadline = time.time() + 60
            while not os.path.exists(state) and time.time() < deadline:
                time.sleep(0.05)
            p.send_signal(signal.SIGKILL)
            p.wait()
            p.stdout.close()
            self.assertTrue(os.path.exists(state), "no save after %.1f s" % delay)
            counts, n, rows = class_counts(state)  # readable by plain h5py
            self.assertLessEqual(n, 24)
            self.assertEqual(n, rows)
            self.assertEqual(sum(counts), n)
        # Every restart after the first resumed from the file the kill left.
        self.assertEqual(resumed[0], 0)
        self.assertTrue(all(r > 0 for r in resumed[1:]), resumed)
        # A clean stop ends with a full, balanced coreset.
        r = subprocess.run([sys.executable, script, "2"], capture_output=True, text=True,
                           timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertEqual(class_counts(state)[0], [8, 8, 8])

    def test_fine_tuned_model_reaches_the_classifier(self):
        tuned = self.path("tuned.pt")
        tb = gr.top_block()
        src = amrcompress.dataset_source(self.data, repeat=True)
        thr = blocks.throttle(8, 128 * 2000)
        keep = amrcompress.coreset_keeper(self.model, budget=30, state_path="",
                                          refresh_frames=60, finetune_epochs=1,
                                          export_path=tuned)
        clf = amrcompress.classifier(self.model, batch_size=8)
        stats = blocks.message_debug()
        out = blocks.message_debug()
        tb.connect(src, thr)
        tb.connect(thr, keep)
        tb.connect(thr, clf)
        tb.msg_connect(keep, "model", clf, "model")
        tb.msg_connect(keep, "stats", stats, "store")
        tb.msg_connect(clf, "classification", out, "store")
        tb.start()
        deadline = time.time() + 120
        swapped = False
        while time.time() < deadline and not swapped:
            time.sleep(0.2)
            n = out.num_messages()
            swapped = n > 0 and field(out.get_message(n - 1), "model") >= 1
        tb.stop()
        tb.wait()
        self.assertTrue(swapped, "the classifier never used the fine-tuned model")
        self.assertTrue(os.path.exists(tuned))
        self.assertGreater(stats.num_messages(), 0)
        s = stats.get_message(0)
        self.assertLessEqual(field(s, "size"), 30)
        self.assertGreaterEqual(field(s, "exports"), 1)
        self.assertIn("BPSK", field(s, "per_class"))
        # The held-out slice gives the model an accuracy (a number in [0, 1]).
        acc = field(stats.get_message(stats.num_messages() - 1), "holdout_accuracy")
        self.assertTrue(0 <= acc <= 1, acc)

    def test_labels_from_parameter_and_message(self):
        # An untagged stream: the label parameter, then a message, label the frames.
        tb = gr.top_block()
        noise = blocks.vector_source_c(
            (np.random.default_rng(1).standard_normal(128 * 40) * (1 + 1j)).astype(np.complex64))
        keep = amrcompress.coreset_keeper(self.model, budget=100, refresh_frames=1000,
                                          label="GFSK", holdout_frames=0)
        tb.connect(noise, keep)
        tb.run()
        s = json.loads(keep.stats())
        self.assertEqual(s["per_class"], {"BPSK": 0, "QPSK": 0, "GFSK": 40})
        keep2 = amrcompress.coreset_keeper(self.model, budget=100, refresh_frames=1000,
                                           holdout_frames=0)
        strobe = blocks.message_strobe(pmt.intern("QPSK"), 1)
        tb2 = gr.top_block()
        tb2.msg_connect(strobe, "strobe", keep2, "label")
        tb2.connect(blocks.vector_source_c([0j] * 128 * 10), keep2)
        self.assertEqual(json.loads(keep2.stats())["unlabelled"], 0)
        keep2.set_label("not-a-class")  # refused, logged
        self.assertEqual(keep2.label(), "")

    def test_unfit_model_and_state_are_refused(self):
        with self.assertRaisesRegex(Exception, "frame length|128"):
            amrcompress.coreset_keeper(self.model, frame_length=256)
        with self.assertRaisesRegex(Exception, "class"):
            amrcompress.coreset_keeper(self.model, classes=["BPSK", "QPSK", "AM-DSB"])
        junk = self.path("junk.pt")
        with open(junk, "wb") as f:
            f.write(b"\x80\x04not a model")
        with self.assertRaises(Exception):
            amrcompress.coreset_keeper(junk)
        # A plain dataset is not a keeper state.
        with self.assertRaisesRegex(Exception, "keeper"):
            amrcompress.coreset_keeper(self.model, state_path=self.data)
        with self.assertRaisesRegex(Exception, "label"):
            amrcompress.coreset_keeper(self.model, label="AM-DSB")


if __name__ == "__main__":
    gr_unittest.run(qa_coreset_keeper)

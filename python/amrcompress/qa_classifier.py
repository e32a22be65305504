#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The classifier and dataset_source blocks in flowgraphs: a replayed test set
gives exactly `amr eval`'s predictions; overload drops and counts frames
without stalling the source; a model swaps in through the `model` port (an
unfit one is refused and the old one stays); unfit models are refused at
construction; the pass-through, probability and class outputs and the per-batch message
carry the results; a zoo model classifies without LibTorch in the process
(importing the module does not load it either), a model that needs it gets
it, and the engine can be chosen."""

import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import pmt
import torch
from gnuradio import blocks, gr, gr_unittest
from gnuradio import amrcompress
from qa_helpers import amr, field

CLASSES = ["BPSK", "QPSK", "8PSK", "GFSK", "WBFM"]
REPLAY_DEADLINE_S = 120  # a replay of the test split takes about a second


def messages(sink):
    return [sink.get_message(i) for i in range(sink.num_messages())]


def batch_fields(msg):
    """A batch message as a dict of Python values (labels as a list of str),
    checking the vectors' types (pmt.to_python does not convert u64 vectors)."""
    out = {}
    for key, is_type, elements in (("offset", pmt.is_u64vector, pmt.u64vector_elements),
                                   ("class", pmt.is_s32vector, pmt.s32vector_elements),
                                   ("confidence", pmt.is_f32vector, pmt.f32vector_elements),
                                   ("probs", pmt.is_f32vector, pmt.f32vector_elements),
                                   ("latency", pmt.is_f64vector, pmt.f64vector_elements)):
        v = pmt.dict_ref(msg, pmt.intern(key), pmt.PMT_NIL)
        assert is_type(v), key
        out[key] = list(elements(v))
    out["model"] = field(msg, "model")
    labels = pmt.dict_ref(msg, pmt.intern("labels"), pmt.PMT_NIL)
    out["labels"] = [pmt.symbol_to_string(pmt.nth(i, labels)) for i in range(pmt.length(labels))]
    return out


# Run in a fresh interpreter (this test module imports torch itself): is
# LibTorch mapped after importing gnuradio.amrcompress, and after classifying
# a replay with a zoo model?
NO_TORCH_CHECK = r"""
import json, sys
def mapped():
    with open("/proc/self/maps") as f:
        m = f.read()
    return "libtorch" in m or "libc10" in m
from gnuradio import gr, blocks
from gnuradio import amrcompress
after_import = mapped()
data, index, model = sys.argv[1:4]
tb = gr.top_block()
src = amrcompress.dataset_source(data, index)
clf = amrcompress.classifier(model, batch_size=16, backpressure=True, engine="auto")
sink = blocks.message_debug()
tb.connect(src, clf)
tb.msg_connect(clf, "classification", sink, "store")
tb.run()
print(json.dumps({"after_import": after_import, "after_classify": mapped(),
                  "backend": clf.backend(), "messages": sink.num_messages()}))
"""


class qa_classifier(gr_unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.dir = cls.tmp.name
        cls.data = os.path.join(d, "d.h5")
        amr("gen", "-o", cls.data, "-n", "40", "--classes", ",".join(CLASSES),
            "--snr-min", "0", "--snr-max", "18", "--snr-step", "6")
        cls.test_idx = os.path.join(d, "test.idx")
        amr("subset", cls.data, "--split", "test", "-o", os.path.join(d, "test.h5"),
            "--write-index", cls.test_idx)
        cls.models = {}
        for name, arch, seed in (("a", "cnn1d", "1"), ("b", "cnn1d", "2"), ("r", "resnet56", "1")):
            out = os.path.join(d, name)
            amr("train", cls.data, "-o", out, "-m", arch, "-e", "2", "-b", "32", "--seed", seed,
                "--eval-every", "0", "--no-dynamics")
            cls.models[name] = os.path.join(out, "model.pt")
        cls.eval = {}
        for name in ("a", "b"):
            out = os.path.join(d, "eval_" + name)
            amr("eval", cls.models[name], cls.data, "-o", out, "--no-plots", "--all")
            with open(os.path.join(out, "predictions.csv")) as f:
                cls.eval[name] = {int(r["index"]): int(r["prediction"]) for r in csv.DictReader(f)}
        with open(cls.test_idx) as f:
            cls.test_frames = [int(line) for line in f
                               if line.strip() and not line.startswith("#")]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_replay_reproduces_amr_eval(self):
        tb = gr.top_block()
        src = amrcompress.dataset_source(self.data, self.test_idx)
        clf = amrcompress.classifier(self.models["a"], batch_size=16, backpressure=True)
        sink = blocks.message_debug()
        tb.connect(src, clf)
        tb.msg_connect(clf, "classification", sink, "store")
        tb.run()
        msgs = messages(sink)
        self.assertEqual(len(msgs), len(self.test_frames))
        L = clf.frame_length()
        self.assertEqual(L, 128)
        self.assertEqual(list(clf.classes()), CLASSES)
        offsets = [field(m, "offset") for m in msgs]
        self.assertEqual(offsets, [k * L for k in range(len(msgs))])  # in order, one per frame
        got = [field(m, "class") for m in msgs]
        want = [self.eval["a"][i] for i in self.test_frames]
        self.assertEqual(got, want)
        for m in msgs[:20]:
            self.assertEqual(field(m, "label"), CLASSES[field(m, "class")])
            probs = np.array(field(m, "probs"))
            self.assertAlmostEqual(float(probs.sum()), 1.0, places=5)
            self.assertAlmostEqual(field(m, "confidence"), float(probs.max()), places=6)
            self.assertEqual(field(m, "model"), 0)
        self.assertEqual(clf.frames_dropped(), 0)

    def test_overload_drops_and_counts_without_stalling(self):
        tb = gr.top_block()
        src = amrcompress.dataset_source(self.data)
        clf = amrcompress.classifier(self.models["r"], batch_size=1, queue_frames=2)
        sink = blocks.message_debug()
        tb.connect(src, clf)
        tb.msg_connect(clf, "classification", sink, "store")
        t0 = time.time()
        tb.run()
        stats = json.loads(clf.stats())
        n = src.frames()
        self.assertGreater(stats["dropped"], 0)
        self.assertEqual(stats["dropped"] + stats["pushed"], n)
        self.assertEqual(stats["classified"], stats["pushed"])
        self.assertEqual(sink.num_messages(), stats["classified"])
        self.assertLessEqual(stats["queue_high_water"], 2)
        self.assertEqual(src.frames_sent(), n)  # the source ran to its end
        # Classifying everything would take n / (frames/s of ResNet56 at batch 1).
        self.assertLess(time.time() - t0, 60)

    def test_model_swap_through_the_port(self):
        tb = gr.top_block()
        src = amrcompress.dataset_source(self.data, self.test_idx, repeat=True, sample_rate=64000)
        clf = amrcompress.classifier(self.models["a"], batch_size=8)
        sink = blocks.message_debug()
        tb.connect(src, clf)
        tb.msg_connect(clf, "classification", sink, "store")
        tb.start()

        def wait_for(count):
            deadline = time.time() + 60
            while clf.frames_classified() < count and time.time() < deadline:
                time.sleep(0.05)

        wait_for(20)
        port = pmt.intern("model")
        # An unfit model (a resnet is fine; junk is not) is refused; the old one stays.
        junk = os.path.join(self.dir, "junk.pt")
        with open(junk, "wb") as f:
            f.write(b"not a model")
        clf.to_basic_block()._post(port, pmt.intern(junk))
        clf.to_basic_block()._post(port, pmt.intern(self.models["b"]))
        start = clf.frames_classified()
        wait_for(start + 60)
        tb.stop()
        tb.wait()
        msgs = messages(sink)
        gens = [field(m, "model") for m in msgs]
        self.assertEqual(gens[0], 0)
        self.assertEqual(gens[-1], 1)  # only the fitting model was swapped in
        self.assertEqual(gens, sorted(gens))
        L = clf.frame_length()
        n = len(self.test_frames)
        for m in msgs:
            frame = self.test_frames[(field(m, "offset") // L) % n]
            model = "a" if field(m, "model") == 0 else "b"
            self.assertEqual(field(m, "class"), self.eval[model][frame])
        self.assertEqual(json.loads(clf.stats())["swaps"], 1)

    def test_unfit_models_are_refused_at_construction(self):
        with self.assertRaisesRegex(amrcompress.InputError, "frames of 128 samples"):
            amrcompress.classifier(self.models["a"], frame_length=256)
        junk = os.path.join(self.dir, "junk2.pt")
        with open(junk, "wb") as f:
            f.write(b"PK\x03\x04garbage")
        with self.assertRaisesRegex(amrcompress.InputError, "junk2.pt"):
            amrcompress.classifier(junk)
        with self.assertRaisesRegex(amrcompress.InputError, "cannot open"):
            amrcompress.classifier(os.path.join(self.dir, "missing.pt"))

        class Sums(torch.nn.Module):  # metadata right, output [B, 2] instead of [B, 5]
            def forward(self, x):
                return x.sum(dim=2)
        bad = os.path.join(self.dir, "bad_contract.pt")
        meta = {"arch": "sums", "spec": {}, "classes": CLASSES, "frame_length": 128,
                "normalisation": "l1"}
        torch.jit.save(torch.jit.script(Sums()), bad,
                       _extra_files={"amr_meta.json": json.dumps(meta)})
        with self.assertRaisesRegex(amrcompress.InputError, r"does not return \[B, 5\] logits"):
            amrcompress.classifier(bad)
        # An empty index is refused by its reader (read as "no filter" it
        # would replay every frame), naming the index file.
        with self.assertRaisesRegex(amrcompress.InputError, "empty.idx: the index file lists no"):
            empty = os.path.join(self.dir, "empty.idx")
            open(empty, "w").close()
            amrcompress.dataset_source(self.data, empty)

    def test_passthrough_tags_and_probability_vectors(self):
        tb = gr.top_block()
        src = amrcompress.dataset_source(self.data, self.test_idx)
        clf = amrcompress.classifier(self.models["a"], batch_size=16, backpressure=True,
                                     passthrough=True, probabilities=True)
        samples = blocks.vector_sink_c()
        probs = blocks.vector_sink_f(len(CLASSES))
        tb.connect(src, clf)
        tb.connect((clf, 0), samples)
        tb.connect((clf, 1), probs)
        tb.run()
        n = len(self.test_frames)
        self.assertEqual(len(samples.data()), n * 128)
        p = np.array(probs.data()).reshape(-1, len(CLASSES))
        self.assertEqual(len(p), n)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
        self.assertEqual(list(p.argmax(axis=1)), [self.eval["a"][i] for i in self.test_frames])
        keys = [pmt.symbol_to_string(t.key) for t in samples.tags()]
        self.assertEqual(keys.count("amr_frame"), n)        # upstream tags pass through
        self.assertEqual(keys.count("amr_class"), n)       # and every result is tagged
        classes = [field(t.value, "class") for t in samples.tags()
                   if pmt.symbol_to_string(t.key) == "amr_class"]
        self.assertEqual(classes, [self.eval["a"][i] for i in self.test_frames])

    def test_finite_stream_without_eos_publishes_every_frame(self):
        # A file or vector source ends without amr_eos: the frames still in
        # the engine when the input runs out must reach the subscriber before
        # the flowgraph finishes (GNU Radio finishes message subscribers with
        # their publisher). Repeated, as it used to depend on thread timing.
        L = 128
        x = np.random.default_rng(5).normal(size=(10 * L + 3) * 2).astype(np.float32)
        for passthrough in (False, True):
            for _ in range(5):
                src = blocks.vector_source_c((x[0::2] + 1j * x[1::2]).tolist())
                clf = amrcompress.classifier(self.models["a"], batch_size=4,
                                             passthrough=passthrough)
                sink = blocks.message_debug()
                tb = gr.top_block()
                tb.connect(src, clf)
                if passthrough:
                    out = blocks.vector_sink_c()
                    tb.connect(clf, out)
                tb.msg_connect(clf, "classification", sink, "store")
                tb.run()
                self.assertEqual([field(m, "offset") for m in messages(sink)],
                                 [k * L for k in range(10)])
                if passthrough:
                    self.assertEqual(len(out.data()), 10 * L + 3)

    def test_rx_time_of_each_frame(self):
        # A radio's time tags: the clock at sample 0, then a jump (an overflow)
        # inside frame 10. All samples arrive in one call, so the block has
        # framed past the second tag before the first results come back:
        # each frame must still get the time in force at its first sample.
        L, n, rate = 128, 24, 1e6
        jump = 10 * L + 5
        rng = np.random.default_rng(3)
        x = (rng.normal(size=n * L) + 1j * rng.normal(size=n * L)).astype(np.complex64)

        def tag(offset, key, value):
            t = gr.tag_t()
            t.offset, t.key, t.value = offset, pmt.intern(key), value
            return t
        t0 = pmt.make_tuple(pmt.from_uint64(1000), pmt.from_double(0.25))
        t1 = pmt.make_tuple(pmt.from_uint64(2000), pmt.from_double(0.5))
        src = blocks.vector_source_c(x.tolist(), False, 1,
                                     [tag(0, "rx_time", t0),
                                      tag(0, "rx_rate", pmt.from_double(rate)),
                                      tag(jump, "rx_time", t1)])
        clf = amrcompress.classifier(self.models["a"], batch_size=4, backpressure=True,
                                     passthrough=True)
        out = blocks.vector_sink_c()
        sink = blocks.message_debug()
        tb = gr.top_block()
        tb.connect(src, clf, out)
        tb.msg_connect(clf, "classification", sink, "store")
        tb.run()
        msgs = messages(sink)
        self.assertEqual(len(msgs), n)
        for k, m in enumerate(msgs):
            secs, frac = field(m, "rx_time")
            if k * L < jump:
                want = 1000.25 + k * L / rate
            else:
                want = 2000.5 + (k * L - jump) / rate
            self.assertEqual(secs, int(want), k)
            self.assertAlmostEqual(frac, want - int(want), places=9, msg=str(k))
        tagged = [t.value for t in out.tags() if pmt.symbol_to_string(t.key) == "amr_class"]
        self.assertEqual(len(tagged), n)
        for t, m in zip(tagged, msgs):  # the tags carry the messages' dicts
            self.assertTrue(pmt.equal(t, m))

    def replay(self, model, **kw):
        """Replays the test split through a classifier; returns the block, the
        per-frame messages, the batch messages and the stream outputs."""
        tb = gr.top_block()
        src = amrcompress.dataset_source(self.data, self.test_idx)
        clf = amrcompress.classifier(model, batch_size=16, backpressure=True, **kw)
        frames, batches = blocks.message_debug(), blocks.message_debug()
        tb.connect(src, clf)
        tb.msg_connect(clf, "classification", frames, "store")
        tb.msg_connect(clf, "classifications", batches, "store")
        sinks = []
        if kw.get("passthrough"):
            sinks.append(blocks.vector_sink_c())
        if kw.get("probabilities"):
            sinks.append(blocks.vector_sink_f(len(CLASSES)))
        if kw.get("class_output"):
            sinks.append(blocks.vector_sink_i())
        for k, s in enumerate(sinks):
            tb.connect((clf, k), s)
        tb.start()
        waiter = threading.Thread(target=tb.wait, daemon=True)
        waiter.start()
        waiter.join(REPLAY_DEADLINE_S)
        if waiter.is_alive():
            tb.stop()
            waiter.join(10)
            self.fail(f"the replay did not finish within {REPLAY_DEADLINE_S} s")
        return clf, messages(frames), messages(batches), sinks

    def test_batch_messages_carry_every_frame(self):
        clf, frames, batches, _ = self.replay(self.models["a"], batch_messages=True)
        n = len(self.test_frames)
        self.assertEqual(len(frames), n)
        self.assertGreater(len(batches), 1)
        self.assertLess(len(batches), n)  # one per batch, not per frame
        got = {"offset": [], "class": [], "confidence": []}
        for m in batches:
            b = batch_fields(m)
            k = len(b["offset"])
            self.assertGreater(k, 0)
            for key in ("class", "confidence", "latency"):
                self.assertEqual(len(b[key]), k, key)
            self.assertEqual(len(b["probs"]), k * len(CLASSES))
            self.assertEqual(b["labels"], CLASSES)
            self.assertEqual(b["model"], 0)
            p = np.array(b["probs"]).reshape(k, len(CLASSES))
            np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
            self.assertEqual(list(p.argmax(axis=1)), b["class"])
            np.testing.assert_allclose(p.max(axis=1), b["confidence"], rtol=1e-6)
            self.assertTrue(all(t >= 0 for t in b["latency"]))
            for key in got:
                got[key] += b[key]
        # Every frame's offset and class, equal to the per-frame dicts'.
        self.assertEqual(got["offset"], [field(m, "offset") for m in frames])
        self.assertEqual(got["class"], [field(m, "class") for m in frames])
        np.testing.assert_allclose(got["confidence"], [field(m, "confidence") for m in frames],
                                   rtol=1e-6)
        self.assertEqual(got["class"], [self.eval["a"][i] for i in self.test_frames])

    def test_class_output_stream(self):
        clf, frames, _, (classes,) = self.replay(self.models["a"], class_output=True)
        want = [field(m, "class") for m in frames]
        self.assertEqual(len(want), len(self.test_frames))
        self.assertEqual(list(classes.data()), want)
        # With the other stream outputs: pass-through, probabilities, classes.
        clf, frames, _, (samples, probs, classes) = self.replay(
            self.models["a"], passthrough=True, probabilities=True, class_output=True)
        want = [field(m, "class") for m in frames]
        self.assertEqual(list(classes.data()), want)
        p = np.array(probs.data()).reshape(-1, len(CLASSES))
        self.assertEqual(list(p.argmax(axis=1)), want)
        self.assertEqual(len(samples.data()), len(self.test_frames) * 128)

    def test_batch_port_alone_without_frame_messages(self):
        clf, frames, batches, (samples,) = self.replay(
            self.models["a"], frame_messages=False, batch_messages=True, passthrough=True)
        self.assertEqual(frames, [])  # no per-frame messages
        offsets, classes = [], []
        for m in batches:
            b = batch_fields(m)
            offsets += b["offset"]
            classes += b["class"]
        n = len(self.test_frames)
        self.assertEqual(offsets, [k * 128 for k in range(n)])
        self.assertEqual(classes, [self.eval["a"][i] for i in self.test_frames])
        tagged = [field(t.value, "class") for t in samples.tags()
                  if pmt.symbol_to_string(t.key) == "amr_class"]
        self.assertEqual(tagged, classes)  # the pass-through tags still carry dicts
        # Only the class stream: no messages at all, the classes all there.
        clf, frames, batches, (out,) = self.replay(self.models["a"], frame_messages=False,
                                                   class_output=True)
        self.assertEqual((frames, batches), ([], []))
        self.assertEqual(list(out.data()), classes)

    def test_zoo_model_never_loads_libtorch(self):
        r = subprocess.run([sys.executable, "-c", NO_TORCH_CHECK, self.data, self.test_idx,
                            self.models["a"]], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertFalse(out["after_import"], "importing gnuradio.amrcompress mapped LibTorch")
        if out["backend"].startswith("LibTorch"):
            self.skipTest("the native engine is not available (the zoo model ran on "
                          + out["backend"] + ")")
        self.assertEqual(out["messages"], len(self.test_frames))
        self.assertFalse(out["after_classify"],
                         "classifying with a zoo model on " + out["backend"] + " mapped LibTorch")

    def test_engine_choice(self):
        # A zoo model on LibTorch (without process tuning) gives the
        # probabilities of the default engine.
        clf_t, frames_t, _, (probs_t,) = self.replay(self.models["a"], engine="libtorch",
                                                     process_tuning=False, probabilities=True)
        clf_a, frames_a, _, (probs_a,) = self.replay(self.models["a"], probabilities=True)
        self.assertTrue(clf_t.backend().startswith("LibTorch"), clf_t.backend())
        self.assertEqual(json.loads(clf_t.stats())["backend"], clf_t.backend())
        self.assertEqual(json.loads(clf_a.stats())["backend"], clf_a.backend())
        np.testing.assert_allclose(np.array(probs_t.data()), np.array(probs_a.data()),
                                   atol=1e-4)

        # Bring-your-own TorchScript: LibTorch in "auto", refused by "native".
        class Linear(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = torch.nn.Linear(2 * 128, len(CLASSES))

            def forward(self, x):
                return self.fc(x.flatten(1))
        byo = os.path.join(self.dir, "byo.pt")
        meta = {"arch": "byo_linear", "spec": {}, "classes": CLASSES, "frame_length": 128,
                "normalisation": "l1"}
        torch.jit.save(torch.jit.script(Linear()), byo,
                       _extra_files={"amr_meta.json": json.dumps(meta)})
        clf = amrcompress.classifier(byo)
        self.assertTrue(clf.backend().startswith("LibTorch"), clf.backend())
        with self.assertRaisesRegex(amrcompress.InputError, "byo.pt: the native engine"):
            amrcompress.classifier(byo, engine="native")
        with self.assertRaisesRegex(amrcompress.InputError, "precision 'fp16'"):
            amrcompress.classifier(self.models["a"], precision="fp16")
        with self.assertRaisesRegex(amrcompress.InputError, "engine 'cuda'"):
            amrcompress.classifier(self.models["a"], engine="cuda")


if __name__ == "__main__":
    gr_unittest.run(qa_classifier)

#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The classification display: its Qt-free core (parsing of per-frame dicts,
lists and column batches, counts, label runs, frames/s and the redraw rate
limit, with a fake clock), the block in a flowgraph, fed by the classifier,
and the widget under QT_QPA_PLATFORM=offscreen, fed from another thread."""

import math
import os
import tempfile
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402 (after QT_QPA_PLATFORM is set)
import pmt  # noqa: E402
from gnuradio import blocks, gr, gr_unittest  # noqa: E402
from qa_helpers import amr  # noqa: E402

from gnuradio.amrcompress.classification_history import (FULL, LABEL_ONLY, LITE,  # noqa: E402
                                                         ClassificationHistory, Frame,
                                                         parse_frames)

PORT = pmt.intern("classification")


def frame_dict(i, label, confidence=0.9, cls=1, rx_time=None, model=0, latency=0.004):
    """A dict as the classifier publishes it."""
    d = pmt.make_dict()
    entries = [("offset", pmt.from_uint64(i * 128)), ("class", pmt.from_long(cls)),
               ("label", pmt.intern(label)), ("confidence", pmt.from_double(confidence)),
               ("probs", pmt.init_f32vector(3, [0.05, confidence, 0.05])),
               ("latency", pmt.from_double(latency)), ("model", pmt.from_uint64(model))]
    if rx_time is not None:
        secs = int(rx_time)
        entries.append(("rx_time", pmt.make_tuple(pmt.from_uint64(secs),
                                                  pmt.from_double(rx_time - secs))))
    for k, v in entries:
        d = pmt.dict_add(d, pmt.intern(k), v)
    return d


def columns_dict(classes, labels, first_offset=0, confidence=0.75, model=1):
    """A per-batch dict of columns (the classifier's planned batch message)."""
    n = len(classes)
    d = pmt.make_dict()
    for k, v in [("offset", pmt.init_u64vector(n, [first_offset + 128 * i for i in range(n)])),
                 ("class", pmt.init_s32vector(n, [int(c) for c in classes])),
                 ("confidence", pmt.init_f32vector(n, [confidence] * n)),
                 ("probs", pmt.init_f32vector(n * len(labels), [0.0] * (n * len(labels)))),
                 ("latency", pmt.init_f64vector(n, [0.002] * n)),
                 ("model", pmt.from_uint64(model)),
                 ("labels", pmt_list([pmt.intern(lab) for lab in labels]))]:
        d = pmt.dict_add(d, pmt.intern(k), v)
    return d


def pmt_list(items):
    out = pmt.PMT_NIL
    for x in reversed(items):
        out = pmt.cons(x, out)
    return out


class FakeClock(object):
    def __init__(self, t=100.0):
        self.t = t

    def __call__(self):
        return self.t


def wait_for(cond, timeout, step=0.01, pump=None):
    """Polls cond() until true or the deadline; pump() runs between polls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pump is not None:
            pump()
        if cond():
            return True
        time.sleep(step)
    if pump is not None:
        pump()
    return cond()


class qa_classification_history(gr_unittest.TestCase):
    """The Qt-free core."""

    def test_frames_counts_and_runs(self):
        h = ClassificationHistory(history=10, update_rate=10, clock=FakeClock())
        labels = ["QPSK"] * 5 + ["BPSK"] * 3 + ["QPSK"] * 2
        for i, l in enumerate(labels):
            h.add(frame_dict(i, l, confidence=0.5 + i / 100, rx_time=10.0 + i / 1000))
        s = h.snapshot()
        self.assertEqual(s["frames"], 10)
        self.assertEqual(s["messages"], 10)
        self.assertEqual(s["ignored"], 0)
        self.assertEqual(s["changes"], 2)
        self.assertEqual(dict(s["counts"]), {"QPSK": 7, "BPSK": 3})
        self.assertEqual(s["counts"][0], ("QPSK", 7))
        runs = s["runs"]  # newest first
        self.assertEqual([(r.label, r.count) for r in runs],
                         [("QPSK", 2), ("BPSK", 3), ("QPSK", 5)])
        self.assertEqual((runs[1].first_offset, runs[1].last_offset), (5 * 128, 7 * 128))
        self.assertAlmostEqual(runs[1].mean_confidence, (0.55 + 0.56 + 0.57) / 3)
        self.assertAlmostEqual(runs[1].rx_time, 10.005)  # the time the run started at
        last = s["last"]  # complete: every field read
        self.assertEqual((last.label, last.cls, last.offset, last.model), ("QPSK", 1, 9 * 128, 0))
        self.assertAlmostEqual(last.confidence, 0.59)
        self.assertAlmostEqual(last.latency, 0.004)
        self.assertAlmostEqual(last.rx_time, 10.009)
        self.assertIsNone(last.raw)

    def test_read_depths(self):
        d = frame_dict(3, "GFSK", confidence=0.8, cls=2, rx_time=5.5, model=4)
        full = parse_frames(d, FULL)[0][0]
        lite = parse_frames(d, LITE)[0][0]
        label = parse_frames(d, LABEL_ONLY)[0][0]
        self.assertEqual(full, Frame("GFSK", 2, 0.8, 384, 0.004, 4, 5.5))
        self.assertEqual((lite.label, lite.confidence, lite.offset), ("GFSK", 0.8, 384))
        self.assertEqual(lite.complete(), full)
        self.assertEqual(label.label, "GFSK")
        self.assertTrue(math.isnan(label.confidence))
        h = ClassificationHistory(clock=FakeClock())
        h.add(d, LABEL_ONLY)
        self.assertEqual(h.counts(), {"GFSK": 1})
        self.assertTrue(math.isnan(h.snapshot()["runs"][0].mean_confidence))

    def test_batches_as_lists(self):
        """A future per-batch message as a list, vector or tuple of dicts, in a
        dict under "frames", as (meta . frames), or as Python objects."""
        frames = [frame_dict(i, "QPSK" if i < 3 else "BPSK") for i in range(5)]
        meta = pmt.dict_add(pmt.make_dict(), pmt.intern("batch_id"), pmt.from_long(7))
        messages = [
            pmt_list(frames),
            self._vector(frames),
            pmt.to_tuple(self._vector(frames)),
            pmt.dict_add(pmt.make_dict(), pmt.intern("frames"), pmt_list(frames)),
            pmt.cons(meta, self._vector(frames)),
            [{"label": "QPSK", "confidence": 0.9, "offset": 0}] * 3
            + [{"label": b"BPSK", "class": 0, "rx_time": (3, 0.5)}] * 2,
            {"results": [{"label": "QPSK"}] * 3 + [{"label": "BPSK"}] * 2},
        ]
        for m in messages:
            h = ClassificationHistory(clock=FakeClock())
            h.add(m)
            s = h.snapshot()
            self.assertEqual(s["frames"], 5, m)
            self.assertEqual(dict(s["counts"]), {"QPSK": 3, "BPSK": 2}, m)
            self.assertEqual(s["changes"], 1, m)
            self.assertEqual(s["messages"], 1)
            self.assertEqual(s["last"].label, "BPSK")
        self.assertEqual(parse_frames(messages[5])[0][-1].rx_time, 3.5)

    @staticmethod
    def _vector(items):
        v = pmt.make_vector(len(items), pmt.PMT_NIL)
        for i, x in enumerate(items):
            pmt.vector_set(v, i, x)
        return v

    def test_batch_as_columns(self):
        """One dict of columns: class indices with the class names."""
        h = ClassificationHistory(history=10, clock=FakeClock())
        h.add(columns_dict([0, 0, 1, 1, 1, 2], ["BPSK", "QPSK", "GFSK"], first_offset=1280))
        h.add(columns_dict([2, 2, 5], ["BPSK", "QPSK", "GFSK"], first_offset=2048))
        s = h.snapshot()
        self.assertEqual(s["frames"], 9)
        self.assertEqual(s["messages"], 2)
        self.assertEqual(dict(s["counts"]), {"BPSK": 2, "QPSK": 3, "GFSK": 3, "class 5": 1})
        self.assertEqual([(r.label, r.count) for r in s["runs"]],
                         [("class 5", 1), ("GFSK", 3), ("QPSK", 3), ("BPSK", 2)])
        self.assertEqual(s["changes"], 3)
        gfsk = s["runs"][1]  # across the two batches
        self.assertEqual((gfsk.first_offset, gfsk.last_offset), (1280 + 5 * 128, 2048 + 128))
        self.assertAlmostEqual(gfsk.mean_confidence, 0.75)
        last = s["last"]
        self.assertEqual((last.label, last.cls, last.offset, last.model),
                         ("class 5", 5, 2048 + 256, 1))
        self.assertAlmostEqual(last.latency, 0.002)
        # The same as Python objects, without labels.
        h = ClassificationHistory(clock=FakeClock())
        h.add({"class": np.array([1, 1, 0]), "confidence": [0.5, 0.6, 0.7]})
        self.assertEqual(h.counts(), {"class 1": 2, "class 0": 1})

    def test_malformed_messages_are_counted_not_raised(self):
        h = ClassificationHistory(clock=FakeClock())
        nested = frame_dict(0, "QPSK")
        for _ in range(8):
            nested = pmt_list([nested])
        junk = [pmt.from_long(3), pmt.intern("QPSK"), pmt.init_u8vector(4, [1, 2, 3, 4]),
                pmt.dict_add(pmt.make_dict(), pmt.intern("confidence"), pmt.from_double(1)),
                pmt.cons(pmt.intern("a"), pmt.from_long(1)), pmt_list([pmt.from_long(1)]),
                pmt.init_u8vector(0, []),
                "QPSK", None, 3.5, {"confidence": 1.0}, nested,
                pmt.dict_add(pmt.make_dict(), pmt.intern("label"), pmt.from_double(2.5))]
        for m in junk:
            ignored = h.ignored
            h.add(m)
            self.assertGreater(h.ignored, ignored, m)  # (a pair counts its car and cdr)
        self.assertEqual(h.frames, 0)
        self.assertEqual(h.messages, len(junk))
        ignored = h.ignored
        h.add(pmt.PMT_NIL)  # nothing, and nothing wrong
        self.assertEqual(h.ignored, ignored)
        # A list with junk and frames: the frames count, the junk is ignored.
        h.add(pmt_list([pmt.from_long(1), frame_dict(0, "QPSK"), pmt.intern("x")]))
        self.assertEqual((h.frames, h.ignored), (1, ignored + 2))
        # A class index where the label should be, and a dict with only a class.
        h.add(pmt.dict_add(pmt.make_dict(), pmt.intern("class"), pmt.from_long(4)))
        h.add(pmt.dict_add(pmt.make_dict(), pmt.intern("label"), pmt.from_long(4)))
        self.assertEqual(h.counts(), {"QPSK": 1, "class 4": 2})
        self.assertIn("ignored=%d" % (ignored + 2), h.summary())

    def test_history_length(self):
        h = ClassificationHistory(history=10, clock=FakeClock())
        for i in range(25):
            h.add(frame_dict(i, "QPSK" if i % 2 else "BPSK"))
        s = h.snapshot()
        self.assertEqual(len(s["runs"]), 10)
        self.assertEqual(s["changes"], 24)
        self.assertEqual([r.label for r in s["runs"][:2]], ["BPSK", "QPSK"])  # frame 24 first
        self.assertEqual(s["runs"][0].first_offset, 24 * 128)
        h.set_history(3)
        self.assertEqual(len(h.snapshot()["runs"]), 3)
        self.assertEqual(h.history, 3)
        self.assertRaises(ValueError, h.set_history, 0)
        self.assertRaises(ValueError, ClassificationHistory, 0)
        self.assertRaises(ValueError, ClassificationHistory, 5, 0)
        self.assertRaises(ValueError, h.set_update_rate, -1)

    def test_rate_limit(self):
        clock = FakeClock()
        h = ClassificationHistory(update_rate=10, clock=clock)
        self.assertFalse(h.redraw_due())  # nothing yet
        self.assertTrue(h.add(frame_dict(0, "QPSK")))  # the first redraws at once
        clock.t += 0.05
        self.assertFalse(h.add(frame_dict(1, "QPSK")))  # too soon: pending
        self.assertFalse(h.redraw_due())
        clock.t += 0.06
        self.assertTrue(h.redraw_due())  # the trailing redraw
        self.assertFalse(h.redraw_due())  # nothing new since
        clock.t += 1.0
        self.assertFalse(h.redraw_due())
        # 100,000 frames/s for 1 s (a message every 10 us): 10 redraws, with the
        # GUI timer's trailing ones at 10/s sharing the limit.
        due = 0
        timer = 0
        t_end = clock.t + 1.0
        i = 0
        next_tick = clock.t
        msg = {"label": "QPSK", "confidence": 0.9}
        while clock.t < t_end:
            due += h.add(msg)
            i += 1
            clock.t += 1e-5
            if clock.t >= next_tick:
                timer += h.redraw_due()
                next_tick += 0.1
        self.assertLessEqual(due + timer, 11)
        self.assertGreaterEqual(due + timer, 9)
        self.assertEqual(h.frames, i + 2)
        h.set_update_rate(2)
        clock.t += 0.1
        h.add(frame_dict(0, "QPSK"))
        self.assertFalse(h.redraw_due())  # 0.1 s < 1 / 2 Hz
        clock.t += 0.5
        self.assertTrue(h.redraw_due())

    def test_frame_rate(self):
        clock = FakeClock()
        h = ClassificationHistory(clock=clock, rate_window=1.0)
        self.assertEqual(h.snapshot()["rate"], 0.0)
        for step in range(300):  # 10 frames every 10 ms: 1000 frames/s for 3 s
            h.add([{"label": "QPSK"}] * 10)
            clock.t += 0.01
            if step % 10 == 0:
                h.snapshot()
        self.assertAlmostEqual(h.snapshot()["rate"], 1000, delta=50)
        for _ in range(20):  # 2 s without frames, the GUI polling at 10/s
            clock.t += 0.1
            rate = h.snapshot()["rate"]
        self.assertEqual(rate, 0.0)
        s = h.snapshot()
        self.assertAlmostEqual(s["elapsed"], 5.0, places=6)
        self.assertIn("frames=3000", h.summary())
        self.assertIn("frames_per_s=600", h.summary())  # 3000 over 5 s
        self.assertIn("QPSK 3000 (100.0 %)", h.summary())

    def test_threads(self):
        """Adds from several threads while another takes snapshots: nothing lost."""
        h = ClassificationHistory(history=5)
        stop = threading.Event()

        def reader():
            while not stop.is_set():
                s = h.snapshot()
                assert sum(c for _, c in s["counts"]) == s["frames"]

        def writer(label):
            for i in range(2000):
                h.add(frame_dict(i, label))
        r = threading.Thread(target=reader)
        r.start()
        ws = [threading.Thread(target=writer, args=(lab,)) for lab in ("A", "B", "C")]
        for w in ws:
            w.start()
        for w in ws:
            w.join(60)
        stop.set()
        r.join(60)
        self.assertEqual(h.counts(), {"A": 2000, "B": 2000, "C": 2000})


class qa_classification_display(gr_unittest.TestCase):
    """The block in flowgraphs, and its widget."""

    @classmethod
    def setUpClass(cls):
        from PyQt5 import QtWidgets
        cls.app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["qa"])
        cls.tmp = tempfile.TemporaryDirectory()
        cls.model = None

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def pump(self):
        self.app.processEvents()

    def flowgraph(self, disp):
        """A running top block holding the display (a strobe sending an empty
        message every 50 ms keeps it in the graph: its sleep is not cut short
        by stop()); messages are posted into it."""
        tb = gr.top_block()
        strobe = blocks.message_strobe(pmt.PMT_NIL, 50)
        tb.msg_connect(strobe, "strobe", disp, "classification")
        tb.start()
        return tb

    def test_block_without_gui(self):
        from gnuradio.amrcompress.classification_display import classification_display
        disp = classification_display(history=4, update_rate=5, gui=False)
        self.assertIsNone(disp.qwidget())
        tb = self.flowgraph(disp)
        try:
            post = disp.to_basic_block()._post
            for i in range(100):
                post(PORT, frame_dict(i, "QPSK" if i < 60 else "8PSK"))
            post(PORT, columns_dict([0, 1], ["BPSK", "QPSK"]))
            self.assertTrue(wait_for(lambda: disp.frames() == 102, 30), disp.summary())
        finally:
            tb.stop()
            tb.wait()
        self.assertEqual(disp.counts(), {"QPSK": 61, "8PSK": 40, "BPSK": 1})
        self.assertIn("frames=102", disp.summary())

    def test_widget_from_another_thread(self):
        """Messages posted from a thread other than the GUI's, 5,300 of them as
        fast as possible: the label shows the last class, the widget is only
        touched on the GUI thread, and redraws stay within the rate."""
        from gnuradio.amrcompress.classification_display import classification_display
        disp = classification_display(history=5, update_rate=10, title="Test")
        w = disp.qwidget()
        w.resize(600, 400)
        w.show()
        gui_thread = threading.get_ident()
        draw_threads = set()
        redraw = w.redraw

        def recording_redraw():
            draw_threads.add(threading.get_ident())
            redraw()
        w.redraw = recording_redraw
        tb = self.flowgraph(disp)
        t0 = time.monotonic()
        try:
            def sender():
                post = disp.to_basic_block()._post
                for i in range(300):
                    post(PORT, frame_dict(i, "QPSK", confidence=0.4))
                for i in range(300, 5300):
                    post(PORT, frame_dict(i, "GFSK", confidence=0.95, rx_time=1.25))
            th = threading.Thread(target=sender)
            th.start()

            def shown():  # the last redraw may still be queued when the count is in
                item = w.history_list.item(0)
                return (disp.frames() == 5300 and w.class_label.text() == "GFSK"
                        and w.confidence_bar.format() == "95.0 %"
                        and item is not None and "x5,000" in item.text()
                        and "5,300 frames" in w.status_label.text())
            ok = wait_for(shown, 30, pump=self.pump)
            th.join(30)
            self.assertTrue(ok, (disp.summary(), w.class_label.text(), w.status_label.text()))
        finally:
            tb.stop()
            tb.wait()
        elapsed = time.monotonic() - t0
        self.assertEqual(draw_threads, {gui_thread})
        # Signalled redraws and the timer's trailing ones share the limit.
        self.assertLessEqual(w.redraws, 10 * elapsed + 3)
        self.assertGreaterEqual(w.redraws, 1)
        self.assertEqual(w.confidence_bar.format(), "95.0 %")
        self.assertEqual(w.confidence_bar.value(), 950)
        self.assertEqual(w.title_label.text(), "Test")
        rows = [w.history_list.item(i).text() for i in range(w.history_list.count())]
        self.assertEqual(len(rows), 2)
        self.assertTrue(rows[0].startswith("GFSK") and "x5,000" in rows[0], rows)
        self.assertTrue(rows[1].startswith("QPSK") and "x300" in rows[1], rows)
        totals = [w.totals_list.item(i).text() for i in range(w.totals_list.count())]
        self.assertEqual(len(totals), 2)
        self.assertTrue(totals[0].startswith("GFSK"), totals)
        self.assertIn("rx_time 1.250000 s", w.status_label.text())
        # Settings from the GUI thread (as GRC callbacks call them).
        disp.set_title("")
        disp.set_update_rate(20)
        self.assertTrue(wait_for(lambda: w._timer.interval() == 50 and w.title_label.isHidden(),
                                 5, pump=self.pump))
        w.close()

    def test_widget_needs_application_or_gui_false(self):
        from gnuradio.amrcompress import classification_display as mod
        self.assertTrue(hasattr(mod, "ClassificationWidget"))
        disp = mod.classification_display(gui=False)
        self.assertIsNone(disp.qwidget())

    def test_fed_by_the_classifier(self):
        """A replay through the classifier: every frame reaches the display, with
        the classifier's labels, offsets and latencies."""
        from gnuradio import amrcompress
        from gnuradio.amrcompress.classification_display import classification_display
        d = self.tmp.name
        data = os.path.join(d, "d.h5")
        amr("gen", "-o", data, "-n", "5", "--classes", "BPSK,QPSK,GFSK",
            "--snr-min", "10", "--snr-max", "18", "--snr-step", "8", timeout=300)
        amr("train", data, "-o", os.path.join(d, "m"), "-e", "1", "--no-dynamics", timeout=600)
        model = os.path.join(d, "m", "model.pt")

        def replay(port, **kw):
            tb = gr.top_block()
            src = amrcompress.dataset_source(data)
            clf = amrcompress.classifier(model, backpressure=True, **kw)
            disp = classification_display(history=100, gui=False)
            tb.connect(src, clf)
            tb.msg_connect(clf, port, disp, "classification")
            tb.start()
            try:
                ok = wait_for(lambda: disp.frames() == 30, 60, step=0.05)
            finally:
                tb.stop()
                tb.wait()
            self.assertTrue(ok, disp.summary())
            return clf, disp
        clf, disp = replay("classification")
        self.check_classifier_frames(clf, disp)
        # The per-batch message (a dict of columns), where the classifier has it:
        # the same frames, labels and runs.
        if "batch_messages" not in (amrcompress.classifier.__init__.__doc__ or ""):
            return  # a classifier without batch messages
        clf_b, batches = replay("classifications", batch_messages=True, frame_messages=False)
        self.check_classifier_frames(clf_b, batches)
        self.assertLess(batches.snapshot()["messages"], 30)
        self.assertEqual(batches.counts(), disp.counts())
        self.assertEqual([(r.label, r.count, r.first_offset) for r in batches.snapshot()["runs"]],
                         [(r.label, r.count, r.first_offset) for r in disp.snapshot()["runs"]])
        self.assertEqual(batches.snapshot()["last"].label, disp.snapshot()["last"].label)

    def check_classifier_frames(self, clf, disp):
        s = disp.snapshot()
        self.assertEqual(s["ignored"], 0)
        self.assertEqual(sum(c for _, c in s["counts"]), 30)
        self.assertLessEqual({label for label, _ in s["counts"]}, set(clf.classes()))
        last = s["last"]
        self.assertEqual(last.offset, 29 * 128)
        self.assertEqual(last.model, 0)
        self.assertIn(last.label, clf.classes())
        self.assertEqual(clf.classes()[last.cls], last.label)
        self.assertTrue(0 < last.confidence <= 1)
        self.assertTrue(last.latency >= 0)
        self.assertEqual(sum(r.count for r in s["runs"]), 30)


if __name__ == "__main__":
    gr_unittest.run(qa_classification_display)  # runs both test cases of this file

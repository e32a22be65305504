#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""dataset_sink in flowgraphs: a replay is captured frame for frame; labels
from the parameter, the `label` port and stream tags, with their precedence;
the energy gate; radio metadata from rx_time/rx_rate/rx_freq tags; quotas,
rotation, thinning and class extension; a capture killed with SIGKILL leaves
a file that h5py opens with every flushed frame; a bad path and a full disk
(ENOSPC injected at pwrite) give clear errors and keep what was flushed."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest, pdu
from gnuradio import amrcompress
from qa_helpers import amr

CLASSES = ["BPSK", "QPSK", "GFSK"]
L = 128

# A capture that runs until killed: a ramp source (sample n holds n mod P, so
# every frame's content is checkable against its capture_id), printing how
# many frames are flushed.
KILL_SCRIPT = r"""
import sys, time
import numpy as np
from gnuradio import gr, blocks, amrcompress
P = 1 << 20
path = sys.argv[1]
tb = gr.top_block()
src = blocks.vector_source_c((np.arange(P) % P).astype(np.complex64).tolist(), True)
thr = blocks.throttle(gr.sizeof_gr_complex, 2e6)
sink = amrcompress.dataset_sink(path, ["a"], 128, label="a", snr_db=0.0,
                                flush_frames=64, flush_seconds=0.1)
tb.connect(src, thr, sink)
tb.start()
print("started", flush=True)
while True:
    print("flushed", sink.frames_flushed(), flush=True)
    time.sleep(0.02)
"""

# A capture into a file that may not grow past RLIMIT_FSIZE (a full disk).
DISK_FULL_SCRIPT = r"""
import sys
from gnuradio import gr, blocks, analog, amrcompress
tb = gr.top_block()
src = analog.noise_source_c(analog.GR_GAUSSIAN, 1.0, 1)
sink = amrcompress.dataset_sink(sys.argv[1], ["a"], 256, label="a", snr_db=0.0,
                                flush_frames=32, backpressure=True)
tb.connect(src, sink)
tb.run()   # ends by itself when the write fails
print("FLUSHED", sink.frames_flushed())
print("ERROR", sink.error())
"""


def tag(offset, key, value):
    return gr.tag_utils.python_to_tag((offset, pmt.intern(key), value, pmt.PMT_NIL))


def noise(n, power=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) *
            np.sqrt(power / 2)).astype(np.complex64)


class qa_dataset_sink(gr_unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "d.h5")
        amr("gen", "-o", cls.data, "-n", "6", "--classes", ",".join(CLASSES),
            "--snr-min", "0", "--snr-max", "10", "--snr-step", "10")
        with h5py.File(cls.data, "r") as f:
            cls.X = f["X"][...]
            cls.labels = np.argmax(f["Y"][...], axis=1)
            cls.snr = f["snr_db"][...]
            cls.rate = f.attrs["sample_rate"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def capture(self, samples, tags=(), **kw):
        """Runs samples (with tags) through a dataset_sink; returns the sink."""
        tb = gr.top_block()
        src = blocks.vector_source_c(samples.tolist(), False, 1, list(tags))
        sink = amrcompress.dataset_sink(**kw)
        tb.connect(src, sink)
        tb.run()
        return sink

    def test_replay_is_captured_frame_for_frame(self):
        out = self.path("replay.h5")
        tb = gr.top_block()
        src = amrcompress.dataset_source(self.data)
        sink = amrcompress.dataset_sink(out, CLASSES, L, backpressure=True)
        tb.connect(src, sink)
        tb.run()
        n = len(self.X)
        self.assertEqual(sink.frames_written(), n)
        with h5py.File(out, "r") as f:  # plain h5py, as a user would
            np.testing.assert_array_equal(f["X"][...], self.X)
            np.testing.assert_array_equal(np.argmax(f["Y"][...], axis=1), self.labels)
            self.assertTrue(np.all(f["Y"][...].sum(axis=1) == 1))
            np.testing.assert_array_equal(f["snr_db"][...], self.snr)  # from amr_snr tags
            np.testing.assert_array_equal(f["snr_estimated"][...], 0)
            np.testing.assert_array_equal(f["capture_id"][...], np.arange(n) * L)
            self.assertEqual(f.attrs["sample_rate"], self.rate)  # from the rx_rate tag
            self.assertEqual([c.decode() if isinstance(c, bytes) else c
                              for c in f.attrs["classes"]], CLASSES)
        # ... and it is a dataset the project's tools read.
        self.assertEqual(len(amrcompress.dataset_reader(out)), n)
        stats = json.loads(sink.stats())
        self.assertEqual(stats["kept"], n)
        self.assertEqual(stats["per_class"], {c: n // 3 for c in CLASSES})

    def test_labels_from_parameter_message_and_their_precedence(self):
        out = self.path("msg.h5")
        tb = gr.top_block()
        src = pdu.pdu_to_tagged_stream(gr.types.complex_t, "len")
        sink = amrcompress.dataset_sink(out, CLASSES, L, label="BPSK", snr_db=3.0,
                                        flush_frames=1, flush_seconds=0.05)
        tb.connect(src, sink)
        tb.start()
        port = pmt.intern("label")

        def frames(k, first):
            samples = (np.arange(first * L, (first + k) * L) % 1000).astype(np.complex64)
            src._post(pmt.intern("pdus"), pmt.cons(pmt.PMT_NIL, pmt.init_c32vector(
                len(samples), samples.tolist())))
            deadline = time.time() + 10
            while sink.frames_written() < first + k and time.time() < deadline:
                time.sleep(0.01)

        frames(2, 0)                                       # parameter: BPSK, 3 dB
        msg = pmt.make_dict()
        msg = pmt.dict_add(msg, pmt.intern("label"), pmt.intern("QPSK"))
        msg = pmt.dict_add(msg, pmt.intern("snr"), pmt.from_double(7.0))
        sink._post(port, msg)
        frames(2, 2)                                       # message: QPSK, 7 dB
        sink.set_label("GFSK")                             # the parameter changes ...
        frames(2, 4)                                       # ... but the message still rules
        sink._post(port, pmt.intern(""))                   # release the message level
        frames(2, 6)                                       # parameter again: GFSK, 3 dB
        sink._post(port, pmt.intern("QPSK"))               # a bare symbol, no SNR
        frames(1, 8)                                       # QPSK, SNR estimated
        tb.stop()
        tb.wait()
        with h5py.File(out, "r") as f:
            labels = [CLASSES[i] for i in np.argmax(f["Y"][...], axis=1)]
            snr = f["snr_db"][...]
            est = f["snr_estimated"][...]
        self.assertEqual(labels, ["BPSK"] * 2 + ["QPSK"] * 4 + ["GFSK"] * 2 + ["QPSK"])
        np.testing.assert_array_equal(snr[:8], [3, 3, 7, 7, 7, 7, 3, 3])
        np.testing.assert_array_equal(est, [0] * 8 + [1])

    def test_tags_override_and_mixed_or_unknown_frames_are_skipped(self):
        out = self.path("tags.h5")
        x = noise(12 * L, seed=1)
        tags = [tag(2 * L, "amr_label", pmt.intern("GFSK")),
                tag(2 * L, "amr_snr", pmt.from_double(11.0)),
                tag(4 * L, "amr_label", pmt.PMT_NIL),            # release: parameter
                tag(6 * L + L // 2, "amr_label", pmt.intern("QPSK")),  # inside frame 6
                tag(8 * L, "amr_label", pmt.intern("FOO")),       # not a class
                tag(9 * L, "amr_label", pmt.intern("")),          # release
                ]
        sink = self.capture(x, tags, path=out, classes=CLASSES, frame_length=L,
                            label="BPSK", snr_db=1.0)
        with h5py.File(out, "r") as f:
            labels = [CLASSES[i] for i in np.argmax(f["Y"][...], axis=1)]
            ids = f["capture_id"][...] // L
            snr = f["snr_db"][...]
            est = f["snr_estimated"][...]
        np.testing.assert_array_equal(ids, [0, 1, 2, 3, 4, 5, 7, 9, 10, 11])
        self.assertEqual(labels, ["BPSK", "BPSK", "GFSK", "GFSK", "BPSK", "BPSK", "QPSK",
                                  "BPSK", "BPSK", "BPSK"])
        np.testing.assert_array_equal(snr[[0, 1, 2, 3, 4]], [1, 1, 11, 11, 1])
        self.assertEqual(est[6], 1)  # the QPSK tag came without amr_snr
        stats = json.loads(sink.stats())
        self.assertEqual(stats["mixed"], 1)
        self.assertEqual(stats["unknown_class"], 1)

    def test_unknown_labels_extend_the_class_list_when_allowed(self):
        out = self.path("extend.h5")
        x = noise(4 * L, seed=2)
        tags = [tag(2 * L, "amr_label", pmt.intern("OOK"))]
        sink = self.capture(x, tags, path=out, classes=["BPSK"], frame_length=L,
                            label="BPSK", snr_db=0.0, extend_classes=True)
        self.assertEqual(sink.classes(), ["BPSK", "OOK"])
        ds = amrcompress.dataset_reader(out)
        self.assertEqual(ds.info.classes, ["BPSK", "OOK"])
        np.testing.assert_array_equal(ds.labels, [0, 0, 1, 1])
        with self.assertRaises(ValueError):  # a label parameter outside the list
            amrcompress.dataset_sink(self.path("bad_label.h5"), ["BPSK"], L, label="QAM16")

    def test_energy_gate_keeps_the_bursts(self):
        out = self.path("gate.h5")
        frames = 400
        x = noise(frames * L, 1.0, seed=3)
        bursts = list(range(150, 170)) + list(range(300, 305))
        rng = np.random.default_rng(4)
        for b in bursts:  # 10 dB above the noise
            tone = np.exp(2j * np.pi * 0.05 * np.arange(L) + 1j * rng.uniform(0, 6))
            x[b * L:(b + 1) * L] += (np.sqrt(10.0) * tone).astype(np.complex64)
        sink = self.capture(x, path=out, classes=CLASSES, frame_length=L, label="BPSK",
                            gate_db=6.0, floor_frames=100)
        with h5py.File(out, "r") as f:
            kept = list(f["capture_id"][...] // L)
            est = f["snr_db"][...]
        self.assertEqual(kept, bursts)
        # The tone is 10 dB above the noise: the spectral estimate agrees.
        self.assertLess(abs(np.mean(est) - 10.0), 1.5)
        stats = json.loads(sink.stats())
        self.assertEqual(stats["gated"], frames - len(bursts))
        self.assertLess(abs(stats["noise_floor_db"]), 1.5)

    def test_radio_metadata_from_uhd_style_tags(self):
        out = self.path("radio.h5")
        x = noise(10 * L, seed=5)
        tags = [tag(0, "rx_time", pmt.make_tuple(pmt.from_uint64(1700000000),
                                                 pmt.from_double(0.25))),
                tag(0, "rx_rate", pmt.from_double(1e6)),
                tag(0, "rx_freq", pmt.from_double(2.4e9)),
                tag(5 * L, "rx_freq", pmt.from_double(915e6))]
        self.capture(x, tags, path=out, classes=CLASSES, frame_length=L, label="QPSK",
                     snr_db=5.0, hop=2 * L)
        with h5py.File(out, "r") as f:
            t = f["capture_time"][...]
            fc = f["center_freq"][...]
            ids = f["capture_id"][...]
            self.assertEqual(f.attrs["sample_rate"], 1e6)
            self.assertEqual(f.attrs["center_freq"], 915e6)
        np.testing.assert_array_equal(ids, np.arange(0, 10 * L - L + 1, 2 * L))
        np.testing.assert_allclose(t, 1700000000.25 + ids / 1e6, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(fc, np.where(ids >= 5 * L, 915e6, 2.4e9))

    def test_quota_and_rotation_end_the_capture(self):
        base = self.path("rot.h5")
        tb = gr.top_block()
        src = amrcompress.dataset_source(self.data, repeat=True)  # endless
        sink = amrcompress.dataset_sink(base, CLASSES, L, class_quota=4, max_frames=5,
                                        rotate=True, backpressure=True)
        tb.connect(src, sink)
        tb.run()  # ends when every class has its quota
        files = sink.files()
        self.assertEqual([os.path.basename(f) for f in files],
                         ["rot_0000.h5", "rot_0001.h5", "rot_0002.h5"])
        sizes, labels = [], []
        for f in files:
            ds = amrcompress.dataset_reader(f)
            sizes.append(len(ds))
            labels += list(ds.labels)
        self.assertEqual(sizes, [5, 5, 2])
        self.assertEqual(np.bincount(labels).tolist(), [4, 4, 4])
        # Without rotation the file limit ends the capture.
        tb = gr.top_block()
        src = amrcompress.dataset_source(self.data, repeat=True)
        sink = amrcompress.dataset_sink(self.path("limit.h5"), CLASSES, L, max_frames=7,
                                        backpressure=True)
        tb.connect(src, sink)
        tb.run()
        self.assertEqual(len(amrcompress.dataset_reader(self.path("limit.h5"))), 7)

    def test_thinning_and_hop(self):
        out = self.path("thin.h5")
        x = noise(100 * L, seed=6)
        sink = self.capture(x, path=out, classes=CLASSES, frame_length=L, hop=L // 2,
                            keep_one_in=10, label="GFSK", snr_db=0.0)
        with h5py.File(out, "r") as f:
            ids = f["capture_id"][...]
            X = f["X"][...]
        candidates = (100 * L - L) // (L // 2) + 1
        np.testing.assert_array_equal(ids, np.arange(0, candidates, 10) * (L // 2))
        for i, first in enumerate(ids):  # hop < L: overlapping frames hold the right samples
            np.testing.assert_array_equal(X[i, :, 0] + 1j * X[i, :, 1], x[first:first + L])
        self.assertEqual(json.loads(sink.stats())["thinned"], candidates - len(ids))

    def test_append_keeps_earlier_frames(self):
        out = self.path("append.h5")
        for seed in (7, 8):
            self.capture(noise(3 * L, seed=seed), path=out, classes=CLASSES, frame_length=L,
                         label="BPSK", snr_db=0.0)
        self.assertEqual(len(amrcompress.dataset_reader(out)), 6)
        with self.assertRaises(ValueError):
            amrcompress.dataset_sink(out, CLASSES, L, if_exists="fail")

    def test_sigkill_leaves_every_flushed_frame(self):
        for round_, wait_for in enumerate((200, 1500, 4000)):
            out = self.path("kill%d.h5" % round_)
            p = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, out],
                                 stdout=subprocess.PIPE, text=True)
            flushed = 0
            deadline = time.time() + 60
            for line in p.stdout:
                if line.startswith("flushed"):
                    flushed = int(line.split()[1])
                    if flushed >= wait_for or time.time() > deadline:
                        break
            p.send_signal(signal.SIGKILL)
            p.wait()
            p.stdout.close()
            self.assertGreaterEqual(flushed, wait_for)
            with h5py.File(out, "r") as f:  # opens with plain h5py after the kill
                X = f["X"][...]
                Y = f["Y"][...]
                ids = f["capture_id"][...]
                n = len(X)
                self.assertEqual(len(Y), n)
                self.assertEqual(len(ids), n)
            self.assertGreaterEqual(n, flushed)
            self.assertTrue(np.all(Y.sum(axis=1) == 1))
            np.testing.assert_array_equal(ids, np.arange(n) * L)
            expected = (ids[:, None] + np.arange(L)[None, :]) % (1 << 20)
            np.testing.assert_array_equal(X[:, :, 0], expected)  # no garbage frame
            self.assertEqual(len(amrcompress.dataset_reader(out)), n)

    def test_bad_path_is_refused_at_construction(self):
        with self.assertRaisesRegex(ValueError, "No such file or directory"):
            amrcompress.dataset_sink("/nonexistent-dir/capture.h5", CLASSES, L)
        with self.assertRaisesRegex(ValueError, "frame length"):
            amrcompress.dataset_sink(self.path("x.h5"), CLASSES, 4)
        with self.assertRaisesRegex(ValueError, "class list"):
            amrcompress.dataset_sink(self.path("x.h5"), [], L)

    def test_full_disk_keeps_the_flushed_frames(self):
        out = self.path("full.h5")
        # A disk with 2 MB left: the preloaded library fails pwrite (what HDF5
        # writes with) with ENOSPC once that much has been written.
        env = dict(os.environ, LD_PRELOAD=os.environ["AMR_ENOSPC_PRELOAD"],
                   AMR_ENOSPC_AFTER=str(2 * 1024 * 1024))
        r = subprocess.run([sys.executable, "-c", DISK_FULL_SCRIPT, out], capture_output=True,
                           text=True, timeout=120, env=env)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        flushed = int(r.stdout.split("FLUSHED")[1].split()[0])
        self.assertIn("disk full", r.stdout + r.stderr)
        self.assertGreater(flushed, 100)
        with h5py.File(out, "r") as f:
            n = len(f["X"])
            self.assertTrue(np.all(np.isfinite(f["X"][...])))
            self.assertTrue(np.all(f["Y"][...].sum(axis=1) == 1))
            self.assertEqual(len(f["snr_db"]), n)
        self.assertEqual(n, flushed)


if __name__ == "__main__":
    gr_unittest.run(qa_dataset_sink)

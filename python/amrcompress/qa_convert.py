#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Tests of `amr convert`: RML2016.10a pickle -> dataset, dataset <-> SigMF.

The tool is run as a subprocess (qa_helpers); set AMR_TOOL to its path
(default: amr on PATH). Every file lives in a temporary directory.
"""

import io
import json
import os
import pickle
import pickletools
import shutil
import struct
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from gnuradio import gr_unittest
from qa_helpers import AMR, amr_run

RML2016_ORDER = ["8PSK", "AM-DSB", "AM-SSB", "BPSK", "CPFSK", "GFSK",
                 "PAM4", "QAM16", "QAM64", "QPSK", "WBFM"]

REFUSAL = "refusing the pickle, nothing was executed"

N_PER_CELL = 7
FRAME_LEN = 16


def describe(proc):
    return ("exit code %d\n--- stdout ---\n%s--- stderr ---\n%s"
            % (proc.returncode, proc.stdout, proc.stderr))


def class_names(h5file):
    return [c.decode() if isinstance(c, bytes) else str(c)
            for c in h5file.attrs["classes"]]


def expected_class_order(names):
    names = set(names)
    known = [c for c in RML2016_ORDER if c in names]
    return known + sorted(names - set(RML2016_ORDER))


def make_cells(seed=7):
    """{(mod, snr): float32 [n, 2, L]} with 3 classes (one non-RML) and 2 SNRs.

    Keys are inserted in a scrambled order so the converter's sorting is
    tested. The first BPSK cell holds frames made of every byte value
    (0x00..0xff, all finite floats), which exercises the escaping of protocol 0 and the latin-1
    round trip of _codecs.encode.
    """
    rng = np.random.default_rng(seed)
    cells = {}
    for key in [("ZZZ", 4), ("QPSK", 4), ("BPSK", 4),
                ("ZZZ", -2), ("BPSK", -2), ("QPSK", -2)]:
        cells[key] = rng.standard_normal(
            (N_PER_CELL, 2, FRAME_LEN)).astype(np.float32)
    # Every byte value once; the second frame runs backwards so that no word
    # is a NaN/Inf pattern (the dataset writer refuses non-finite samples).
    special = np.frombuffer(bytes(range(128)) + bytes(range(255, 127, -1)),
                            dtype="<f4").reshape(2, 2, FRAME_LEN)
    assert np.all(np.isfinite(special))
    cells[("BPSK", -2)][:2] = special
    return cells


def expected_rows(cells):
    """Expected (X [N, L, 2], labels [N], snr [N], classes) for a cell dict."""
    classes = expected_class_order(k[0] for k in cells)
    xs, labels, snrs = [], [], []
    for ci, c in enumerate(classes):
        for snr in sorted(s for (m, s) in cells if m == c):
            a = cells[(c, snr)]
            xs.append(np.transpose(a, (0, 2, 1)))   # [n, 2, L] -> [n, L, 2]
            labels += [ci] * a.shape[0]
            snrs += [snr] * a.shape[0]
    return (np.ascontiguousarray(np.concatenate(xs)), np.array(labels),
            np.array(snrs), classes)


class Py2StylePickler(pickle._Pickler):
    """Writes what Python 2's cPickle wrote: str and bytes as STRING (protocol
    0, repr-quoted) or SHORT_BINSTRING/BINSTRING (protocol >= 1), never via
    _codecs.encode. This is the form of the published RML2016.10a file."""

    dispatch = dict(pickle._Pickler.dispatch)

    def _save_py2_string(self, b):
        if self.proto == 0:
            # Python 2 repr of a str; bytes' repr is the same without the b.
            self.write(pickle.STRING + repr(b)[1:].encode("ascii") + b"\n")
        elif len(b) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(b)]) + b)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(b)) + b)

    def save_bytes(self, obj):
        self._save_py2_string(obj)

    def save_str(self, obj):
        self._save_py2_string(obj.encode("latin-1"))

    dispatch[bytes] = save_bytes
    dispatch[str] = save_str


def py2_style_dumps(obj, protocol):
    f = io.BytesIO()
    Py2StylePickler(f, protocol=protocol).dump(obj)
    return f.getvalue()


class Evil:
    """Pickles to a call of os.system(cmd)."""

    def __init__(self, cmd):
        self.cmd = cmd

    def __reduce__(self):
        return (os.system, (self.cmd,))


def _sbu(s):
    """SHORT_BINUNICODE opcode for s."""
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


class qa_convert(gr_unittest.TestCase):

    def setUp(self):
        self.assertTrue(shutil.which(AMR),
                        "amr tool not found at %s (set AMR_TOOL)" % AMR)
        self._tmp = tempfile.TemporaryDirectory(prefix="qa_convert_")
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    # ------------------------------------------------------------ helpers

    def path(self, name):
        return os.path.join(self.dir, name)

    def assert_dataset_matches(self, h5path, cells):
        x_exp, lab_exp, snr_exp, classes = expected_rows(cells)
        n, L = x_exp.shape[0], x_exp.shape[1]
        with h5py.File(h5path, "r") as f:
            self.assertEqual(class_names(f), classes)
            X, Y, Z, S = f["X"], f["Y"], f["Z"], f["snr_db"]
            self.assertEqual(X.shape, (n, L, 2))
            self.assertEqual(X.dtype, np.dtype("<f4"))
            self.assertEqual(Y.shape, (n, len(classes)))
            self.assertEqual(Y.dtype, np.dtype("<i8"))
            self.assertEqual(Z.shape, (n, 1))
            self.assertEqual(Z.dtype, np.dtype("<i8"))
            self.assertEqual(S.shape, (n,))
            self.assertEqual(S.dtype, np.dtype("<f4"))
            x = X[...]
            # Bit-exact (compares the float bit patterns).
            np.testing.assert_array_equal(x.view(np.uint32),
                                          x_exp.view(np.uint32))
            y = Y[...]
            np.testing.assert_array_equal(y, np.eye(len(classes),
                                                    dtype=np.int64)[lab_exp])
            np.testing.assert_array_equal(Z[...][:, 0], snr_exp)
            np.testing.assert_array_equal(S[...],
                                          snr_exp.astype(np.float32))

    def assert_failed_cleanly(self, proc, in_path, out_path, expect=None,
                              expect_files=None):
        """Exit code 1, a message naming the input, and no output left."""
        msg = describe(proc)
        self.assertEqual(proc.returncode, 1, msg)
        self.assertTrue(proc.stderr.strip(), msg)
        self.assertIn(in_path, proc.stderr, msg)
        if expect:
            self.assertIn(expect, proc.stderr, msg)
        self.assertFalse(os.path.exists(out_path), msg)
        self.assertFalse(os.path.exists(out_path + ".partial"), msg)
        if expect_files is not None:
            self.assertEqual(sorted(os.listdir(self.dir)),
                             sorted(expect_files), msg)

    def convert_ok(self, src, dst, *extra):
        proc = amr_run("convert", src, dst, *extra, cwd=self.dir)
        self.assertEqual(proc.returncode, 0, describe(proc))
        return proc

    def gen_small(self, name="gen.h5"):
        out = self.path(name)
        proc = amr_run("gen", "-o", out, "-n", 5, "--classes", "BPSK,QPSK",
                       "--snr-min", 0, "--snr-max", 4, cwd=self.dir)
        self.assertEqual(proc.returncode, 0, describe(proc))
        return out

    # ------------------------------------------------------------ 1. valid

    def test_001_valid_pickles(self):
        cells = make_cells()
        # Sanity of the expectation itself.
        self.assertEqual(expected_rows(cells)[3], ["BPSK", "QPSK", "ZZZ"])

        variants = [("py3-proto%d" % p, pickle.dumps(cells, protocol=p))
                    for p in (0, 1, 2, 3, 4)]
        variants += [("py2-proto0", py2_style_dumps(cells, 0)),
                     ("py2-proto2", py2_style_dumps(cells, 2))]
        for name, data in variants:
            with self.subTest(variant=name):
                # The pickle really is what we think (loads back to `cells`).
                back = pickle.loads(data, encoding="latin1")
                self.assertEqual(list(back.keys()), list(cells.keys()))
                for k in cells:
                    np.testing.assert_array_equal(
                        back[k].view(np.uint32), cells[k].view(np.uint32))
                if name == "py3-proto2":
                    self.assertIn(b"_codecs", data)
                if name.startswith("py2"):
                    self.assertNotIn(b"_codecs", data)

                src, dst = self.path(name + ".pkl"), self.path(name + ".h5")
                _write(src, data)
                self.convert_ok(src, dst)
                self.assertFalse(os.path.exists(dst + ".partial"))
                self.assert_dataset_matches(dst, cells)

    def test_002_class_order_and_suffixes(self):
        # RML names in the documented order first, then the other names
        # sorted: "AAA" and "CUSTOM" sort before "WBFM"/"GFSK" but come after
        # every RML name; "bpsk" is not "BPSK". .pickle and .dat work too.
        rng = np.random.default_rng(3)
        cells = {}
        for key in [("WBFM", 0), ("aaa", 0), ("8PSK", 2), ("Zeta", 0),
                    ("CUSTOM", 0), ("QAM16", 0), ("bpsk", 0), ("8PSK", -4),
                    ("AAA", 2), ("GFSK", 0), ("AM-SSB", 0), ("AAA", -6)]:
            cells[key] = rng.standard_normal((3, 2, 8)).astype(np.float32)
        self.assertEqual(expected_rows(cells)[3],
                         ["8PSK", "AM-SSB", "GFSK", "QAM16", "WBFM",
                          "AAA", "CUSTOM", "Zeta", "aaa", "bpsk"])
        for suffix in (".pickle", ".dat"):
            with self.subTest(suffix=suffix):
                src = self.path("order" + suffix)
                dst = self.path("order" + suffix + ".h5")
                _write(src, pickle.dumps(cells, protocol=2))
                self.convert_ok(src, dst)
                self.assert_dataset_matches(dst, cells)

    # ------------------------------------------------------------ 2. hostile

    def _assert_refused(self, name, data, marker):
        src, dst = self.path(name + ".pkl"), self.path(name + ".h5")
        _write(src, data)
        self.assertFalse(os.path.exists(marker))
        proc = amr_run("convert", src, dst, cwd=self.dir)
        try:
            self.assertFalse(os.path.exists(marker),
                             "the pickle's payload ran!\n" + describe(proc))
            self.assert_failed_cleanly(proc, src, dst, expect=REFUSAL)
        finally:
            # Each variant starts clean even if an earlier one failed.
            for p in (marker, src, dst, dst + ".partial"):
                if os.path.exists(p):
                    os.remove(p)

    def test_010_hostile_reduce_os_system(self):
        marker = self.path("MARKER")
        evil = Evil("touch " + marker)
        # Control: the payload is real (unpickling it in Python runs it).
        ctl_dir = tempfile.mkdtemp(dir=self.dir)
        ctl_marker = os.path.join(ctl_dir, "MARKER")
        ctl = os.path.join(ctl_dir, "ctl.pkl")
        _write(ctl, pickle.dumps(Evil("touch " + ctl_marker), protocol=2))
        subprocess.run([sys.executable, "-c",
                        "import pickle,sys; pickle.load(open(sys.argv[1],'rb'))",
                        ctl], check=True, timeout=60)
        self.assertTrue(os.path.exists(ctl_marker),
                        "control: the hostile pickle should run when loaded")

        for proto in (0, 2, 4):
            with self.subTest(protocol=proto):
                data = pickle.dumps(evil, protocol=proto)
                self.assertIn(b"system", data)
                self._assert_refused("evil%d" % proto, data, marker)

    def test_011_hostile_globals(self):
        marker = self.path("MARKER")
        m = marker.encode()
        expr = "__import__('os').system('touch %s')" % marker
        variants = {
            # GLOBAL builtins.eval(expr)
            "eval_global": b"cbuiltins\neval\n(V" + expr.encode() + b"\ntR.",
            # Python 2 spelling of the same
            "eval_py2": b"c__builtin__\neval\n(S'" + expr.replace(
                "'", "\\'").encode() + b"'\ntR.",
            # STACK_GLOBAL builtins.eval(expr), protocol 4
            "eval_stack_global": (b"\x80\x04" + _sbu("builtins") +
                                  _sbu("eval") + b"\x93" + _sbu(expr) +
                                  b"\x85R."),
            # GLOBAL subprocess.Popen(['touch', marker])
            "popen": b"csubprocess\nPopen\n((Vtouch\nV" + m + b"\nltR.",
            # INST os.system('touch marker') (no GLOBAL opcode at all)
            "inst_system": b"(Vtouch " + m + b"\nios\nsystem\n.",
            # numpy itself has code runners: not part of the data structure
            "numpy_runstring": (b"cnumpy.testing._private.utils\nrunstring\n"
                                b"(V__import__('os').system('touch " + m +
                                b"')\n(dtR."),
            # An allowed name's module with a name that is not allowed
            # (no payload; only the refusal is checked)
            "numpy_load": b"cnumpy\nload\n(V" + m + b"\ntR.",
        }
        for name, data in variants.items():
            with self.subTest(variant=name):
                pickletools.dis(data, out=io.StringIO())  # well formed
                self._assert_refused(name, data, marker)

    def test_012_hostile_nested_in_valid_structure(self):
        marker = self.path("MARKER")
        evil = Evil("touch " + marker)
        good = make_cells()
        variants = {}
        d = dict(good)
        d[("QPSK", 8)] = evil                     # a value
        variants["value"] = d
        d = {("QPSK", 8): evil}                   # first entry, then valid
        d.update(good)
        variants["first_value"] = d
        d = dict(good)
        d[("QPSK", 8)] = [good[("BPSK", 4)], evil]  # inside a list value
        variants["in_list"] = d
        d = dict(good)
        d[("QPSK", evil)] = good[("BPSK", 4)]     # inside a key
        variants["in_key"] = d
        for name, obj in variants.items():
            for proto in (0, 2, 4):
                with self.subTest(variant=name, protocol=proto):
                    data = pickle.dumps(obj, protocol=proto)
                    self.assertIn(b"system", data)
                    self._assert_refused("%s_%d" % (name, proto), data, marker)

    # ------------------------------------------------------------ 3. structure

    def test_020_structural_errors(self):
        rng = np.random.default_rng(5)

        def arr(shape, dtype=np.float32):
            return rng.standard_normal(shape).astype(dtype)

        valid = pickle.dumps({("BPSK", 0): arr((7, 2, 16)),
                              ("QPSK", 0): arr((7, 2, 16))}, protocol=2)
        cases = {
            "top_level_list": pickle.dumps([arr((7, 2, 16))], protocol=2),
            "key_plain_string": pickle.dumps({"BPSK": arr((7, 2, 16))},
                                             protocol=2),
            "key_str_str": pickle.dumps({("BPSK", "0"): arr((7, 2, 16))},
                                        protocol=2),
            "float64": pickle.dumps({("BPSK", 0): arr((7, 2, 16),
                                                      np.float64)},
                                    protocol=2),
            "shape_n3L": pickle.dumps({("BPSK", 0): arr((7, 3, 16))},
                                      protocol=2),
            "shape_2d": pickle.dumps({("BPSK", 0): arr((7, 32))}, protocol=2),
            "different_L": pickle.dumps({("BPSK", 0): arr((7, 2, 16)),
                                         ("QPSK", 0): arr((7, 2, 32))},
                                        protocol=2),
            "value_list": pickle.dumps({("BPSK", 0): [1.0, 2.0]}, protocol=2),
            "truncated": valid[:len(valid) // 2],
            "truncated_proto0": pickle.dumps(
                {("BPSK", 0): arr((7, 2, 16))}, protocol=0)[:400],
            "empty": b"",
            "garbage_binary": bytes([0x00, 0x01, 0xfe, 0xff]) * 64,
            "garbage_text": b"this is not a pickle at all\n" * 10,
        }
        for name, data in cases.items():
            with self.subTest(case=name):
                src, dst = self.path(name + ".pkl"), self.path(name + ".h5")
                _write(src, data)
                proc = amr_run("convert", src, dst, cwd=self.dir)
                self.assert_failed_cleanly(proc, src, dst,
                                           expect_files=[name + ".pkl"])
                os.remove(src)

    # ------------------------------------------------------------ 4. SigMF

    def test_030_sigmf_round_trip(self):
        src = self.gen_small()
        base = self.path("rt")
        self.convert_ok(src, base + ".sigmf-meta")
        self.assertTrue(os.path.exists(base + ".sigmf-data"))
        with h5py.File(src, "r") as f:
            X, Y, S = f["X"][...], f["Y"][...], f["snr_db"][...]
            Z = f["Z"][...]
            classes = class_names(f)
        self.assertEqual(classes, ["BPSK", "QPSK"])
        n, L = X.shape[0], X.shape[1]
        self.assertEqual(n, 2 * 3 * 5)
        labels = np.argmax(Y, axis=1)

        with open(base + ".sigmf-meta") as fm:
            meta = json.load(fm)
        g = meta["global"]
        self.assertEqual(g["core:datatype"], "cf32_le")
        self.assertIn("core:version", g)
        self.assertEqual(g["amrcompress:classes"], classes)
        ann = meta["annotations"]
        self.assertEqual(len(ann), n)
        for i, a in enumerate(ann):
            self.assertEqual(a["core:sample_start"], i * L)
            self.assertEqual(a["core:sample_count"], L)
            self.assertEqual(a["core:label"], classes[labels[i]])
            self.assertEqual(np.float32(a["amrcompress:snr_db"]), S[i])

        self.assertEqual(os.path.getsize(base + ".sigmf-data"), n * L * 8)
        raw = np.fromfile(base + ".sigmf-data", dtype="<c8")
        np.testing.assert_array_equal(raw, (X[..., 0] + 1j * X[..., 1])
                                      .astype(np.complex64).ravel())

        back = self.path("back.h5")
        self.convert_ok(base + ".sigmf-meta", back)
        with h5py.File(back, "r") as f:
            self.assertEqual(class_names(f), classes)
            self.assertEqual(f["X"].shape, X.shape)
            np.testing.assert_array_equal(f["X"][...].view(np.uint32),
                                          X.view(np.uint32))
            np.testing.assert_array_equal(np.argmax(f["Y"][...], axis=1),
                                          labels)
            np.testing.assert_array_equal(f["Y"][...], Y)
            np.testing.assert_array_equal(f["snr_db"][...], S)
            np.testing.assert_array_equal(f["Z"][...], Z)

    def test_031_sigmf_round_trip_of_converted_pickle(self):
        cells = make_cells(seed=11)
        src, h5 = self.path("c.pkl"), self.path("c.h5")
        _write(src, pickle.dumps(cells, protocol=2))
        self.convert_ok(src, h5)
        self.convert_ok(h5, self.path("c.sigmf-meta"))
        back = self.path("c_back.h5")
        self.convert_ok(self.path("c.sigmf-meta"), back)
        self.assert_dataset_matches(back, cells)

    # ------------------------------------------------------------ 5. bad SigMF

    def test_040_sigmf_truncated_data(self):
        src = self.gen_small()
        base = self.path("t")
        self.convert_ok(src, base + ".sigmf-meta")
        data_path = base + ".sigmf-data"
        size = os.path.getsize(data_path)
        with open(data_path, "rb") as f:
            full = f.read()
        for name, cut in [("half", size // 2), ("one_sample", size - 8),
                          ("three_bytes", size - 3), ("empty", 0)]:
            with self.subTest(cut=name):
                _write(data_path, full[:cut])
                out = self.path("t_%s.h5" % name)
                proc = amr_run("convert", base + ".sigmf-meta", out,
                               cwd=self.dir)
                self.assert_failed_cleanly(proc, data_path, out)

    def test_041_sigmf_annotation_without_label(self):
        src = self.gen_small()
        base = self.path("nl")
        self.convert_ok(src, base + ".sigmf-meta")
        meta_path = base + ".sigmf-meta"
        with open(meta_path) as f:
            meta = json.load(f)
        del meta["annotations"][3]["core:label"]
        with open(meta_path, "w") as f:
            json.dump(meta, f)
        out = self.path("nl.h5")
        proc = amr_run("convert", meta_path, out, cwd=self.dir)
        self.assert_failed_cleanly(proc, meta_path, out, expect="core:label")

    # ------------------------------------------------------------ 6. overwrite

    def test_050_no_overwrite_without_force(self):
        cells = make_cells(seed=2)
        src, dst = self.path("o.pkl"), self.path("o.h5")
        _write(src, pickle.dumps(cells, protocol=2))
        _write(dst, b"precious, do not overwrite")

        proc = amr_run("convert", src, dst, cwd=self.dir)
        self.assertEqual(proc.returncode, 1, describe(proc))
        self.assertIn(dst, proc.stderr, describe(proc))
        with open(dst, "rb") as f:
            self.assertEqual(f.read(), b"precious, do not overwrite")
        self.assertFalse(os.path.exists(dst + ".partial"))

        for flag in ("--force", "-f"):
            with self.subTest(flag=flag):
                self.convert_ok(src, dst, flag)
                self.assert_dataset_matches(dst, cells)
                self.assertFalse(os.path.exists(dst + ".partial"))

    def test_051_sigmf_no_overwrite_without_force(self):
        src = self.gen_small()
        base = self.path("ow")
        _write(base + ".sigmf-meta", b"{}")
        proc = amr_run("convert", src, base + ".sigmf-meta", cwd=self.dir)
        self.assertEqual(proc.returncode, 1, describe(proc))
        with open(base + ".sigmf-meta", "rb") as f:
            self.assertEqual(f.read(), b"{}")
        self.convert_ok(src, base + ".sigmf-meta", "--force")
        with open(base + ".sigmf-meta") as f:
            self.assertEqual(json.load(f)["global"]["core:datatype"], "cf32_le")

        # SigMF -> existing dataset
        out = self.path("ow_back.h5")
        _write(out, b"precious")
        proc = amr_run("convert", base + ".sigmf-meta", out, cwd=self.dir)
        self.assertEqual(proc.returncode, 1, describe(proc))
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"precious")
        self.convert_ok(base + ".sigmf-meta", out, "--force")
        with h5py.File(out, "r") as f, h5py.File(src, "r") as g:
            np.testing.assert_array_equal(f["X"][...], g["X"][...])


if __name__ == '__main__':
    gr_unittest.run(qa_convert)

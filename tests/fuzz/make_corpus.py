#!/usr/bin/python3
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regenerates the seed corpus of the fuzz targets in tests/fuzz/corpus/.

    /usr/bin/python3 tests/fuzz/make_corpus.py [--out DIR]

Needs numpy and h5py (Debian: python3-numpy, python3-h5py; the python3 of a
virtualenv may lack them, hence /usr/bin/python3). Deterministic: the same
files every run (HDF5 files are written without timestamps). Every seed is
a small valid input (a few KB, < 20 KB) of the format its target reads, plus
a few near-valid variants that reach deeper refusals:

  corpus/fuzz_pickle/          RML2016-style dicts {(mod, snr): float32
                               [n, 2, L]}, pickle protocols 0-5 and the
                               Python 2 string form; other shapes and dtypes;
                               the data.pkl of tests/data/torchscript_tiny.pt
  corpus/fuzz_sigmf/           <meta JSON> NUL <data>: cf32_le and ci16_le
  corpus/fuzz_dataset_reader/  HDF5 in the RML2018 layout (X float32
                               [N, L, 2], Y one-hot [N, C], Z [N, 1], root
                               attribute classes), ours with every optional
                               dataset, and RML2018/RML2016 files without
                               attributes
  corpus/fuzz_model_meta/      amr_meta.json as model_info::to_json writes it
  corpus/fuzz_torchscript/     tests/data/torchscript_tiny.pt and variants
"""
import argparse
import io
import json
import os
import pickle
import shutil
import struct
import sys
import zipfile

import numpy as np

try:
    import h5py
except ImportError:  # pragma: no cover
    h5py = None

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
TINY_PT = os.path.join(REPO, "tests", "data", "torchscript_tiny.pt")
MAX_SEED = 20 * 1024

RML2016 = ["8PSK", "AM-DSB", "AM-SSB", "BPSK", "CPFSK", "GFSK", "PAM4",
           "QAM16", "QAM64", "QPSK", "WBFM"]


def rng(seed):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- pickles

class Py2StylePickler(pickle._Pickler):
    """str/bytes as Python 2's cPickle wrote them (STRING, SHORT_BINSTRING,
    BINSTRING), the form of the published RML2016.10a file."""

    dispatch = dict(pickle._Pickler.dispatch)

    def _save_py2_string(self, b):
        if self.proto == 0:
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


def py2_dumps(obj, protocol):
    f = io.BytesIO()
    Py2StylePickler(f, protocol=protocol).dump(obj)
    return f.getvalue()


def rml_cells(classes, snrs, n=2, L=8, seed=1):
    r = rng(seed)
    return {(c, s): r.standard_normal((n, 2, L)).astype(np.float32)
            for c in classes for s in snrs}


def pickle_seeds():
    out = {}
    cells = rml_cells(["BPSK", "QPSK", "ZZZ"], [-2, 4])
    for p in range(0, 6):
        out["rml2016_proto%d.pkl" % p] = pickle.dumps(cells, protocol=p)
    for p in (0, 2):
        out["rml2016_py2_proto%d.pkl" % p] = py2_dumps(cells, p)
    # One class of RML2016's own names, one cell: the smallest valid input.
    out["rml2016_one_cell.pkl"] = pickle.dumps(
        rml_cells(["WBFM"], [18], n=1, L=4), protocol=2)
    # Near-valid: the converter refuses these after parsing.
    r = rng(2)
    out["float64.pkl"] = pickle.dumps(
        {("BPSK", 0): r.standard_normal((1, 2, 4))}, protocol=2)
    out["big_endian.pkl"] = pickle.dumps(
        {("BPSK", 0): r.standard_normal((1, 2, 4)).astype(">f4")}, protocol=2)
    out["fortran.pkl"] = pickle.dumps(
        {("BPSK", 0): np.asfortranarray(
            r.standard_normal((2, 2, 4)).astype(np.float32))}, protocol=2)
    out["wrong_shape.pkl"] = pickle.dumps(
        {("BPSK", 0): r.standard_normal((2, 4)).astype(np.float32)}, protocol=4)
    out["mixed_lengths.pkl"] = pickle.dumps(
        {("BPSK", 0): np.zeros((1, 2, 4), np.float32),
         ("QPSK", 0): np.zeros((1, 2, 8), np.float32)}, protocol=3)
    out["int_key.pkl"] = pickle.dumps({5: np.zeros((1, 2, 4), np.float32)}, protocol=2)
    # Other structures the data-only interpreter accepts.
    out["containers.pkl"] = pickle.dumps(
        [1, -1, 2 ** 40, -2 ** 62, 1.5, True, None, b"raw", "text\u00e9",
         (1, 2), {"k": [3, 4]}, (), []], protocol=2)
    shared = [1, 2]
    out["memo_shared.pkl"] = pickle.dumps({"a": shared, "b": shared, "c": (shared,)},
                                          protocol=4)
    out["containers_proto0.pkl"] = pickle.dumps([{"a": (1, 2.5, "x")}, [None]], protocol=0)
    # The torchscript dialect: a real data.pkl and constants.pkl.
    if os.path.exists(TINY_PT):
        with zipfile.ZipFile(TINY_PT) as z:
            for n in z.namelist():
                if n.endswith("/data.pkl"):
                    out["torchscript_data.pkl"] = z.read(n)
                elif n.endswith("/constants.pkl"):
                    out["torchscript_constants.pkl"] = z.read(n)
    return out


# ---------------------------------------------------------------- SigMF

def sigmf_seed(labels, L, datatype="cf32_le", classes=None, extra_global=None,
               capture_meta=False, freq=None, seed=3):
    r = rng(seed)
    n = len(labels)
    if datatype == "cf32_le":
        data = r.standard_normal(n * L * 2).astype("<f4").tobytes()
    else:
        data = (r.standard_normal(n * L * 2) * 8000).astype("<i2").tobytes()
    g = {"core:datatype": datatype, "core:version": "1.0.0",
         "core:sample_rate": 200000.0, "core:description": "fuzz seed",
         "amrcompress:frame_length": L, "amrcompress:normalisation": "power",
         "amrcompress:source": "make_corpus.py"}
    if classes is not None:
        g["amrcompress:classes"] = classes
    if extra_global:
        g.update(extra_global)
    cap = {"core:sample_start": 0}
    if freq is not None:
        cap["core:frequency"] = freq
    anns = []
    for i, lab in enumerate(labels):
        a = {"core:sample_start": i * L, "core:sample_count": L,
             "core:label": lab, "amrcompress:snr_db": float(-4 + 2 * i)}
        if capture_meta:
            a["amrcompress:capture_time"] = 0.001 * i
            a["amrcompress:capture_id"] = 1000 + i
        anns.append(a)
    meta = {"global": g, "captures": [cap], "annotations": anns}
    return json.dumps(meta, indent=1).encode() + b"\0" + data


def sigmf_seeds():
    out = {}
    out["cf32_classes.sigmf"] = sigmf_seed(["BPSK", "QPSK", "BPSK"], 8,
                                           classes=["BPSK", "QPSK"], capture_meta=True,
                                           freq=915e6)
    out["cf32_rml_names.sigmf"] = sigmf_seed(["QPSK", "8PSK", "WBFM", "XYZ"], 4)
    out["ci16.sigmf"] = sigmf_seed(["AM-DSB", "GFSK"], 16, datatype="ci16_le")
    out["cf32_generator.sigmf"] = sigmf_seed(
        ["BPSK"], 8, classes=["BPSK"],
        extra_global={"amrcompress:generator": {"seed": 1, "snrs_db": [0, 2]}})
    # As dataset_to_sigmf writes it (annotations overlapping nothing, one capture).
    out["single_frame.sigmf"] = sigmf_seed(["QAM16"], 2)
    # Near-valid refusals.
    out["no_data.sigmf"] = sigmf_seed(["BPSK"], 8).split(b"\0")[0]
    out["truncated_data.sigmf"] = sigmf_seed(["BPSK", "QPSK"], 8)[:-40]
    out["bad_datatype.sigmf"] = sigmf_seed(["BPSK"], 4).replace(b'"cf32_le"', b'"ri8"')
    return out


# ---------------------------------------------------------------- HDF5

def write_h5(path, n, L, c, classes=None, ours=False, frame_meta=False,
             radio=False, fixed_strings=False, chunked=False, libver=None,
             compression=None, seed=4):
    r = rng(seed)
    # Through the low-level API so that the root group stores no timestamps
    # (its object header has them in the latest format): reproducible files.
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    if libver == "latest":
        fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    fid = h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    with h5py.File(fid) as f:
        x = r.standard_normal((n, L, 2)).astype("<f4")
        y = np.zeros((n, c), "<i8")
        for i in range(n):
            y[i, i % c] = 1
        z = np.array([[-4 + 2 * i] for i in range(n)], "<i8")

        def ds(name, data, maxshape=None):
            opts = {}
            if chunked:
                opts["chunks"] = data.shape if data.ndim else None
                opts["maxshape"] = maxshape or data.shape
                if compression:
                    opts["compression"] = compression
            f.create_dataset(name, data=data, track_times=False, **opts)

        ds("X", x, (None, L, 2) if chunked else None)
        ds("Y", y, (None, None) if chunked else None)
        ds("Z", z, (None, 1) if chunked else None)
        if ours:
            ds("snr_db", (z[:, 0] + 0.25).astype("<f4"), (None,) if chunked else None)
            f.attrs["amr_format"] = "gr-amrcompress dataset 1"
            f.attrs["sample_rate"] = 1e6
            f.attrs["center_freq"] = 0.0
            f.attrs["source"] = "make_corpus.py"
            f.attrs["normalisation"] = "l1"
            f.attrs["description"] = "fuzz seed"
            f.attrs["generator"] = json.dumps({"seed": 1})
        if frame_meta:
            ds("capture_time", np.arange(n, dtype="<f8") * 0.5, (None,) if chunked else None)
            ds("capture_id", np.arange(n, dtype="<i8") + 7, (None,) if chunked else None)
        if radio:
            ds("center_freq", np.full(n, 2.4e9, "<f8"), (None,) if chunked else None)
            ds("snr_estimated", np.arange(n, dtype="u1") % 2, (None,) if chunked else None)
            f.attrs["capture"] = json.dumps({"hop": 64})
        if classes is not None:
            if fixed_strings:
                f.attrs["classes"] = np.array([s.encode() for s in classes], "S")
            else:
                f.attrs.create("classes", classes, dtype=h5py.string_dtype("utf-8"))


def hdf5_seeds(tmp):
    out = {}
    if h5py is None:
        print("make_corpus.py: h5py missing, no HDF5 seeds", file=sys.stderr)
        return out
    specs = {
        "rml2018_layout_classes.h5": dict(n=4, L=8, c=3, classes=["BPSK", "QPSK", "8PSK"]),
        "ours_full.h5": dict(n=4, L=8, c=3, classes=["BPSK", "QPSK", "ZZZ"], ours=True,
                             frame_meta=True, radio=True),
        "ours_chunked.h5": dict(n=4, L=8, c=2, classes=["A", "B"], chunked=True),
        "ours_chunked_meta.h5": dict(n=4, L=8, c=2, classes=["A", "B"], frame_meta=True,
                                     chunked=True, libver="latest"),
        "ours_chunked_gzip.h5": dict(n=4, L=8, c=2, classes=["A", "B"], ours=True,
                                     chunked=True, compression="gzip"),
        "ours_latest_format.h5": dict(n=3, L=4, c=2, classes=["A", "B"], ours=True,
                                      chunked=True, libver="latest"),
        "fixed_string_classes.h5": dict(n=2, L=4, c=2, classes=["OOK", "4ASK"],
                                        fixed_strings=True),
        "rml2018_no_attrs.h5": dict(n=2, L=4, c=24),
        "rml2016_no_attrs.h5": dict(n=2, L=4, c=11),
        "empty_n0.h5": dict(n=0, L=4, c=2, classes=["A", "B"]),
    }
    for name, kw in specs.items():
        p = os.path.join(tmp, name)
        write_h5(p, **kw)
        with open(p, "rb") as f:
            out[name] = f.read()
    return out


# ---------------------------------------------------------------- models

def model_meta(arch, spec, classes, L, **more):
    m = {"amr_format": "gr-amrcompress model 1", "arch": arch, "spec": spec,
         "classes": classes, "frame_length": L, "normalisation": "l1",
         "input_layout": "float32 [B, 2, L]: row 0 = I, row 1 = Q",
         "params": 99979, "flops": 3510000.0, "embedding_dim": 128}
    m.update(more)
    return json.dumps(m, separators=(",", ":")).encode()


def model_meta_seeds():
    lite = {"arch": "cnn1d", "entry_kernel": 3, "kernel": 3,
            "stacks": [{"channels": 32, "units": [32, 32]}] * 6,
            "hidden": 128, "dropout": 0.3}
    cnn2d = {"arch": "cnn2d",
             "convs": [{"channels": 256, "kernel": [1, 3], "pad": [0, 2]},
                       {"channels": 80, "kernel": [2, 3], "pad": [0, 2]}],
             "hidden": 256, "dropout": 0.5}
    resnet = {"arch": "resnet", "stem": 16,
              "stages": [{"channels": c, "stride": s, "blocks": [c] * 9}
                         for c, s in ((16, 1), (32, 2), (64, 2))]}
    lstm = {"arch": "lstm", "hidden": 128, "layers": 2, "input": "ap"}
    return {
        "cnn1d_lite.json": model_meta("cnn1d", lite, RML2016, 128),
        "cnn2d.json": model_meta("cnn2d", cnn2d, ["BPSK", "QPSK"], 1024,
                                 normalisation="power", params=10, flops=1e9),
        "resnet56.json": model_meta("resnet", resnet, RML2016, 128,
                                    params=852795, flops=42230000.0, embedding_dim=64),
        "lstm.json": model_meta("lstm", lstm, ["AM", "FM", "\u00e9t\u00e9"], 64),
        "minimal.json": json.dumps({"arch": "x", "spec": {}, "classes": ["a", "b"],
                                    "frame_length": 2, "normalisation": "none"}).encode(),
        "no_frame_length.json": json.dumps({"arch": "x", "spec": {}, "classes": ["a", "b"],
                                            "normalisation": "l1"}).encode(),
    }


# ---------------------------------------------------------------- TorchScript

def rezip(src, dst_buf, compress=zipfile.ZIP_STORED, replace=None, add=None, drop=()):
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst_buf, "w") as zout:
        names = zin.namelist()
        for n in names:
            if any(n.endswith(d) for d in drop):
                continue
            data = replace.get(n.split("/", 1)[1], zin.read(n))
            zi = zipfile.ZipInfo(n, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = compress
            zout.writestr(zi, data)
        for rel, data in (add or {}).items():
            zi = zipfile.ZipInfo(names[0].split("/")[0] + "/" + rel,
                                 date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = compress
            zout.writestr(zi, data)


def torchscript_seeds():
    out = {}
    if not os.path.exists(TINY_PT):
        print("make_corpus.py: %s missing, no TorchScript seeds" % TINY_PT, file=sys.stderr)
        return out
    with open(TINY_PT, "rb") as f:
        out["torchscript_tiny.pt"] = f.read()
    meta = model_meta("cnn1d", {"arch": "cnn1d"}, ["BPSK", "QPSK"], 3)
    variants = {
        "stored_with_meta.pt": dict(replace={"extra/amr_meta.json": meta}),
        "deflated.pt": dict(compress=zipfile.ZIP_DEFLATED),
        "byteorder_little.pt": dict(add={"byteorder": b"little"}),
        "byteorder_big.pt": dict(add={"byteorder": b"big"}),
        # Only what read_torchscript reads: the smallest valid archive.
        "minimal.pt": dict(drop=(".py", ".debug_pkl", "constants.pkl", "version")),
        "no_meta.pt": dict(drop=("extra/amr_meta.json",)),
    }
    for name, kw in variants.items():
        buf = io.BytesIO()
        rezip(TINY_PT, buf, **kw)
        out[name] = buf.getvalue()
    return out


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    args = ap.parse_args()
    tmp = os.path.join(args.out, ".tmp")
    os.makedirs(tmp, exist_ok=True)
    try:
        groups = {
            "fuzz_pickle": pickle_seeds(),
            "fuzz_sigmf": sigmf_seeds(),
            "fuzz_dataset_reader": hdf5_seeds(tmp),
            "fuzz_model_meta": model_meta_seeds(),
            "fuzz_torchscript": torchscript_seeds(),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for target, seeds in groups.items():
        d = os.path.join(args.out, target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in sorted(seeds.items()):
            if len(data) > MAX_SEED:
                sys.exit("make_corpus.py: seed %s/%s is %d bytes (> %d)"
                         % (target, name, len(data), MAX_SEED))
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print("%-22s %2d seeds, %6d bytes" % (target, len(seeds),
                                              sum(len(v) for v in seeds.values())))


if __name__ == "__main__":
    main()

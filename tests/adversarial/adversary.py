#!/usr/bin/python3
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Seeded adversarial test suite for the `amr` tool (see README.md here).

Every trial is one hostile (or, for valid_control, untouched) input and one
`amr` command, run with a timeout in its own process group and classified:

  crash    killed by a signal                      (always a failure)
  hang     timed out; the process group is killed  (always a failure)
  silent   exit 0 on invalid input                 (failure)
  unnamed  refused, but the error does not name the offending file (failure)
  unclear  refused with a raw exception: first stderr line a backtrace
           ("Exception raised from ...", "frame #"), std::bad_alloc, ...
  refused  a valid input was refused (false refusal; failure)
  wrong    exit 0 but the output is wrong (failure)
  exec     a hostile pickle created its marker file (failure)
  ok       the expected outcome

Usage:
  /usr/bin/python3 tests/adversarial/adversary.py --amr build/apps/amr \
      --workdir /tmp/adv --seed 1 --trials 60 [--json out.json] \
      [--classes hdf5_flip,labels] [--timeout 20]

Exit status: 0 if no trial failed, 1 if any did, 2 if the setup failed.
Needs numpy and h5py (and torch for the bad_model_output models), i.e.
/usr/bin/python3 on Debian.
"""

import argparse
import hashlib
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time

SETUP_VERSION = 4
PY = sys.executable or "/usr/bin/python3"
HERE = os.path.abspath(__file__)

CLASSES = [
    "hdf5_flip", "deep_json", "deep_pickle", "overflow_pickle", "bad_model_output",
    "fifo_and_dirs", "labels", "index", "dynamics", "sigmf", "zero_frames",
    "pickle_proto5", "huge_claims", "valid_control",
]
FAILURES = ["crash", "hang", "silent", "unnamed", "unclear", "refused", "wrong", "exec"]
COLUMNS = ["trials"] + FAILURES + ["ok", "skipped"]


# ---------------------------------------------------------------------------
# Running a command


class Result:
    def __init__(self, rc, timed_out, out, err, secs):
        self.rc = rc
        self.timed_out = timed_out
        self.out = out
        self.err = err
        self.secs = secs

    @property
    def signal_name(self):
        if self.rc is not None and self.rc < 0:
            try:
                return signal.Signals(-self.rc).name
            except ValueError:
                return "signal %d" % -self.rc
        return ""


def _limits(mem_mb, fsize_mb):
    def f():
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if mem_mb > 0:
            b = mem_mb << 20
            resource.setrlimit(resource.RLIMIT_AS, (b, b))
        if fsize_mb > 0:
            b = fsize_mb << 20
            resource.setrlimit(resource.RLIMIT_FSIZE, (b, b))
    return f


def run(argv, cwd, timeout, mem_mb=4096, fsize_mb=2048, env=None):
    """Run argv in its own session with resource limits; kill the group on timeout."""
    e = dict(os.environ)
    e.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"})
    if env:
        e.update(env)
    waited = 0
    while True:
        t0 = time.monotonic()
        try:
            p = subprocess.Popen([str(a) for a in argv], cwd=cwd, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e,
                                 start_new_session=True, preexec_fn=_limits(mem_mb, fsize_mb))
            break
        except OSError as ex:
            # the tool is being relinked by a concurrent build: wait for it (bounded)
            if waited >= 1200:
                raise
            sys.stderr.write("adversary: cannot start %s (%s); retrying in 30 s\n" % (
                argv[0], ex))
            time.sleep(30)
            waited += 30
    timed_out = False
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            out, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            out, err = b"", b""
    finally:
        # whatever the child left in its group (amr-plot, ...) goes too
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return Result(p.returncode, timed_out, out.decode("utf-8", "replace"),
                  err.decode("utf-8", "replace"), time.monotonic() - t0)


def stderr_lines(err):
    return [ln.strip() for ln in re.split(r"[\r\n]+", err) if ln.strip()]


# ---------------------------------------------------------------------------
# Classification

ENVFAIL = re.compile(r"cannot run \S*amr-ml[^\n]*|error while loading shared libraries[^\n]*|"
                     r"Text file busy")
ERRWORDS = re.compile(r"error|exception|what\(\)|terminate|fail|cannot|can't|refus|invalid|"
                      r"not a|too |overflow|warn", re.I)


def names_of(paths):
    out = set()
    for p in paths:
        p = str(p)
        out.add(p)
        out.add(os.path.abspath(p))
        b = os.path.basename(p.rstrip("/"))
        if b:
            out.add(b)
        for ext in (".sigmf-meta", ".sigmf-data"):
            if p.endswith(ext):  # a SigMF pair may be named by its stem
                out.add(p[:-len(ext)])
                out.add(b[:-len(ext)])
        if os.path.islink(p):
            t = os.readlink(p)
            out.add(t)
            out.add(os.path.basename(t))
    return {n for n in out if n}


def message_names(err, paths):
    """The error message (lines that look like errors, and the last line) names a file."""
    lines = stderr_lines(err)
    if not lines:
        return False
    cand = [ln for ln in lines if ERRWORDS.search(ln)] + [lines[-1]]
    names = names_of(paths)
    return any(n in ln for ln in cand for n in names)


def unclear_reason(err):
    lines = stderr_lines(err)
    if lines and (lines[0].startswith("Exception raised from") or "frame #" in lines[0]):
        return "first stderr line is a backtrace"
    if lines and lines[0].startswith("HDF5-DIAG"):
        return "first stderr line is libhdf5's error stack"
    # raw C++ exception texts instead of a message
    for pat in ("bad_alloc", "terminate called", "std::length_error", "basic_string::",
                "vector::_M", "vector::reserve", "bad_array_new_length"):
        if pat in err:
            return "stderr has '%s'" % pat
    return ""


def classify(t, r, ctx):
    """Return (outcome, note)."""
    if t.get("marker") and os.path.exists(t["marker"]):
        return "exec", "marker file created: the pickle ran code"
    if r.timed_out:
        return "hang", "timed out after %.0f s" % r.secs
    if r.rc < 0:
        return "crash", "killed by " + r.signal_name
    if t.get("post"):
        ok, note = t["post"]()
        if not ok:
            return "wrong", note
    exp = t["expect"]
    if exp == "accept":
        if r.rc != 0:
            return "refused", "exit %d on a valid input" % r.rc
        if t.get("verify"):
            ok, note = t["verify"]()
            if not ok:
                return "wrong", note
        return "ok", ""
    if r.rc == 0:
        if exp == "either":
            if t.get("verify"):
                ok, note = t["verify"]()
                if not ok:
                    return "wrong", note
            return "ok", "accepted"
        if exp == "warn":
            if message_names(r.err, t["offending"]) and re.search(r"warn|differ|other|mismatch",
                                                                  r.err, re.I):
                return "ok", "accepted with a warning"
            return "silent", "exit 0, no warning"
        if exp == "flip":
            res = ctx.h5check(t["flipped"])
            probs = [p for p in res.get("problems", []) if p["part"] in t["relevant"]]
            if not res.get("checked"):
                return "silent", "exit 0, but h5py cannot read it: " + res.get("error", "?")
            if probs:
                return "silent", "exit 0, but h5py: " + "; ".join(p["what"] for p in probs[:3])
            return "ok", "accepted; h5py finds the data valid"
        return "silent", "exit 0 on invalid input"
    u = unclear_reason(r.err)
    if u:
        return "unclear", u
    if not message_names(r.err, t["offending"]):
        return "unnamed", "error does not name " + ", ".join(
            os.path.basename(str(p)) for p in t["offending"])
    return "ok", "refused"


# ---------------------------------------------------------------------------
# Helpers run in a subprocess (h5py and torch can crash on hostile files)


def helper_h5check(path):
    """Print JSON: can h5py read X/Y/Z/snr_db/classes, and are they valid?"""
    import numpy as np
    import h5py
    probs = []

    def bad(part, what):
        probs.append({"part": part, "what": what})

    try:
        f = h5py.File(path, "r")
        X, Y, Z = f["X"], f["Y"], f["Z"]
        n = X.shape[0]
        if X.ndim != 3 or X.shape[2] != 2 or X.dtype.kind != "f":
            bad("X", "X shape %s dtype %s" % (X.shape, X.dtype))
        if n > 10 ** 6:
            bad("X", "X claims %d frames" % n)
        else:
            for s in range(0, n, 4096):
                x = X[s:s + 4096]
                if not np.all(np.isfinite(x)):
                    bad("X", "X has NaN/Inf near frame %d" % s)
                    break
        y = Y[...]
        if y.ndim != 2 or y.shape[0] != n:
            bad("Y", "Y shape %s" % (y.shape,))
        else:
            ok = np.all((y == 0) | (y == 1), axis=1) & (y.sum(axis=1) == 1)
            if not ok.all():
                bad("Y", "Y row %d is not one-hot" % int(np.argmin(ok)))
        z = Z[...]
        if z.shape[0] != n or not np.all(np.isfinite(z.astype("f8"))):
            bad("Z", "Z shape %s or not finite" % (z.shape,))
        if "snr_db" in f:
            s = f["snr_db"][...]
            if s.shape[0] != n or not np.all(np.isfinite(s)):
                bad("snr", "snr_db shape %s or not finite" % (s.shape,))
        if "classes" in f.attrs:
            c = [x.decode() if isinstance(x, bytes) else str(x) for x in f.attrs["classes"]]
            if len(set(c)) != len(c) or (y.ndim == 2 and len(c) != y.shape[1]):
                bad("classes", "classes %r do not fit Y" % (c[:4],))
        out = {"checked": True, "problems": probs}
    except Exception as e:  # noqa: BLE001 (any failure to read is a finding)
        out = {"checked": False, "error": "%s: %s" % (type(e).__name__, str(e)[:200])}
    print(json.dumps(out))


def helper_h5compare(path, npz):
    """Print JSON {ok, note}: does dataset `path` hold the frames/labels of `npz`?"""
    import numpy as np
    import h5py
    ref = np.load(npz, allow_pickle=False)
    try:
        f = h5py.File(path, "r")
        X = f["X"][...]
        y = f["Y"][...].argmax(1)
        z = f["Z"][...].reshape(-1)
        cl = [c.decode() if isinstance(c, bytes) else str(c) for c in f.attrs["classes"]]
        note = []
        if X.shape != ref["X"].shape or not np.array_equal(X, ref["X"]):
            note.append("X differs (shape %s vs %s)" % (X.shape, ref["X"].shape))
        rc = list(ref["classes"])
        if [cl[i] for i in y] != [rc[i] for i in ref["Y"].argmax(1)]:
            note.append("labels differ")
        if not np.array_equal(z, ref["Z"].reshape(-1)):
            note.append("SNRs differ")
        print(json.dumps({"ok": not note, "note": "; ".join(note)}))
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"ok": False, "note": "%s: %s" % (type(e).__name__, e)}))


def helper_make_models(outdir, real):
    """Write TorchScript models with bad forward() outputs and amr's metadata."""
    import zipfile
    from typing import List
    import torch

    with zipfile.ZipFile(real) as z:
        name = [n for n in z.namelist() if n.endswith("extra/amr_meta.json")][0]
        meta = json.loads(z.read(name))
    inner = torch.jit.load(real)

    class Bad(torch.nn.Module):
        classes: List[str]

        def __init__(self, mode: int, m: dict):
            super().__init__()
            self.inner = inner
            self.mode = mode
            self.classes = list(m["classes"])
            self.frame_length = int(m["frame_length"])
            self.normalisation = str(m["normalisation"])
            self.input_layout = str(m.get("input_layout", "float32 [B, 2, L]"))
            self.arch = str(m["arch"])
            self.spec = json.dumps(m["spec"])
            self.amr_format = str(m.get("amr_format", "gr-amrcompress model 1"))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.inner(x)
            if self.mode == 1:
                return y[:1]
            if self.mode == 2:
                return y * float("nan")
            if self.mode == 3:
                return y * float("inf")
            if self.mode == 4:
                return torch.cat([y, y[:, :1]], 1)
            if self.mode == 5:
                return y[:, 1:]
            if self.mode == 6:
                return y.unsqueeze(2)
            if self.mode == 7:
                return (y * 1000.0).to(torch.int64)
            if self.mode == 8:
                raise RuntimeError("adversary: forward() refuses to run")
            if self.mode == 9:
                return torch.cat([y, y[:1]], 0)
            if self.mode == 10:
                return y[:, 0]
            return y

        @torch.jit.export
        def features(self, x: torch.Tensor) -> torch.Tensor:
            return self.inner.features(x)

    custom = dict(meta)
    custom["arch"] = "custom"
    custom["spec"] = {}
    os.makedirs(outdir, exist_ok=True)
    for mode, label in MODEL_MODES:
        for mk, m in (("zoo", meta), ("custom", custom)):
            sm = torch.jit.script(Bad(mode, m))
            torch.jit.save(sm, os.path.join(outdir, "model-%s-%s.pt" % (label, mk)),
                           _extra_files={"amr_meta.json": json.dumps(m)})
    print("ok")


MODEL_MODES = [(0, "good"), (1, "onerow"), (2, "nan"), (3, "inf"), (4, "plus1class"),
               (5, "minus1class"), (6, "threed"), (7, "int64"), (8, "raises"),
               (9, "batchplus1"), (10, "onedim")]


# ---------------------------------------------------------------------------
# Pickle emitter (protocol 2, as Python 3 writes numpy arrays, or as Python 2 did)


def p_int(n):
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if 0 <= n < 65536:
        return b"M" + struct.pack("<H", n)
    if -2 ** 31 <= n < 2 ** 31:
        return b"J" + struct.pack("<i", n)
    nb = (n.bit_length() + 8) // 8
    return b"\x8a" + bytes([nb]) + n.to_bytes(nb, "little", signed=True)


def p_ustr(s):
    b = s.encode("utf-8", "surrogatepass")
    return b"X" + struct.pack("<I", len(b)) + b


def p_bstr(b):
    return (b"U" + bytes([len(b)]) + b) if len(b) < 256 else (b"T" + struct.pack("<I", len(b)) + b)


def p_glob(mod, name):
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def p_tup(*items):
    return b"(" + b"".join(items) + b"t"


def p_bytes(b, py2=False):
    if py2:
        return p_bstr(b)
    return p_glob("_codecs", "encode") + p_tup(p_ustr(b.decode("latin1")), p_ustr("latin1")) + b"R"


def p_str(s, py2=False):
    return p_bstr(s.encode()) if py2 else p_ustr(s)


def p_dtype(dt="f4", order="<", py2=False):
    return (p_glob("numpy", "dtype") + p_tup(p_str(dt, py2), b"\x89", b"\x88") + b"R" +
            p_tup(p_int(3), p_str(order, py2), b"N", b"N", b"N", p_int(-1), p_int(-1), p_int(0)) +
            b"b")


def p_ndarray(shape, data, dt="f4", py2=False, cls=("numpy", "ndarray")):
    return (p_glob("numpy.core.multiarray", "_reconstruct") +
            p_tup(p_glob(*cls), p_tup(p_int(0)), p_bytes(b"b", py2)) + b"R" +
            p_tup(p_int(1), p_tup(*[p_int(s) for s in shape]), p_dtype(dt, "<", py2), b"\x89",
                  p_bytes(data, py2)) + b"b")


def p_dict(pairs):
    return b"}(" + b"".join(k + v for k, v in pairs) + b"u"


def p_key(mod, snr, py2=False):
    return p_tup(p_str(mod, py2), p_int(snr))


def p_wrap(body):
    return b"\x80\x02" + body + b"."


# ---------------------------------------------------------------------------
# Context: setup artefacts and shared helpers


class Ctx:
    def __init__(self, args):
        self.args = args
        self.amr = os.path.abspath(args.amr)
        self.work = os.path.abspath(args.workdir)
        self.setup = os.path.join(self.work, "setup")
        self.trials_dir = os.path.join(self.work, "trials")
        self.inputs = os.path.join(self.work, "inputs")
        self.timeout = args.timeout
        self.mem = args.mem_limit_mb
        self._h5cache = {}

    def S(self, *p):
        return os.path.join(self.setup, *p)

    def py(self, args, timeout=60):
        return run([PY, HERE] + list(args), cwd=self.work, timeout=timeout, mem_mb=self.mem)

    def h5check(self, path):
        if path not in self._h5cache:
            r = self.py(["--helper", "h5check", path], timeout=60)
            try:
                self._h5cache[path] = json.loads(r.out.strip().splitlines()[-1])
            except (ValueError, IndexError):
                self._h5cache[path] = {"checked": False, "error": "h5py check %s" % (
                    "timed out" if r.timed_out else "died: rc %s %s" % (r.rc, r.signal_name))}
        return self._h5cache[path]

    def h5compare(self, path, npz):
        def f():
            if not os.path.exists(path):
                return False, "no output file " + os.path.basename(path)
            r = self.py(["--helper", "h5compare", path, npz], timeout=60)
            try:
                d = json.loads(r.out.strip().splitlines()[-1])
            except (ValueError, IndexError):
                return False, "h5py cannot read the output (rc %s)" % r.rc
            return d["ok"], d["note"]
        return f

    # --- setup ------------------------------------------------------------

    def stamp(self):
        st = {"version": SETUP_VERSION, "amr": self.amr}
        bindir = os.path.dirname(self.amr)
        libdir = os.path.join(os.path.dirname(bindir), "lib")
        libs = sorted(os.path.join(libdir, n) for n in (os.listdir(libdir) if os.path.isdir(
            libdir) else []) if n.startswith("libgnuradio-amrcompress"))
        for t in [os.path.join(bindir, "amr"), os.path.join(bindir, "amr-ml")] + libs:
            p = t
            if os.path.exists(p):
                s = os.stat(p)
                st[t] = [s.st_size, int(s.st_mtime)]
        return st

    def do_setup(self):
        os.makedirs(self.setup, exist_ok=True)
        stamp_path = self.S("stamp.json")
        want = self.stamp()
        if os.path.exists(stamp_path) and not self.args.fresh_setup:
            with open(stamp_path) as f:
                if json.load(f) == want:
                    self.load_setup()
                    return
        print("setup: building artefacts in %s" % self.setup, flush=True)
        shutil.rmtree(self.setup)
        os.makedirs(self.setup)

        def step(name, argv, timeout=300):
            r = run(argv, cwd=self.setup, timeout=timeout, mem_mb=self.mem)
            if r.timed_out or r.rc != 0:
                sys.stderr.write("setup step '%s' failed (rc %s%s):\n%s\n" % (
                    name, r.rc, " timeout" if r.timed_out else "", r.err[-3000:]))
                sys.exit(2)
            print("setup: %-10s %.1f s" % (name, r.secs), flush=True)
            return r

        a = self.amr
        step("gen", [a, "gen", "-o", "valid.h5", "-n", "20", "--snr-min", "0", "--snr-max", "18",
                     "--snr-step", "6", "-j", "1", "--seed", "1"])
        step("gen-other", [a, "gen", "-o", "other.h5", "-n", "20", "--snr-min", "0", "--snr-max",
                           "18", "--snr-step", "6", "-j", "1", "--seed", "2"])
        step("train", [a, "train", "valid.h5", "-o", "run", "-m", "cnn1d", "-e", "2", "-j", "1",
                       "--seed", "1"])
        step("sigmf", [a, "convert", "valid.h5", "valid.sigmf-meta"])
        # arrays, split and pickles (h5py on our own valid file, in-process)
        import numpy as np
        import h5py
        with h5py.File(self.S("valid.h5"), "r") as f:
            X = f["X"][...]
            Y = f["Y"][...]
            Z = f["Z"][...]
            snr = f["snr_db"][...]
            classes = [c.decode() if isinstance(c, bytes) else str(c) for c in f.attrs["classes"]]
            attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()
                     if k not in ("classes",)}
        np.savez(self.S("valid.npz"), X=X, Y=Y, Z=Z, snr=snr, classes=np.array(classes))
        lab = Y.argmax(1)
        groups = {}
        for i in range(len(lab)):
            groups.setdefault((int(lab[i]), float(snr[i])), []).append(i)
        train, test = [], []
        for g in groups.values():
            k = int(math.floor(0.8 * len(g) + 0.5))
            train += g[:k]
            test += g[k:]
        meta = {"classes": classes, "train": sorted(train), "test": sorted(test),
                "attrs": {k: (v if isinstance(v, str) else float(v)) for k, v in attrs.items()}}
        with open(self.S("meta.json"), "w") as f:
            json.dump(meta, f)
        with open(self.S("train100.idx"), "w") as f:
            f.write("# adversary: 100 frames of the train part\n")
            f.write("".join("%d\n" % i for i in sorted(train)[::7][:100]))
        # RML2016 pickles: Python 3 protocol 2 (our emitter, checked by pickle.loads),
        # Python 2 style protocol 2, and python's own protocols 0..5
        import pickle
        snrs = sorted(set(int(z) for z in Z.reshape(-1)))
        d = {}
        for c, name in enumerate(classes):
            for s in snrs:
                m = (lab == c) & (Z.reshape(-1) == s)
                d[(name, s)] = np.ascontiguousarray(X[m].transpose(0, 2, 1)).astype("<f4")
        for py2 in (False, True):
            body = p_dict([(p_key(k[0], k[1], py2), p_ndarray(v.shape, v.tobytes(), py2=py2))
                           for k, v in d.items()])
            raw = p_wrap(body)
            back = pickle.loads(raw, encoding="latin1")
            assert all(np.array_equal(back[(k[0], k[1])], v) for k, v in d.items())
            with open(self.S("valid-py2.pkl" if py2 else "valid-emit.pkl"), "wb") as f:
                f.write(raw)
        for proto in range(6):
            with open(self.S("valid-p%d.pkl" % proto), "wb") as f:
                pickle.dump(d, f, protocol=proto)
        # bad models (torch in a subprocess)
        r = self.py(["--helper", "models", self.S("models"), self.S("run", "model.pt")],
                    timeout=600)
        if r.rc != 0 or r.timed_out:
            sys.stderr.write("setup: making models failed:\n%s\n" % r.err[-3000:])
            sys.exit(2)
        print("setup: models     %.1f s" % r.secs, flush=True)
        with open(stamp_path, "w") as f:
            json.dump(want, f)
        self.load_setup()

    def load_setup(self):
        with open(self.S("meta.json")) as f:
            m = json.load(f)
        self.classes = m["classes"]
        self.train_idx = m["train"]
        self.test_idx = m["test"]
        self.attrs = m["attrs"]
        self.D = self.S("valid.h5")
        self.M = self.S("run", "model.pt")
        self.R = self.S("run")
        self.DYN = self.S("run", "dynamics.h5")
        self.SIG = self.S("valid.sigmf-meta")
        self.NPZ = self.S("valid.npz")

    def arrays(self):
        import numpy as np
        z = np.load(self.NPZ)
        return {"X": z["X"].copy(), "Y": z["Y"].copy(), "Z": z["Z"].copy(),
                "snr_db": z["snr"].copy()}

    def write_h5(self, path, arrays, classes="default", attrs=None, chunked=True, libver=None,
                 plain_attrs=True):
        """A dataset file from arrays (name -> ndarray or dict(shape, dtype, chunks, ...))."""
        import numpy as np
        import h5py
        kw = {"libver": libver} if libver else {}
        with h5py.File(path, "w", **kw) as f:
            for k, v in arrays.items():
                if isinstance(v, dict):
                    f.create_dataset(k, **v)
                elif chunked and v.ndim >= 1 and v.size > 0:
                    f.create_dataset(k, data=v, chunks=(min(len(v), 64),) + v.shape[1:],
                                     maxshape=(None,) + v.shape[1:])
                elif chunked and v.ndim >= 1:
                    f.create_dataset(k, shape=v.shape, dtype=v.dtype,
                                     chunks=(1,) + tuple(max(1, s) for s in v.shape[1:]),
                                     maxshape=(None,) + v.shape[1:])
                else:
                    f.create_dataset(k, data=v)
            if plain_attrs:
                for k in ("amr_format", "normalisation", "sample_rate", "center_freq", "source"):
                    if k in self.attrs:
                        f.attrs[k] = self.attrs[k]
            if isinstance(classes, str) and classes == "default":
                f.attrs["classes"] = np.array(self.classes, dtype=h5py.string_dtype())
            elif classes is not None:
                f.attrs["classes"] = classes
            for k, v in (attrs or {}).items():
                f.attrs[k] = v


# ---------------------------------------------------------------------------
# Commands


def c_info(ctx, d, t):
    return [ctx.amr, "info", d, "-j", "1"]


def c_subset(ctx, d, t):
    return [ctx.amr, "subset", d, "-o", os.path.join(t, "out.h5")]


def c_convert(ctx, d, t):
    return [ctx.amr, "convert", d, os.path.join(t, "out.sigmf-meta")]


def c_train(ctx, d, t):
    return [ctx.amr, "train", d, "-o", os.path.join(t, "train"), "-m", "cnn1d", "-e", "1",
            "-j", "1", "--seed", "1"]


def c_eval(ctx, d, t, model=None):
    return [ctx.amr, "eval", model or ctx.M, d, "-o", os.path.join(t, "eval"), "--all",
            "--no-plots", "-j", "1"]


def c_select(ctx, d, t, dyn=None):
    return [ctx.amr, "select", d, "--dynamics", dyn or ctx.DYN, "--method", "foqus", "--rate",
            "0.1", "-o", os.path.join(t, "core.idx")]


def c_pkl(ctx, p, t):
    return [ctx.amr, "convert", p, os.path.join(t, "out.h5")]


DSCMD = {"info": c_info, "subset": c_subset, "convert": c_convert, "train": c_train,
         "eval": c_eval, "select": c_select}
RELEVANT = {"select": {"Y", "Z", "snr", "classes"}}
ALLPARTS = {"X", "Y", "Z", "snr", "classes"}


def T(cls, tid, desc, cmd, prepare, expect="refuse", timeout=None):
    """A trial. prepare(ctx, tdir) -> dict(argv, offending, [cwd, verify, flipped, marker])."""
    return {"cls": cls, "tid": tid, "desc": desc, "cmd": cmd, "prepare": prepare,
            "expect": expect, "timeout": timeout}


def class_rng(seed, cls):
    h = hashlib.sha256(("%d:%s" % (seed, cls)).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "little"))


def shared(ctx, cls, name, make):
    """An input built once per class (inputs/<cls>/<name>), made by make(path)."""
    d = os.path.join(ctx.inputs, cls)
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, name)
    if not os.path.exists(p) and not os.path.islink(p):
        tmp = os.path.join(d, "tmp-" + name)
        try:
            make(tmp)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        os.rename(tmp, p)
    return p


# --- 1. hdf5_flip ------------------------------------------------------------

FLIP_CMDS = [("info", 35), ("subset", 12), ("convert", 15), ("train", 8), ("eval", 15),
             ("select", 15)]


def gen_hdf5_flip(ctx, seed, ntrials):
    rng = class_rng(seed, "hdf5_flip")
    size = os.path.getsize(ctx.D)
    cmds = [c for c, w in FLIP_CMDS for _ in range(w)]
    out = []
    for i in range(ntrials):
        if rng.random() < 0.75:
            k, region = rng.randint(1, 8), 4096
        else:
            k, region = 100, 65536
        region = min(region, size)
        flips = [(rng.randrange(region), rng.randrange(1, 256)) for _ in range(k)]
        cmd = rng.choice(cmds)
        if k <= 8:
            desc = "k=%d flips %s" % (k, ",".join("@%d^%02x" % f for f in flips))
        else:
            desc = "k=100 flips in first 64 KiB (first @%d^%02x)" % flips[0]

        def prep(ctx, t, flips=flips, cmd=cmd, i=i):
            p = os.path.join(t, "flip%04d.h5" % i)
            with open(ctx.D, "rb") as f:
                b = bytearray(f.read())
            for pos, x in flips:
                b[pos] ^= x
            with open(p, "wb") as f:
                f.write(b)
            return {"argv": DSCMD[cmd](ctx, p, t), "offending": [p], "flipped": p,
                    "relevant": RELEVANT.get(cmd, ALLPARTS)}
        out.append(T("hdf5_flip", "hdf5_flip-%04d" % i, desc, cmd, prep, "flip"))
    return out


# --- 2. deep_json -------------------------------------------------------------

def gen_deep_json(ctx, seed, ntrials):
    D = 100000
    big = 50 << 20
    variants = [
        ("gen_deep_array", "generator = '['*1e5 + ']'*1e5",
         lambda: {"generator": "[" * D + "]" * D}),
        ("gen_deep_object", "generator = '{\"a\":' * 1e5 ... '}'",
         lambda: {"generator": '{"a":' * D + "1" + "}" * D}),
        ("gen_deep_unclosed", "generator = '[' * 1e5 (unterminated)",
         lambda: {"generator": "[" * D}),
        ("desc_deep_array", "description = '['*1e5 + ']'*1e5 (free text)",
         lambda: {"description": "[" * D + "]" * D}),
        ("both_deep", "generator and description nested 1e5 deep",
         lambda: {"generator": "[" * D + "]" * D, "description": "[" * D + "]" * D}),
        ("gen_50MB", "generator = 50 MB JSON string",
         lambda: {"generator": '["' + "A" * big + '"]'}),
        ("desc_50MB", "description = 50 MB of 'A'",
         lambda: {"description": "A" * big}),
    ]
    out = []
    for name, desc, attrs in variants:
        def make(p, attrs=attrs):
            ctx.write_h5(p, ctx.arrays(), attrs=attrs())
        for cmd in ("convert", "info"):
            def prep(ctx, t, name=name, make=make, cmd=cmd):
                p = shared(ctx, "deep_json", "deepjson-%s.h5" % name, make)
                return {"argv": DSCMD[cmd](ctx, p, t), "offending": [p]}
            out.append(T("deep_json", "deep_json-%s-%s" % (name, cmd), desc, cmd, prep, "either",
                         timeout=max(ctx.timeout, 60)))
    return out


# --- 3. deep_pickle -----------------------------------------------------------

def deep_pickles():
    N = 10 ** 6
    key = p_key("BPSK", 0)
    dag = b"]q\x000" + b"](h\x00h\x00eq\x000" * 64
    return [
        ("list_append", "EMPTY_LIST*1e6 + APPEND*1e6",
         b"\x80\x02" + b"]" * N + b"a" * (N - 1) + b"."),
        ("mark_list", "MARK*1e6 + LIST*1e6", b"\x80\x02" + b"(" * N + b"l" * N + b"."),
        ("mark_tuple", "MARK*1e6 + TUPLE*1e6", b"\x80\x02" + b"(" * N + b"t" * N + b"."),
        ("tuple1", "EMPTY_TUPLE + TUPLE1*1e6", b"\x80\x02)" + b"\x85" * N + b"."),
        ("dict_value", "{('BPSK',0): 1e6-deep list}",
         b"\x80\x02}" + key + b"]" * N + b"a" * (N - 1) + b"s."),
        ("nested_dict", "{0:{0:{...}}} 1e6 deep",
         b"\x80\x02}" + b"K\x00}" * N + b"s" * N + b"."),
        ("marks_only", "MARK*1e6 then NONE STOP", b"\x80\x02" + b"(" * N + b"N."),
        ("memo_dag", "memo DAG: 64 levels of [L, L] (2^64 leaves if copied)",
         b"\x80\x02}" + key + dag + b"h\x00s."),
        ("memo_dag_top", "memo DAG at top level", b"\x80\x02" + dag + b"h\x00."),
    ]


def gen_deep_pickle(ctx, seed, ntrials):
    out = []
    for name, desc, raw in deep_pickles():
        def prep(ctx, t, name=name, raw=raw):
            p = os.path.join(t, "deep-%s.pkl" % name)
            with open(p, "wb") as f:
                f.write(raw)
            return {"argv": c_pkl(ctx, p, t), "offending": [p]}
        out.append(T("deep_pickle", "deep_pickle-" + name, desc, "convert", prep))
    return out


# --- 4. overflow_pickle -------------------------------------------------------

def gen_overflow_pickle(ctx, seed, ntrials):
    L = 128
    frame = b"\x00" * (2 * L * 4)
    cases = [
        ("n2^62", (2 ** 62, 2, L), b"", "f4"),
        ("n2^61", (2 ** 61, 2, L), b"", "f4"),
        ("n2^57", (2 ** 57, 2, L), b"", "f4"),
        ("n2^55", (2 ** 55, 2, L), b"", "f4"),
        ("n2^54", (2 ** 54, 2, L), b"", "f4"),
        ("n2^63-1", (2 ** 63 - 1, 2, L), b"", "f4"),
        ("n2^64", (2 ** 64, 2, L), b"", "f4"),
        ("n2^64+1", (2 ** 64 + 1, 2, L), frame, "f4"),
        ("n-1", (-1, 2, L), b"", "f4"),
        ("L2^62", (1, 2, 2 ** 62), b"", "f4"),
        ("L2^61x2", (2, 2, 2 ** 61), b"", "f4"),
        ("n2^33_2^31", (2 ** 33, 2 ** 31, L), b"", "f4"),
        ("4d_2^32", (2 ** 32, 2 ** 32, 2, L), b"", "f4"),
        ("L0_n2^62", (2 ** 62, 2, 0), b"", "f4"),
        ("L0_n2^40", (2 ** 40, 2, 0), b"", "f4"),
        ("n0_with_data", (0, 2, L), frame, "f4"),
        ("short_data", (1, 2, L), frame[:4], "f4"),
        ("long_data", (1, 2, L), frame + b"\x00", "f4"),
        ("f8", (1, 2, L), frame * 2, "f8"),
        ("objdtype", (1, 2, L), frame, "O"),
    ]
    out = []
    for name, shape, data, dt in cases:
        def prep(ctx, t, name=name, shape=shape, data=data, dt=dt):
            p = os.path.join(t, "ovf-%s.pkl" % name.replace("^", ""))
            raw = p_wrap(p_dict([(p_key("BPSK", 0), p_ndarray(shape, data, dt))]))
            with open(p, "wb") as f:
                f.write(raw)
            return {"argv": c_pkl(ctx, p, t), "offending": [p]}
        out.append(T("overflow_pickle", "overflow_pickle-" + name,
                     "ndarray shape %s dtype %s, %d data bytes" % (shape, dt, len(data)),
                     "convert", prep))
    return out


# --- 5. bad_model_output ------------------------------------------------------

def eval_accuracy(path):
    try:
        with open(path) as f:
            return float(json.load(f)["accuracy"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def good_accuracy(ctx):
    """Accuracy of the well-behaved wrapper model on all frames (run once)."""
    if getattr(ctx, "_good_acc", None) is None:
        t = os.path.join(ctx.work, "good-eval")
        shutil.rmtree(t, ignore_errors=True)
        os.makedirs(t)
        run(c_eval(ctx, ctx.D, t, model=ctx.S("models", "model-good-custom.pt")), cwd=t,
            timeout=max(ctx.timeout, 60), mem_mb=ctx.mem)
        ctx._good_acc = eval_accuracy(os.path.join(t, "eval", "eval.json"))
        shutil.rmtree(t, ignore_errors=True)
    return ctx._good_acc


def gen_bad_model_output(ctx, seed, ntrials):
    out = []
    for mode, label in MODEL_MODES[1:]:
        for mk, extra, expl in (
                ("zoo", ["--engine", "libtorch"], "zoo metadata, --engine libtorch"),
                ("custom", [], "arch 'custom', engine auto")):
            def prep(ctx, t, label=label, mk=mk, extra=extra):
                m = ctx.S("models", "model-%s-%s.pt" % (label, mk))
                d = {"argv": c_eval(ctx, ctx.D, t, model=m) + extra, "offending": [m]}
                if label == "int64":
                    # integer logits (x1000): accepting them is fine if they are converted,
                    # not reinterpreted: the accuracy must match the float model's
                    def v(t=t):
                        a, g = eval_accuracy(os.path.join(t, "eval", "eval.json")), \
                            good_accuracy(ctx)
                        if a is None or g is None or abs(a - g) > 0.02:
                            return False, "accuracy %s, the float model has %s" % (a, g)
                        return True, ""
                    d["verify"] = v
                return d
            out.append(T("bad_model_output", "bad_model_output-%s-%s-eval" % (label, mk),
                         "forward() %s (%s)" % (label, expl), "eval", prep,
                         "either" if label == "int64" else "refuse",
                         timeout=max(ctx.timeout, 60)))
    for label in ("onerow", "nan", "plus1class", "minus1class"):
        def prep(ctx, t, label=label):
            m = ctx.S("models", "model-%s-custom.pt" % label)
            return {"argv": [ctx.amr, "select", ctx.D, "--model", m, "--method", "leastconf",
                             "--rate", "0.1", "-o", os.path.join(t, "core.idx")],
                    "offending": [m]}
        out.append(T("bad_model_output", "bad_model_output-%s-custom-select" % label,
                     "forward() %s, select --method leastconf --model" % label, "select", prep,
                     timeout=max(ctx.timeout, 60)))
    return out


# --- 6. fifo_and_dirs ---------------------------------------------------------

def gen_fifo_and_dirs(ctx, seed, ntrials):
    to = min(ctx.timeout, 10)
    out = []

    def fifo(t, name):
        p = os.path.join(t, name)
        os.mkfifo(p)
        return p

    def dirp(t, name):
        p = os.path.join(t, name)
        os.mkdir(p)
        return p

    def zero(t, name):
        p = os.path.join(t, name)
        os.symlink("/dev/zero", p)
        return p

    def fil(t, name):
        p = os.path.join(t, name)
        with open(p, "w") as f:
            f.write("not a directory\n")
        return p

    makers = {"fifo": fifo, "dir": dirp, "devzero": zero}
    # (kind, where, command builder(ctx, path, tdir))
    ds = [("info", c_info), ("subset", c_subset), ("train", c_train), ("eval", c_eval),
          ("convert", c_convert), ("select", c_select)]
    for kind in ("fifo", "dir", "devzero"):
        for cmd, fn in ds:
            def prep(ctx, t, kind=kind, fn=fn):
                p = makers[kind](t, "%s-ds.h5" % kind)
                return {"argv": fn(ctx, p, t), "offending": [p]}
            out.append(T("fifo_and_dirs", "fifo_and_dirs-%s-dataset-%s" % (kind, cmd),
                         "%s as dataset" % kind, cmd, prep, timeout=to))
        other = [
            ("model-eval", "model (eval)",
             lambda ctx, p, t: c_eval(ctx, ctx.D, t, model=p), "pt"),
            ("index-train", "index (train --index)",
             lambda ctx, p, t: c_train(ctx, ctx.D, t) + ["--index", p], "idx"),
            ("index-subset", "index (subset --index)",
             lambda ctx, p, t: c_subset(ctx, ctx.D, t) + ["--index", p], "idx"),
            ("pickle", "pickle (convert)", lambda ctx, p, t: c_pkl(ctx, p, t), "pkl"),
            ("sigmf", "sigmf-meta (convert)",
             lambda ctx, p, t: [ctx.amr, "convert", p, os.path.join(t, "out.h5")], "sigmf-meta"),
            ("dynamics", "dynamics record (select)",
             lambda ctx, p, t: c_select(ctx, ctx.D, t, dyn=p), "h5"),
        ]
        for name, what, fn, ext in other:
            def prep(ctx, t, kind=kind, fn=fn, ext=ext, name=name):
                p = makers[kind](t, "%s-%s.%s" % (kind, name, ext))
                return {"argv": fn(ctx, p, t), "offending": [p]}
            out.append(T("fifo_and_dirs", "fifo_and_dirs-%s-%s" % (kind, name),
                         "%s as %s" % (kind, what), name.split("-")[-1], prep, timeout=to))
    outputs = [
        ("subset-o-dir", "subset -o DIR", dirp, "outdir.h5",
         lambda ctx, p, t: [ctx.amr, "subset", ctx.D, "-o", p]),
        ("subset-index-dir", "subset --write-index DIR", dirp, "outdir.idx",
         lambda ctx, p, t: [ctx.amr, "subset", ctx.D, "--write-index", p, "--split", "test"]),
        ("convert-sigmf-dir", "convert D DIR.sigmf-meta", dirp, "outdir.sigmf-meta",
         lambda ctx, p, t: [ctx.amr, "convert", ctx.D, p]),
        ("convert-h5-dir", "convert P.pkl DIR.h5", dirp, "outdir.h5",
         lambda ctx, p, t: [ctx.amr, "convert", ctx.S("valid-p2.pkl"), p]),
        ("select-o-dir", "select -o DIR", dirp, "outdir.idx",
         lambda ctx, p, t: [ctx.amr, "select", ctx.D, "--run", ctx.R, "--rate", "0.1",
                            "-o", p]),
        ("train-o-file", "train -o FILE", fil, "outfile",
         lambda ctx, p, t: [ctx.amr, "train", ctx.D, "-o", p, "-e", "1", "-j", "1"]),
        ("eval-o-file", "eval -o FILE", fil, "outfile",
         lambda ctx, p, t: [ctx.amr, "eval", ctx.M, ctx.D, "-o", p, "--no-plots"]),
        ("subset-o-fifo", "subset -o FIFO", fifo, "outfifo.h5",
         lambda ctx, p, t: [ctx.amr, "subset", ctx.D, "-o", p, "-f"]),
    ]

    def dir_keep(t, name):
        p = dirp(t, name)
        with open(os.path.join(p, "keep.txt"), "w") as f:
            f.write("a file the tool must not delete\n")
        return p
    outputs += [
        ("subset-o-dir-force", "subset -o DIR -f (DIR holds a file)", dir_keep, "outdir.h5",
         lambda ctx, p, t: [ctx.amr, "subset", ctx.D, "-o", p, "-f"]),
        ("convert-sigmf-dir-force", "convert D DIR.sigmf-meta -f (DIR holds a file)", dir_keep,
         "outdir.sigmf-meta", lambda ctx, p, t: [ctx.amr, "convert", ctx.D, p, "-f"]),
        ("convert-h5-dir-force", "convert P.pkl DIR.h5 -f (DIR holds a file)", dir_keep,
         "outdir.h5", lambda ctx, p, t: [ctx.amr, "convert", ctx.S("valid-p2.pkl"), p, "-f"]),
        ("select-subset-dir-overwrite", "select --subset DIR --overwrite (DIR holds a file)",
         dir_keep, "outdir.h5",
         lambda ctx, p, t: [ctx.amr, "select", ctx.D, "--run", ctx.R, "--rate", "0.1", "-o",
                            os.path.join(t, "core.idx"), "--subset", p, "--overwrite"]),
    ]
    for name, desc, mk, fname, fn in outputs:
        def prep(ctx, t, mk=mk, fname=fname, fn=fn):
            p = mk(t, fname)
            d = {"argv": fn(ctx, p, t), "offending": [p]}
            if mk is dir_keep:
                k = os.path.join(p, "keep.txt")
                d["post"] = lambda k=k: (os.path.exists(k), "deleted the directory's contents")
            return d
        out.append(T("fifo_and_dirs", "fifo_and_dirs-out-" + name, "output is " + desc,
                     name.split("-")[0], prep, timeout=to))
    return out


# --- 7. labels ----------------------------------------------------------------

def label_variants(ctx):
    import numpy as np
    import h5py
    C = len(ctx.classes)
    r = 5

    def y(f):
        def g(a):
            f(a)
            return a
        return g

    def set_row(vals):
        return y(lambda a: a["Y"].__setitem__(r, np.array(vals + [0] * (C - len(vals)))))

    def halves(a):
        Y = a["Y"].astype("f8")
        Y[r] = 0
        Y[r, 0] = Y[r, 1] = 0.5
        a["Y"] = Y
        return a

    def sixty(a):
        a["Y"][r, a["Y"][r].argmax()] = 60
        return a

    def put(k, v):
        def g(a):
            a[k] = v(a)
            return a
        return g

    def xset(val):
        def g(a):
            a["X"][r, 3, 0] = val
            return a
        return g

    names = list(ctx.classes)
    dup = names[:]
    dup[1] = dup[0]
    vs = [
        ("multi_hot", "Y row 5 = [1,1,1,0...]", set_row([1, 1, 1]), "default"),
        ("sixty", "Y row 5 has a 60", sixty, "default"),
        ("zeros", "Y row 5 all zeros", set_row([0]), "default"),
        ("halves", "Y float, row 5 = [0.5,0.5,0...]", halves, "default"),
        ("sum1_negative", "Y row 5 = [2,-1,0...] (sums to 1)", set_row([2, -1]), "default"),
        ("y_1d", "Y is [N] class indices", put("Y", lambda a: a["Y"].argmax(1)), "default"),
        ("z_short", "Z has N-1 rows", put("Z", lambda a: a["Z"][:-1]), "default"),
        ("snr_nan", "snr_db[5] = NaN", lambda a: (a["snr_db"].__setitem__(r, np.nan), a)[1],
         "default"),
        ("x_nan", "X[5,3,0] = NaN", xset(np.nan), "default"),
        ("x_inf", "X[5,3,0] = -Inf", xset(-np.inf), "default"),
        ("x_transposed", "X is [N,2,128] (RML2016 layout)",
         put("X", lambda a: np.ascontiguousarray(a["X"].transpose(0, 2, 1))), "default"),
        ("x_int16", "X is int16", put("X", lambda a: (a["X"] * 1000).astype("i2")), "default"),
        ("int_classes", "classes attribute = int64 0..10", None, np.arange(C, dtype="i8")),
        ("nonutf8_fixed", "classes fixed-length bytes with b'\\xff\\xfe'", None,
         np.array([b"\xff\xfe" + n.encode() if i == 2 else n.encode()
                   for i, n in enumerate(names)], dtype="S16")),
        ("nonutf8_vlen", "classes vlen str with invalid UTF-8", None,
         np.array([b"\xc3\x28" if i == 2 else n.encode() for i, n in enumerate(names)],
                  dtype=h5py.special_dtype(vlen=bytes))),
        ("duplicate", "classes[1] = classes[0]", None,
         np.array(dup, dtype=h5py.string_dtype())),
        ("too_few", "10 class names for an 11-wide Y", None,
         np.array(names[:-1], dtype=h5py.string_dtype())),
        ("too_many", "12 class names for an 11-wide Y", None,
         np.array(names + ["EXTRA"], dtype=h5py.string_dtype())),
    ]
    return vs


def gen_labels(ctx, seed, ntrials):
    out = []
    for name, desc, mut, classes in label_variants(ctx):
        def make(p, mut=mut, classes=classes):
            a = ctx.arrays()
            if mut:
                a = mut(a)
            ctx.write_h5(p, a, classes=classes)
        for cmd in ("info", "train", "subset", "eval"):
            def prep(ctx, t, name=name, make=make, cmd=cmd):
                p = shared(ctx, "labels", "labels-%s.h5" % name, make)
                return {"argv": DSCMD[cmd](ctx, p, t), "offending": [p]}
            out.append(T("labels", "labels-%s-%s" % (name, cmd), desc, cmd, prep,
                         timeout=max(ctx.timeout, 30)))
    return out


# --- 8. index -----------------------------------------------------------------

def gen_index(ctx, seed, ntrials):
    tr = ctx.train_idx
    te = ctx.test_idx
    n = len(ctx.train_idx) + len(ctx.test_idx)
    ok3 = "".join("%d\n" % i for i in tr[:3])
    cases = [
        # name, content, desc, expect(train), expect(subset)
        ("empty", b"", "empty file", "refuse", "either"),
        ("comments", b"# only\n# comments\n", "comments only", "refuse", "either"),
        ("out_of_range", ("%s%d\n" % (ok3, n)).encode(), "index N (one past the end)",
         "refuse", "refuse"),
        ("huge", ("%s18446744073709551616\n" % ok3).encode(), "index 2^64", "refuse", "refuse"),
        ("huge2", ("%s99999999999999999999999999\n" % ok3).encode(), "index 1e26",
         "refuse", "refuse"),
        ("negative", ("%s-1\n" % ok3).encode(), "index -1", "refuse", "refuse"),
        ("float", ("%s1.5\n" % ok3).encode(), "index 1.5", "refuse", "refuse"),
        ("word", ("%sabc\n" % ok3).encode(), "index 'abc'", "refuse", "refuse"),
        ("hex", ("%s0x10\n" % ok3).encode(), "index '0x10'", "refuse", "refuse"),
        ("exp", ("%s1e3\n" % ok3).encode(), "index '1e3'", "refuse", "refuse"),
        ("two_per_line", ("%s%d %d\n" % (ok3, tr[4], tr[5])).encode(), "'a b' on one line",
         "refuse", "refuse"),
        ("nul", ("%s" % ok3).encode() + b"\x00\n", "a NUL byte line", "refuse", "refuse"),
        ("duplicate", ("%s%d\n" % (ok3, tr[0])).encode(), "duplicate index", "refuse", "refuse"),
        ("test_split", "".join("%d\n" % i for i in te[:5]).encode(),
         "frames of the test part", "refuse", "accept"),
        ("long_line", b"1" * (10 << 20) + b"\n", "one 10 MB line of digits", "refuse", "refuse"),
        ("crlf", ok3.replace("\n", "\r\n").encode(), "CRLF line ends", "either", "either"),
        ("no_final_newline", ok3.rstrip("\n").encode(), "no final newline", "accept", "accept"),
    ]
    out = []
    for name, content, desc, e_train, e_subset in cases:
        for cmd, exp in (("train", e_train), ("subset", e_subset)):
            def prep(ctx, t, name=name, content=content, cmd=cmd):
                p = os.path.join(t, "idx-%s.idx" % name)
                with open(p, "wb") as f:
                    f.write(content)
                argv = (c_train(ctx, ctx.D, t) if cmd == "train" else c_subset(ctx, ctx.D, t))
                return {"argv": argv + ["--index", p], "offending": [p]}
            out.append(T("index", "index-%s-%s" % (name, cmd), desc, cmd, prep, exp,
                         timeout=max(ctx.timeout, 30)))
    return out


# --- 9. dynamics --------------------------------------------------------------

def gen_dynamics(ctx, seed, ntrials):
    import numpy as np

    def rebuild(f, name, data):
        del f[name]
        f.create_dataset(name, data=data)

    def first_test_same_label(f):
        lab = f["label"][0]
        with np.load(ctx.NPZ) as z:
            y = z["Y"].argmax(1)
            s = z["snr"]
        for i in ctx.test_idx:
            if y[i] == lab and s[i] == f["snr_db"][0]:
                return i
        return ctx.test_idx[0]

    def e_test_row(f):
        f["index"][0] = first_test_same_label(f)

    def e_dup(f):
        for k in ("index", "label", "snr_db"):
            f[k][1] = f[k][0]

    def e_set(k, idx, v):
        def g(f):
            f[k][idx] = v
        return g

    def e_attr(k, v):
        def g(f):
            f.attrs[k] = v
        return g

    def e_shape(k, fn):
        def g(f):
            rebuild(f, k, fn(f[k][...]))
        return g

    def e_label(f):
        f["label"][0] = (f["label"][0] + 1) % len(ctx.classes)

    def e_empty(f):
        for k in ("pred", "loss", "label", "index", "snr_db"):
            v = f[k][...]
            rebuild(f, k, v[:0])

    import h5py
    cases = [
        ("dataset_other", "attr dataset names another existing dataset (other.h5)",
         e_attr("dataset", ctx.S("other.h5")), "warn"),
        ("dataset_missing", "attr dataset names a nonexistent file",
         e_attr("dataset", "/nonexistent/elsewhere.h5"), "warn"),
        ("dup_rows", "row 1 duplicates row 0", e_dup, "refuse"),
        ("test_row", "row 0 is a test-split frame (same label)", e_test_row, "refuse"),
        ("index_oob", "index[0] = N", e_set("index", 0, 880), "refuse"),
        ("index_neg", "index[0] = -1", e_set("index", 0, -1), "refuse"),
        ("index_huge", "index[0] = 2^62", e_set("index", 0, 2 ** 62), "refuse"),
        ("label_mismatch", "label[0] differs from the dataset", e_label, "refuse"),
        ("pred_oob", "pred[0,0] = 200 (>= C)", e_set("pred", (0, 0), 200), "refuse"),
        ("loss_nan", "loss[0,0] = NaN", e_set("loss", (0, 0), np.nan), "refuse"),
        ("loss_inf", "loss[0,1] = Inf", e_set("loss", (0, 1), np.inf), "refuse"),
        ("pred_short", "pred has N-1 rows", e_shape("pred", lambda v: v[:-1]), "refuse"),
        ("loss_T_plus1", "loss has T+1 columns",
         e_shape("loss", lambda v: np.concatenate([v, v[:, :1]], 1)), "refuse"),
        ("pred_1d", "pred is 1-D", e_shape("pred", lambda v: v[:, 0]), "refuse"),
        ("label_2d", "label is [N,1]", e_shape("label", lambda v: v[:, None]), "refuse"),
        ("label_short", "label has N-1 rows", e_shape("label", lambda v: v[:-1]), "refuse"),
        ("index_float", "index is float64",
         e_shape("index", lambda v: v.astype("f8") + 0.5), "refuse"),
        ("epochs_huge", "epochs_completed = 1e9", e_attr("epochs_completed", 1e9), "refuse"),
        ("epochs_neg", "epochs_completed = -1", e_attr("epochs_completed", -1.0), "refuse"),
        ("epochs_nan", "epochs_completed = NaN", e_attr("epochs_completed", float("nan")),
         "refuse"),
        ("classes_reversed", "classes attr reversed",
         e_attr("classes", np.array(ctx.classes[::-1], dtype=h5py.string_dtype())), "refuse"),
        ("empty", "0 rows", e_empty, "refuse"),
    ]
    out = []
    for name, desc, edit, exp in cases:
        def prep(ctx, t, name=name, edit=edit):
            p = os.path.join(t, "dyn-%s.h5" % name)
            shutil.copy(ctx.DYN, p)
            with h5py.File(p, "r+") as f:
                edit(f)
            return {"argv": c_select(ctx, ctx.D, t, dyn=p), "offending": [p]}
        out.append(T("dynamics", "dynamics-" + name, desc, "select", prep, exp))
    return out


# --- 10. sigmf ----------------------------------------------------------------

DEEP = "@@adversary: 1e5-deep JSON array here@@"


def gen_sigmf(ctx, seed, ntrials):
    def ann(k, v, which="all"):
        def g(m, data):
            lst = m["annotations"] if which == "all" else [m["annotations"][which]]
            for a in lst:
                if v is None:
                    a.pop(k, None)
                else:
                    a[k] = v
            return m, data
        return g

    def glob(k, v):
        def g(m, data):
            if v is None:
                m["global"].pop(k, None)
            else:
                m["global"][k] = v
            return m, data
        return g

    def data_fn(fn):
        def g(m, data):
            return m, fn(data)
        return g

    def nan_data(d):
        b = bytearray(d)
        b[5 * 8:5 * 8 + 4] = struct.pack("<f", float("nan"))
        return bytes(b)

    def raw_meta(text):
        def g(m, data):
            return text, data
        return g

    def top(k, v):
        def g(m, data):
            m[k] = v
            return m, data
        return g

    def dup_start(m, data):
        m["annotations"][1]["core:sample_start"] = m["annotations"][0]["core:sample_start"]
        return m, data

    cases = [
        ("count_frac", "core:sample_count 128.5 (all)", ann("core:sample_count", 128.5), "refuse"),
        ("count_neg", "core:sample_count -128 (all)", ann("core:sample_count", -128), "refuse"),
        ("count_zero", "core:sample_count 0 (all)", ann("core:sample_count", 0), "refuse"),
        ("count_huge", "core:sample_count 2^62 (all)", ann("core:sample_count", 2 ** 62), "refuse"),
        ("count_2^64", "core:sample_count 2^64 (all)", ann("core:sample_count", 2 ** 64), "refuse"),
        ("count_1e300", "core:sample_count 1e300 (all)", ann("core:sample_count", 1e300), "refuse"),
        ("count_str", "core:sample_count \"128\" (all)", ann("core:sample_count", "128"), "refuse"),
        ("count_one_differs", "annotation 3 has sample_count 64",
         ann("core:sample_count", 64, 3), "refuse"),
        ("start_huge", "last annotation's sample_start 2^63",
         ann("core:sample_start", 2 ** 63, -1), "refuse"),
        ("start_neg", "annotation 2 sample_start -128",
         ann("core:sample_start", -128, 2), "refuse"),
        ("start_beyond", "last annotation starts past the data",
         ann("core:sample_start", 10 ** 9, -1), "refuse"),
        ("classes_empty", "amrcompress:classes []", glob("amrcompress:classes", []), "refuse"),
        ("classes_dup", "amrcompress:classes with a duplicate",
         glob("amrcompress:classes", ctx.classes[:1] + ctx.classes[:-1]), "refuse"),
        ("classes_int", "amrcompress:classes [1,2,3]", glob("amrcompress:classes", [1, 2, 3]),
         "refuse"),
        ("ci16_over_float", "core:datatype ci16_le over cf32 data",
         glob("core:datatype", "ci16_le"), "refuse"),
        ("datatype_unknown", "core:datatype ri8", glob("core:datatype", "ri8"), "refuse"),
        ("datatype_missing", "no core:datatype", glob("core:datatype", None), "refuse"),
        ("label_unknown", "annotation 3 label 'NOPE'", ann("core:label", "NOPE", 3), "refuse"),
        ("label_missing", "annotation 3 has no core:label", ann("core:label", None, 3), "refuse"),
        ("label_int", "annotation 3 label 7", ann("core:label", 7, 3), "refuse"),
        ("snr_str", "annotation 3 amrcompress:snr_db \"high\"",
         ann("amrcompress:snr_db", "high", 3), "refuse"),
        ("nan_samples", "NaN in the data file (sample 5)", data_fn(nan_data), "refuse"),
        ("missing_data", "no .sigmf-data file", data_fn(lambda d: None), "refuse"),
        ("data_truncated", "data file 3 bytes short", data_fn(lambda d: d[:-3]), "refuse"),
        ("data_half", "data file half its size", data_fn(lambda d: d[:len(d) // 2]), "refuse"),
        ("data_empty", "data file empty", data_fn(lambda d: b""), "refuse"),
        ("meta_deep", "meta is JSON nested 1e5 deep",
         raw_meta("[" * 100000 + "]" * 100000), "refuse"),
        ("deep_generator", "global amrcompress:generator nested 1e5 deep",
         glob("amrcompress:generator", DEEP), "either"),
        ("deep_description", "global core:description is a 1e5-deep array",
         glob("core:description", DEEP), "refuse"),
        ("deep_annotation_extra", "annotation 0 has an extra key nested 1e5 deep",
         ann("x:deep", DEEP, 0), "either"),
        ("meta_garbage", "meta is not JSON", raw_meta("garbage {"), "refuse"),
        ("meta_empty", "meta is empty", raw_meta(""), "refuse"),
        ("annotations_obj", "annotations is {}", top("annotations", {}), "refuse"),
        ("global_missing", "no global object", top("global", None), "refuse"),
        ("overlap", "two annotations at the same sample_start", dup_start, "either"),
        ("annotations_empty", "annotations []", top("annotations", []), "either"),
    ]
    out = []
    for name, desc, edit, exp in cases:
        def prep(ctx, t, name=name, edit=edit):
            base = os.path.join(t, "sig-%s" % name)
            with open(ctx.SIG) as f:
                m = json.load(f)
            with open(ctx.SIG[:-len("meta")] + "data", "rb") as f:
                data = f.read()
            m, data = edit(m, data)
            if isinstance(m, dict) and m.get("global", 1) is None:
                del m["global"]
            text = m if isinstance(m, str) else json.dumps(m)
            text = text.replace(json.dumps(DEEP), "[" * 100000 + "]" * 100000)
            with open(base + ".sigmf-meta", "w") as f:
                f.write(text)
            if data is not None:
                with open(base + ".sigmf-data", "wb") as f:
                    f.write(data)
            return {"argv": [ctx.amr, "convert", base + ".sigmf-meta", os.path.join(t, "out.h5")],
                    "offending": [base + ".sigmf-meta", base + ".sigmf-data"]}
        out.append(T("sigmf", "sigmf-" + name, desc, "convert", prep, exp))
    return out


# --- 11. zero_frames ----------------------------------------------------------

def gen_zero_frames(ctx, seed, ntrials):
    import numpy as np
    C = len(ctx.classes)

    def empty(chunked):
        def make(p):
            a = {"X": np.zeros((0, 128, 2), "f4"), "Y": np.zeros((0, C), "i8"),
                 "Z": np.zeros((0, 1), "i8"), "snr_db": np.zeros((0,), "f4")}
            ctx.write_h5(p, a, chunked=chunked)
        return make

    def zero_len(p):
        a = ctx.arrays()
        a = {"X": np.zeros((10, 0, 2), "f4"), "Y": a["Y"][:10], "Z": a["Z"][:10],
             "snr_db": a["snr_db"][:10]}
        ctx.write_h5(p, a, chunked=False)

    variants = [
        ("chunked", "X [0,128,2], chunked/extensible", empty(True),
         {"info": "either", "convert": "either", "subset": "either", "train": "refuse",
          "eval": "refuse"}),
        ("contiguous", "X [0,128,2], contiguous", empty(False),
         {"info": "either", "convert": "either", "subset": "either", "train": "refuse",
          "eval": "refuse"}),
        ("L0", "X [10,0,2] (frames of 0 samples)", zero_len,
         {"info": "refuse", "convert": "refuse", "subset": "refuse", "train": "refuse",
          "eval": "refuse"}),
    ]
    out = []
    for name, desc, make, exps in variants:
        for cmd, exp in exps.items():
            def prep(ctx, t, name=name, make=make, cmd=cmd):
                p = shared(ctx, "zero_frames", "zero-%s.h5" % name, make)
                return {"argv": DSCMD[cmd](ctx, p, t), "offending": [p]}
            out.append(T("zero_frames", "zero_frames-%s-%s" % (name, cmd), desc, cmd, prep, exp,
                         timeout=max(ctx.timeout, 30)))
    return out


# --- 12. pickle_proto5 --------------------------------------------------------

def gen_pickle_proto5(ctx, seed, ntrials):
    out = []
    for proto in (5, 4, 3, 0, 1):
        def prep(ctx, t, proto=proto):
            o = os.path.join(t, "out.h5")
            return {"argv": [ctx.amr, "convert", ctx.S("valid-p%d.pkl" % proto), o],
                    "offending": [ctx.S("valid-p%d.pkl" % proto)],
                    "verify": ctx.h5compare(o, ctx.NPZ)}
        out.append(T("pickle_proto5", "pickle_proto5-valid-p%d" % proto,
                     "valid RML2016 pickle, python protocol %d" % proto, "convert", prep, "accept"))

    def cmd_str(marker):
        return "touch " + marker

    key = p_key("BPSK", 0)
    hostile = [
        ("os_system", "GLOBAL os.system + REDUCE",
         lambda m: p_wrap(p_glob("os", "system") + p_tup(p_ustr(cmd_str(m))) + b"R")),
        ("posix_system", "GLOBAL posix.system + REDUCE",
         lambda m: p_wrap(p_glob("posix", "system") + p_tup(p_ustr(cmd_str(m))) + b"R")),
        ("builtins_eval", "GLOBAL builtins.eval + REDUCE",
         lambda m: p_wrap(p_glob("builtins", "eval") +
                          p_tup(p_ustr("open(%r,'w').close()" % m)) + b"R")),
        ("builtins_exec", "GLOBAL builtins.exec + REDUCE",
         lambda m: p_wrap(p_glob("builtins", "exec") +
                          p_tup(p_ustr("open(%r,'w').close()" % m)) + b"R")),
        ("getattr_chain", "builtins.getattr(builtins.__import__('os'), 'system')(cmd)",
         lambda m: p_wrap(p_glob("builtins", "getattr") +
                          p_tup(p_glob("builtins", "__import__") + p_tup(p_ustr("os")) + b"R",
                                p_ustr("system")) + b"R" + p_tup(p_ustr(cmd_str(m))) + b"R")),
        ("stack_global", "protocol 4 STACK_GLOBAL os.system",
         lambda m: b"\x80\x04" + p_ustr("os") + p_ustr("system") + b"\x93" +
         p_tup(p_ustr(cmd_str(m))) + b"R."),
        ("inst", "protocol 0 INST os.system",
         lambda m: b"(V" + cmd_str(m).encode() + b"\nios\nsystem\n."),
        ("obj", "OBJ with os.system",
         lambda m: b"\x80\x02(" + p_glob("os", "system") + p_ustr(cmd_str(m)) + b"o."),
        ("newobj", "NEWOBJ subprocess.Popen",
         lambda m: p_wrap(p_glob("subprocess", "Popen") +
                          p_tup(b"]" + b"(" + p_ustr("touch") + p_ustr(m) + b"e") + b"\x81")),
        ("in_dict_value", "{('BPSK',0): os.system(cmd)}",
         lambda m: p_wrap(b"}" + key + p_glob("os", "system") + p_tup(p_ustr(cmd_str(m))) +
                          b"R" + b"s")),
        ("reconstruct_cls", "_reconstruct(os.system, ...) as the array class",
         lambda m: p_wrap(p_dict([(key, p_ndarray((1, 2, 128), b"\x00" * 1024,
                                                  cls=("os", "system")))]))),
        ("numpy_load", "GLOBAL numpy.load", lambda m: p_wrap(
            p_glob("numpy", "load") + p_tup(p_ustr(m), b"\x88") + b"R")),
        ("codecs_other", "_codecs.encode(cmd, 'rot13') as array data",
         lambda m: p_wrap(p_glob("_codecs", "encode")
                          + p_tup(p_ustr(cmd_str(m)), p_ustr("rot13")) + b"R")),
        ("persid", "PERSID opcode", lambda m: b"\x80\x02P" + cmd_str(m).encode() + b"\n."),
        ("binpersid", "BINPERSID opcode",
         lambda m: b"\x80\x02" + p_ustr(cmd_str(m)) + b"Q."),
        ("ext1", "EXT1 extension code", lambda m: b"\x80\x02\x82\x01."),
        ("build_on_str", "BUILD (setstate) on a str",
         lambda m: p_wrap(p_ustr("x") + b"}" + p_ustr("a") + p_ustr(m) + b"sb")),
    ]
    for name, desc, mk in hostile:
        def prep(ctx, t, name=name, mk=mk):
            marker = os.path.join(t, "MARKER")
            p = os.path.join(t, "evil-%s.pkl" % name)
            with open(p, "wb") as f:
                f.write(mk(marker))
            return {"argv": c_pkl(ctx, p, t), "offending": [p], "marker": marker}
        out.append(T("pickle_proto5", "pickle_proto5-evil-" + name, desc, "convert", prep))
    return out


# --- 13. huge_claims ----------------------------------------------------------

def gen_huge_claims(ctx, seed, ntrials):
    C = len(ctx.classes)

    def claims(n, chunk=1024):
        def make(p):
            a = {"X": {"shape": (n, 128, 2), "dtype": "f4", "chunks": (chunk, 128, 2),
                       "maxshape": (None, 128, 2)},
                 "Y": {"shape": (n, C), "dtype": "i8", "chunks": (chunk, C),
                       "maxshape": (None, None)},
                 "Z": {"shape": (n, 1), "dtype": "i8", "chunks": (chunk, 1),
                       "maxshape": (None, 1)},
                 "snr_db": {"shape": (n,), "dtype": "f4", "chunks": (chunk,),
                            "maxshape": (None,)}}
            ctx.write_h5(p, a)
        return make

    def long_frames(p):
        v = ctx.arrays()
        a = {"X": {"shape": (4, 2 ** 40, 2), "dtype": "f4", "chunks": (1, 4096, 2),
                   "maxshape": (None, 2 ** 40, 2)},
             "Y": v["Y"][:4], "Z": v["Z"][:4], "snr_db": v["snr_db"][:4]}
        ctx.write_h5(p, a)

    def tiny_chunks(p):
        n = 2 ** 20
        a = {"X": {"shape": (n, 128, 2), "dtype": "f4", "chunks": (1, 1, 1),
                   "maxshape": (None, 128, 2)},
             "Y": {"shape": (n, C), "dtype": "i8", "chunks": (1, 1), "maxshape": (None, None)},
             "Z": {"shape": (n, 1), "dtype": "i8", "chunks": (1, 1), "maxshape": (None, 1)},
             "snr_db": {"shape": (n,), "dtype": "f4", "chunks": (1,), "maxshape": (None,)}}
        ctx.write_h5(p, a)

    def x_claims(p):
        v = ctx.arrays()
        a = {"X": {"shape": (2 ** 31, 128, 2), "dtype": "f4", "chunks": (1024, 128, 2),
                   "maxshape": (None, 128, 2)},
             "Y": v["Y"], "Z": v["Z"], "snr_db": v["snr_db"]}
        ctx.write_h5(p, a)

    def labels_real_x_huge(p):
        # Y/Z/snr claim 2^31 rows but hold one-hot data in the first 880
        v = ctx.arrays()
        n = 2 ** 31
        import h5py
        ctx.write_h5(p, {"X": {"shape": (n, 128, 2), "dtype": "f4", "chunks": (1024, 128, 2),
                               "maxshape": (None, 128, 2)}})
        with h5py.File(p, "r+") as f:
            for k, shp in (("Y", (n, C)), ("Z", (n, 1)), ("snr_db", (n,))):
                d = f.create_dataset(k, shape=shp, dtype=v[k].dtype,
                                     chunks=(1024,) + shp[1:], maxshape=(None,) + shp[1:])
                d[:len(v[k])] = v[k]

    def external(target, n, real_labels):
        def make(p):
            import h5py
            v = ctx.arrays()
            ext = [(target, 0, h5py.h5f.UNLIMITED)]
            a = {"X": {"shape": (n, 128, 2), "dtype": "f4", "external": ext}}
            if real_labels:
                a.update(Y=v["Y"][:n], Z=v["Z"][:n], snr_db=v["snr_db"][:n])
            else:
                a.update(Y={"shape": (n, C), "dtype": "i8", "external": ext},
                         Z={"shape": (n, 1), "dtype": "i8", "external": ext},
                         snr_db={"shape": (n,), "dtype": "f4", "external": ext})
            ctx.write_h5(p, a)
        return make

    def vds(p):
        import h5py
        v = ctx.arrays()
        n = 2 ** 31
        with h5py.File(p + ".src", "w") as f:
            f["X"] = v["X"][:1]
        lay = h5py.VirtualLayout(shape=(n, 128, 2), dtype="f4")
        lay[0:1] = h5py.VirtualSource(p + ".src", "X", shape=(1, 128, 2))
        ctx.write_h5(p, {"Y": {"shape": (n, C), "dtype": "i8", "chunks": (1024, C)},
                         "Z": {"shape": (n, 1), "dtype": "i8", "chunks": (1024, 1)}})
        with h5py.File(p, "r+") as f:
            f.create_virtual_dataset("X", lay, fillvalue=0)

    variants = [
        ("n2^31", "2^31 frames declared, no data (chunked)", claims(2 ** 31)),
        ("ext_devzero", "X/Y/Z/snr_db external storage in /dev/zero, 2^31 frames",
         external("/dev/zero", 2 ** 31, False)),
        ("ext_missing", "X external storage in a nonexistent file (880 frames)",
         external("/nonexistent/adversary-frames.bin", 880, True)),
        ("vds", "X a virtual dataset of 2^31 frames mapping one real frame", vds),
        ("n2^35", "2^35 frames declared, no data", claims(2 ** 35)),
        ("n2^40", "2^40 frames declared, no data", claims(2 ** 40, 65536)),
        ("L2^40", "4 frames of 2^40 samples declared", long_frames),
        ("tiny_chunks", "2^20 frames, 1-element chunks, no data", tiny_chunks),
        ("x_only", "X claims 2^31 frames, Y/Z have 880", x_claims),
        ("labels_partial", "2^31 rows, first 880 labels written", labels_real_x_huge),
    ]
    out = []
    for name, desc, make in variants:
        for cmd in ("info", "subset", "convert", "train", "eval"):
            def prep(ctx, t, name=name, make=make, cmd=cmd):
                p = shared(ctx, "huge_claims", "huge-%s.h5" % name.replace("^", ""), make)
                return {"argv": DSCMD[cmd](ctx, p, t), "offending": [p]}
            out.append(T("huge_claims", "huge_claims-%s-%s" % (name, cmd), desc, cmd, prep))
    return out


# --- 14. valid_control --------------------------------------------------------

def gen_valid_control(ctx, seed, ntrials):
    out = []

    def add(name, desc, cmd, fn, verify=None, timeout=None):
        def prep(ctx, t):
            argv, cwd = fn(ctx, t)
            d = {"argv": argv, "offending": [ctx.D], "cwd": cwd or t}
            if verify:
                d["verify"] = verify(ctx, t)
            return d
        out.append(T("valid_control", "valid_control-" + name, desc, cmd, prep, "accept",
                     timeout=timeout or max(ctx.timeout, 60)))

    def exists(*names):
        def v(ctx, t):
            def f():
                for n in names:
                    if not os.path.exists(os.path.join(t, n)):
                        return False, "missing output " + n
                return True, ""
            return f
        return v

    def lines(name, want):
        def v(ctx, t):
            def f():
                p = os.path.join(t, name)
                if not os.path.exists(p):
                    return False, "missing " + name
                with open(p) as fh:
                    n = [ln for ln in fh.read().splitlines()
                         if ln.strip() and not ln.startswith("#")]
                return (len(n) == want, "%d lines, expected %d" % (len(n), want))
            return f
        return v

    def a(ctx):
        return ctx.amr
    add("info", "amr info valid.h5", "info", lambda ctx, t: (c_info(ctx, ctx.D, t), None))
    add("info-json", "amr info --json", "info",
        lambda ctx, t: ([a(ctx), "info", ctx.D, "--json", os.path.join(t, "i.json")], None),
        exists("i.json"))
    add("subset-all", "subset everything", "subset", lambda ctx, t: (c_subset(ctx, ctx.D, t), None),
        lambda ctx, t: ctx.h5compare(os.path.join(t, "out.h5"), ctx.NPZ))
    add("subset-test-index", "subset --split test --write-index", "subset",
        lambda ctx, t: ([a(ctx), "subset", ctx.D, "--split", "test", "--write-index",
                         os.path.join(t, "test.idx")], None),
        lines("test.idx", len(ctx.test_idx)))
    add("subset-index", "subset --index train100.idx", "subset",
        lambda ctx, t: (c_subset(ctx, ctx.D, t) + ["--index", ctx.S("train100.idx")], None),
        exists("out.h5"))
    add("subset-classes", "subset --classes BPSK,QPSK --snr-min 6", "subset",
        lambda ctx, t: (c_subset(ctx, ctx.D, t) + ["--classes", "BPSK,QPSK", "--snr-min", "6"],
                        None), exists("out.h5"))
    add("convert-to-sigmf", "convert valid.h5 -> sigmf", "convert",
        lambda ctx, t: (c_convert(ctx, ctx.D, t), None),
        exists("out.sigmf-meta", "out.sigmf-data"))

    def sigmf_back(ctx, t):
        return ([a(ctx), "convert", ctx.SIG, os.path.join(t, "out.h5")], None)
    add("convert-from-sigmf", "convert valid.sigmf-meta -> h5", "convert", sigmf_back,
        lambda ctx, t: ctx.h5compare(os.path.join(t, "out.h5"), ctx.NPZ))
    for pk in ("valid-emit.pkl", "valid-py2.pkl", "valid-p2.pkl"):
        add("convert-" + pk[:-4], "convert %s -> h5" % pk, "convert",
            lambda ctx, t, pk=pk: (c_pkl(ctx, ctx.S(pk), t), None),
            lambda ctx, t: ctx.h5compare(os.path.join(t, "out.h5"), ctx.NPZ))
    add("train", "train -m cnn1d -e 1", "train", lambda ctx, t: (c_train(ctx, ctx.D, t), None),
        exists("train/model.pt", "train/dynamics.h5"))
    add("train-index", "train --index train100.idx", "train",
        lambda ctx, t: (c_train(ctx, ctx.D, t) + ["--index", ctx.S("train100.idx")], None),
        exists("train/model.pt"))
    add("train-finetune", "train -m run/model.pt (fine-tune)", "train",
        lambda ctx, t: ([a(ctx), "train", ctx.D, "-o", os.path.join(t, "train"), "-m", ctx.M,
                         "-e", "1", "-j", "1"], None), exists("train/model.pt"))
    add("eval", "eval (native engine)", "eval", lambda ctx, t: (c_eval(ctx, ctx.D, t), None),
        exists("eval/eval.json"))
    add("eval-libtorch", "eval --engine libtorch", "eval",
        lambda ctx, t: (c_eval(ctx, ctx.D, t) + ["--engine", "libtorch"], None),
        exists("eval/eval.json"))
    add("eval-custom-model", "eval of a scripted wrapper model (arch 'custom')", "eval",
        lambda ctx, t: (c_eval(ctx, ctx.D, t, model=ctx.S("models", "model-good-custom.pt")),
                        None), exists("eval/eval.json"))
    add("eval-wrapper-zoo", "eval --engine libtorch of the wrapper with zoo metadata", "eval",
        lambda ctx, t: (c_eval(ctx, ctx.D, t, model=ctx.S("models", "model-good-zoo.pt")) +
                        ["--engine", "libtorch"], None), exists("eval/eval.json"))
    add("select-run", "select foqus --run (record's own path spelling)", "select",
        lambda ctx, t: ([a(ctx), "select", "valid.h5", "--run", "run", "--method", "foqus",
                         "--rate", "0.1", "-o", os.path.join(t, "core.idx")], ctx.setup),
        exists("core.idx"))
    add("select-abs", "select foqus --dynamics, absolute dataset path", "select",
        lambda ctx, t: (c_select(ctx, ctx.D, t), None), exists("core.idx"))
    add("select-uniform", "select uniform without a record", "select",
        lambda ctx, t: ([a(ctx), "select", ctx.D, "--method", "uniform", "--rate", "0.1", "-o",
                         os.path.join(t, "core.idx")], None), exists("core.idx"))
    add("select-leastconf", "select leastconf --model", "select",
        lambda ctx, t: ([a(ctx), "select", ctx.D, "--model", ctx.M, "--method", "leastconf",
                         "--rate", "0.1", "-o", os.path.join(t, "core.idx")], None),
        exists("core.idx"))
    add("prune", "prune l1norm, 1 epoch", "prune",
        lambda ctx, t: ([a(ctx), "prune", ctx.D, "-m", ctx.M, "-o", os.path.join(t, "prune"),
                         "--method", "l1norm", "-e", "1", "--diagnosis-epochs", "1",
                         "--probe-epochs", "1", "-j", "1"], None),
        exists("prune/model.pt"), timeout=max(ctx.timeout, 120))
    return out


GENERATORS = {
    "hdf5_flip": gen_hdf5_flip, "deep_json": gen_deep_json, "deep_pickle": gen_deep_pickle,
    "overflow_pickle": gen_overflow_pickle, "bad_model_output": gen_bad_model_output,
    "fifo_and_dirs": gen_fifo_and_dirs, "labels": gen_labels, "index": gen_index,
    "dynamics": gen_dynamics, "sigmf": gen_sigmf, "zero_frames": gen_zero_frames,
    "pickle_proto5": gen_pickle_proto5, "huge_claims": gen_huge_claims,
    "valid_control": gen_valid_control,
}


# ---------------------------------------------------------------------------
# Main


def first_line(err):
    ls = stderr_lines(err)
    # skip progress lines: prefer the first line that looks like an error
    for ln in ls:
        if ERRWORDS.search(ln):
            return ln[:200]
    return ls[0][:200] if ls else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--amr", required=True, help="path of the amr tool")
    ap.add_argument("--workdir", required=True, help="setup cache and trial directories")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trials", type=int, default=60, help="hdf5_flip trials (random class)")
    ap.add_argument("--json", help="write every trial's result here")
    ap.add_argument("--classes", help="comma-separated trial classes (default: all)")
    ap.add_argument("--only", help="comma-separated trial ids to run")
    ap.add_argument("--timeout", type=float, default=20, help="seconds per command")
    ap.add_argument("--max-seconds", type=float, default=3600,
                    help="total time bound: trials after it are skipped")
    ap.add_argument("--mem-limit-mb", type=int, default=4096,
                    help="RLIMIT_AS of every command (0 = none)")
    ap.add_argument("--keep", action="store_true", help="keep every trial directory")
    ap.add_argument("--keep-failed", action="store_true", help="keep failed trial directories")
    ap.add_argument("--fresh-setup", action="store_true", help="rebuild the setup artefacts")
    ap.add_argument("--list", action="store_true", help="list the trials and exit")
    ap.add_argument("--helper", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()

    t_start = time.monotonic()
    ctx = Ctx(args)
    if not os.access(ctx.amr, os.X_OK):
        sys.exit("adversary: %s is not executable" % ctx.amr)
    os.makedirs(ctx.work, exist_ok=True)
    ctx.do_setup()

    classes = args.classes.split(",") if args.classes else CLASSES
    for c in classes:
        if c not in GENERATORS:
            sys.exit("adversary: unknown class '%s' (known: %s)" % (c, ",".join(CLASSES)))
    only = set(args.only.split(",")) if args.only else None
    trials = []
    for c in classes:
        trials += [t for t in GENERATORS[c](ctx, args.seed, args.trials)
                   if only is None or t["tid"] in only]
    if args.list:
        for t in trials:
            print("%-48s %-8s %-7s %s" % (t["tid"], t["cmd"], t["expect"], t["desc"]))
        return 0

    if os.path.exists(ctx.trials_dir):
        shutil.rmtree(ctx.trials_dir)
    os.makedirs(ctx.trials_dir)
    results = []
    deadline = t_start + args.max_seconds
    cur_cls = None
    for n, t in enumerate(trials):
        if t["cls"] != cur_cls:
            if cur_cls:
                shutil.rmtree(os.path.join(ctx.inputs, cur_cls), ignore_errors=True)
            cur_cls = t["cls"]
            print("== %s" % cur_cls, flush=True)
        rec = {"tid": t["tid"], "class": t["cls"], "command": t["cmd"], "mutation": t["desc"],
               "expect": t["expect"]}
        if time.monotonic() > deadline:
            rec.update(outcome="skipped", note="total time bound reached")
            results.append(rec)
            continue
        tdir = os.path.join(ctx.trials_dir, t["tid"])
        os.makedirs(tdir)
        try:
            spec = t["prepare"](ctx, tdir)
        except Exception as e:  # noqa: BLE001
            rec.update(outcome="skipped", note="could not build the input: %s: %s" % (
                type(e).__name__, e))
            results.append(rec)
            print("  %-50s SKIP  %s" % (t["tid"], rec["note"][:80]), flush=True)
            shutil.rmtree(tdir, ignore_errors=True)
            continue
        spec.update(t)
        for attempt in range(41):
            r = run(spec["argv"], cwd=spec.get("cwd", tdir),
                    timeout=t["timeout"] or args.timeout, mem_mb=args.mem_limit_mb)
            if r.rc == 0 or r.timed_out or not ENVFAIL.search(r.err) or attempt == 40:
                break
            # a concurrent build is relinking the tool: not a finding, wait and rerun
            print("  %-50s (the tool is being rebuilt: %s; retrying in 30 s)" % (
                t["tid"], ENVFAIL.search(r.err).group(0)), flush=True)
            time.sleep(30)
            shutil.rmtree(tdir, ignore_errors=True)
            os.makedirs(tdir)
            spec = t["prepare"](ctx, tdir)
            spec.update(t)
        outcome, note = classify(spec, r, ctx)
        rec.update(outcome=outcome, note=note, rc=r.rc, signal=r.signal_name,
                   seconds=round(r.secs, 2),
                   argv=[os.path.relpath(a, ctx.work) if isinstance(a, str) and
                         a.startswith(ctx.work) else str(a) for a in spec["argv"]],
                   stderr_first=(stderr_lines(r.err) or [""])[0][:300],
                   stderr_error=first_line(r.err), stderr_tail=r.err[-1500:])
        results.append(rec)
        flag = "    " if outcome == "ok" else "FAIL"
        print("  %-50s %s %-8s %5.1fs %s" % (t["tid"], flag, outcome, r.secs,
                                             ("| " + rec["stderr_error"][:90]) if outcome != "ok"
                                             else ""), flush=True)
        if args.keep or (args.keep_failed and outcome in FAILURES):
            with open(os.path.join(tdir, "result.json"), "w") as f:
                json.dump(rec, f, indent=1)
        else:
            shutil.rmtree(tdir, ignore_errors=True)
    if cur_cls:
        shutil.rmtree(os.path.join(ctx.inputs, cur_cls), ignore_errors=True)

    # summary
    summ = {}
    for rec in results:
        s = summ.setdefault(rec["class"], {k: 0 for k in COLUMNS})
        s["trials"] += 1
        s[rec["outcome"]] += 1
    tot = {k: sum(s[k] for s in summ.values()) for k in COLUMNS}
    print()
    print("adversary: seed %d, %d trials, %.0f s, amr %s" % (
        args.seed, len(results), time.monotonic() - t_start, ctx.amr))
    hdr = "%-17s" % "class" + "".join("%8s" % k for k in COLUMNS)
    print(hdr)
    print("-" * len(hdr))
    for c in classes:
        if c in summ:
            print("%-17s" % c + "".join("%8d" % summ[c][k] for k in COLUMNS))
    print("-" * len(hdr))
    print("%-17s" % "total" + "".join("%8d" % tot[k] for k in COLUMNS))
    failed = [r for r in results if r["outcome"] in FAILURES]
    if failed:
        print("\nfailures:")
        for r in failed:
            note = " (%s)" % r["note"] if r["note"] else ""
            print("  %s [%s] %s: %s | %s" % (
                r["tid"], r["command"], r["mutation"][:60], r["outcome"] + note,
                r.get("stderr_error", "")[:140]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seed": args.seed, "trials_arg": args.trials, "amr": ctx.amr,
                       "summary": summ, "total": tot, "results": results}, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--helper":
        h = sys.argv[2]
        if h == "h5check":
            helper_h5check(sys.argv[3])
        elif h == "h5compare":
            helper_h5compare(sys.argv[3], sys.argv[4])
        elif h == "models":
            helper_make_models(sys.argv[3], sys.argv[4])
        sys.exit(0)
    sys.exit(main())

#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Helpers shared by the flowgraph tests (not a test itself)."""

import os
import subprocess

import pmt

AMR = os.environ.get("AMR_TOOL", "amr")


def amr_run(*args, env=None, timeout=900, cwd=None):
    """Runs the amr tool and returns its CompletedProcess (output captured),
    whatever its exit code: for tests of failures. Arguments may be any
    objects (paths, numbers): each is passed as str(arg)."""
    return subprocess.run([AMR, *(str(a) for a in args)], capture_output=True, text=True,
                          errors="replace", timeout=timeout, env=env, cwd=cwd)


def amr(*args, env=None, timeout=900, cwd=None):
    """Runs the amr tool; the test fails with its stderr if it fails."""
    r = amr_run(*args, env=env, timeout=timeout, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return r


def field(msg, key):
    """One entry of a PMT dict message, as a Python value."""
    return pmt.to_python(pmt.dict_ref(msg, pmt.intern(key), pmt.PMT_NIL))

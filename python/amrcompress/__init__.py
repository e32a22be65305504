#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
'''
gr-amrcompress: deep-learning automatic modulation recognition for small SDR
hosts. The dataset store, the RML2016.10a-style generator and (later) the
blocks are implemented in C++; this package exposes them to Python.
'''
from .amrcompress_python import *

#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
'''
gr-amrcompress: deep-learning automatic modulation recognition for small SDR
hosts. The dataset store, the RML2016.10a-style generator and the blocks are
implemented in C++; this package exposes them to Python.

Importing it does not load LibTorch: the classifier runs zoo models on its
native engine and loads LibTorch only for a model that needs it. The blocks
that train with LibTorch (coreset_keeper) live in a second extension module,
imported on first use of their names; so is the Qt display block
(classification_display), which loads PyQt5.
'''
from .amrcompress_python import *

# Names provided by the LibTorch part (amrcompress_ml_python) and by the Qt
# display, imported on first use.
_ML_NAMES = frozenset({"coreset_keeper"})
_GUI_NAMES = frozenset({"classification_display"})


def __getattr__(name):
    if name in _ML_NAMES:
        from . import amrcompress_ml_python as module
    elif name in _GUI_NAMES:
        from . import classification_display as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | _ML_NAMES | _GUI_NAMES)

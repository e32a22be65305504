/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <pybind11/pybind11.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

namespace py = pybind11;

void bind_dataset(py::module& m);
void bind_generator(py::module& m);
void bind_blocks(py::module& m);

// import_array() returns NULL on newer Pythons; wrapping it keeps the macro happy.
void* init_numpy()
{
    import_array();
    return NULL;
}

PYBIND11_MODULE(amrcompress_python, m)
{
    init_numpy();
    py::module::import("gnuradio.gr");
    bind_dataset(m);
    bind_generator(m);
    bind_blocks(m);
}

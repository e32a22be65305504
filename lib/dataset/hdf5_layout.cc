/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hdf5_guard.h"
#include "hdf5_layout.h"
#include <mutex>

namespace gr {
namespace amrcompress {
namespace h5 {

namespace {
H5::StrType variable_string()
{
    H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
    t.setCset(H5T_CSET_UTF8);
    return t;
}
} // namespace

std::recursive_mutex& library_mutex()
{
    static std::recursive_mutex m;
    // The checking child (hdf5_guard.h) is forked while its parent holds m.
    // glibc records a recursive mutex's owner by thread id, and the child's
    // thread has a new one: locking m there would wait forever. The child has
    // one thread, so a lock of its own, never held, serves.
    static std::recursive_mutex in_child;
    return in_checking_subprocess() ? in_child : m;
}

void silence_library_errors()
{
    static std::once_flag once;
    std::call_once(once, [] { H5::Exception::dontPrint(); });
}

void write_string_attr(H5::H5Object& obj, const char* name, const std::string& value)
{
    if (obj.attrExists(name))
        obj.removeAttr(name);
    H5::StrType t = variable_string();
    H5::Attribute a = obj.createAttribute(name, t, H5::DataSpace(H5S_SCALAR));
    a.write(t, value);
}

void write_string_list_attr(H5::H5Object& obj,
                            const char* name,
                            const std::vector<std::string>& values)
{
    if (obj.attrExists(name))
        obj.removeAttr(name);
    H5::StrType t = variable_string();
    hsize_t n = values.size();
    H5::Attribute a = obj.createAttribute(name, t, H5::DataSpace(1, &n));
    std::vector<const char*> ptrs;
    for (const auto& v : values)
        ptrs.push_back(v.c_str());
    a.write(t, ptrs.data());
}

void write_double_attr(H5::H5Object& obj, const char* name, double value)
{
    if (obj.attrExists(name)) {
        H5::Attribute a = obj.openAttribute(name);
        if (a.getTypeClass() == H5T_FLOAT && a.getSpace().getSimpleExtentNpoints() == 1) {
            // In place: the attribute message keeps its size and place, so a
            // capture that retunes rewrites one header and allocates nothing.
            a.write(H5::PredType::NATIVE_DOUBLE, &value);
            return;
        }
        a.close();
        obj.removeAttr(name);
    }
    H5::Attribute a =
        obj.createAttribute(name, H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR));
    a.write(H5::PredType::NATIVE_DOUBLE, &value);
}

bool has_attr(const H5::H5Object& obj, const char* name) { return obj.attrExists(name); }

std::string read_string_attr(const H5::H5Object& obj, const char* name)
{
    H5::Attribute a = obj.openAttribute(name);
    H5::DataType t = a.getDataType();
    if (t.getClass() != H5T_STRING)
        throw H5::AttributeIException(
            "read_string_attr", std::string("attribute ") + name + " is not a string");
    std::string s;
    a.read(a.getStrType(), s);
    return s;
}

std::vector<std::string> read_string_list_attr(const H5::H5Object& obj, const char* name)
{
    H5::Attribute a = obj.openAttribute(name);
    H5::StrType t = a.getStrType();
    H5::DataSpace sp = a.getSpace();
    if (sp.getSimpleExtentNdims() != 1)
        throw H5::AttributeIException("read_string_list_attr",
                                      std::string("attribute ") + name +
                                          " is not a 1-D list");
    hsize_t n = 0;
    sp.getSimpleExtentDims(&n);
    std::vector<std::string> out;
    if (t.isVariableStr()) {
        std::vector<char*> ptrs(n, nullptr);
        H5::StrType mem(H5::PredType::C_S1, H5T_VARIABLE);
        mem.setCset(t.getCset());
        a.read(mem, ptrs.data());
        for (auto* p : ptrs)
            out.emplace_back(p ? p : "");
        H5Dvlen_reclaim(mem.getId(), sp.getId(), H5P_DEFAULT, ptrs.data());
    } else {
        // Fixed-length strings, as numpy's 'S' dtype writes them.
        size_t len = t.getSize();
        std::vector<char> buf(n * len);
        a.read(t, buf.data());
        for (hsize_t i = 0; i < n; i++) {
            std::string s(buf.data() + i * len, len);
            s.erase(s.find_last_not_of('\0') + 1);
            out.push_back(s);
        }
    }
    return out;
}

double read_double_attr(const H5::H5Object& obj, const char* name)
{
    H5::Attribute a = obj.openAttribute(name);
    double v = 0;
    a.read(H5::PredType::NATIVE_DOUBLE, &v);
    return v;
}

} // namespace h5
} // namespace amrcompress
} // namespace gr

/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What LibTorch writes for a tensor attribute, in data.pkl (protocol 2):
 *
 *   c torch._utils _rebuild_tensor_v2         (BINPUT; later BINGET)
 *   ( ( 'storage' c torch FloatStorage '<key>' 'cpu' <numel> t Q     BINPERSID
 *       <storage_offset> ( <sizes> t ( <strides> t <requires_grad>
 *       c collections OrderedDict ) R         backward hooks: OrderedDict()
 *   t R
 *
 * inside the module object: c __torch__ <Class>, ), NEWOBJ, then the state
 * dict of its attributes (}, ( name value ... u) and BUILD. The storage is
 * the record <archive>/data/<key>: numel elements, raw, little-endian unless
 * <archive>/byteorder says otherwise.
 */
#include "../util/input_file.h"
#include "convert/pickle_reader.h"
#include "torchscript_archive.h"
#include <gnuradio/amrcompress/error.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>

namespace gr {
namespace amrcompress {
namespace deploy {

namespace {

using pickle::kind;
using pickle::value;
using pickle::vptr;

constexpr uint64_t MiB = uint64_t(1) << 20;
constexpr uint64_t GiB = uint64_t(1) << 30;
constexpr uint64_t max_pickle_bytes = 64 * MiB;
constexpr uint64_t max_extra_bytes = 64 * MiB;
constexpr uint64_t max_record_bytes = 2 * GiB;
constexpr uint64_t max_total_bytes = 4 * GiB;
constexpr uint64_t max_repeat_bytes = 64 * MiB; // tensor bytes beyond the storages read
constexpr size_t max_pickle_items = size_t(1) << 20;
constexpr zip_int64_t max_entries = zip_int64_t(1) << 20;
constexpr size_t max_dims = 64;
constexpr size_t max_modules = size_t(1) << 16;
constexpr size_t max_attributes = size_t(1) << 22;

std::string zip_message(int code)
{
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    std::string m = zip_error_strerror(&e);
    zip_error_fini(&e);
    return m;
}

std::string shape_text(const std::vector<int64_t>& v)
{
    std::string s = "[";
    for (size_t i = 0; i < v.size(); i++)
        s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
}

bool is_str(const vptr& v) { return v && (v->k == kind::text || v->k == kind::bytes); }

bool host_little_endian()
{
    const uint16_t one = 1;
    return *reinterpret_cast<const uint8_t*>(&one) == 1;
}

class reader
{
public:
    explicit reader(const std::string& path) : path(path) {}

    ~reader()
    {
        if (z)
            zip_discard(z); // read-only: nothing to write back
    }

    torchscript_contents read()
    {
        open();
        index();
        torchscript_contents out;
        out.archive_name = arch;
        read_byteorder();
        read_extras(out);

        auto pkl = find(arch + "/data.pkl");
        if (!pkl)
            fail("no " + arch + "/data.pkl in the zip: not a TorchScript archive");
        const std::string bytes = read_entry(arch + "/data.pkl", *pkl, max_pickle_bytes);
        pickle::options opt;
        opt.d = pickle::dialect::torchscript;
        opt.max_items = max_pickle_items;
        // Errors name the record inside the file.
        vptr root = pickle::parse(bytes, path + ":" + arch + "/data.pkl", opt);
        walk(root, out);
        return out;
    }

private:
    const std::string path;
    zip_t* z = nullptr;
    std::string arch;
    std::map<std::string, zip_uint64_t> entries;
    uint64_t total_read = 0;    // bytes of records read
    uint64_t storage_bytes = 0; // of which storages
    uint64_t tensor_bytes = 0;  // tensor data produced
    bool swap = false;          // file byte order differs from the host's
    std::map<std::string, std::string> storages; // key -> record bytes

    [[noreturn]] void fail(const std::string& what) const
    {
        throw input_error(path, what);
    }

    void open()
    {
        // Refused before open(): a FIFO would block it.
        require_regular_file(path, "TorchScript model");
        // O_NONBLOCK: should it have been swapped for a FIFO since stat().
        int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
            fail(std::string("cannot open: ") + std::strerror(errno));
        struct stat fst;
        if (::fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
            ::close(fd);
            fail("not a regular file: refusing it as a TorchScript model");
        }
        int fl = ::fcntl(fd, F_GETFL);
        if (fl >= 0)
            ::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        if (fst.st_size == 0) {
            ::close(fd);
            fail("empty file, not a TorchScript model");
        }
        int err = 0;
        z = zip_fdopen(fd, ZIP_CHECKCONS, &err);
        if (!z) {
            ::close(fd); // zip_fdopen leaves it open on failure
            if (err == ZIP_ER_NOZIP)
                fail("not a zip archive, so not a TorchScript model (or truncated)");
            fail("unreadable zip archive (" + zip_message(err) +
                 "): truncated or corrupt TorchScript model");
        }
    }

    void index()
    {
        zip_int64_t n = zip_get_num_entries(z, 0);
        if (n <= 0)
            fail("empty zip archive, not a TorchScript model");
        if (n > max_entries)
            fail("zip archive with " + std::to_string(n) +
                 " entries, more than the limit of " + std::to_string(max_entries));
        for (zip_int64_t i = 0; i < n; i++) {
            const char* name = zip_get_name(z, zip_uint64_t(i), ZIP_FL_ENC_RAW);
            if (!name)
                fail(std::string("corrupt zip directory (") + zip_strerror(z) + ")");
            if (!entries.emplace(name, zip_uint64_t(i)).second)
                fail(std::string("the zip holds two entries named '") + name + "'");
            if (i == 0) { // as LibTorch: the first record names the archive
                std::string first = name;
                size_t slash = first.find('/');
                if (slash == std::string::npos || slash == 0)
                    fail("first zip entry '" + first +
                         "' is not in a top folder: not a TorchScript archive");
                arch = first.substr(0, slash);
            }
        }
    }

    const zip_uint64_t* find(const std::string& name) const
    {
        auto it = entries.find(name);
        return it == entries.end() ? nullptr : &it->second;
    }

    std::string read_entry(const std::string& name, zip_uint64_t idx, uint64_t limit)
    {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(z, idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
            fail(name + ": unreadable zip entry (" + zip_strerror(z) + ")");
        if (st.size > limit)
            fail(name + " is " + std::to_string(st.size) +
                 " bytes uncompressed, more than the limit of " + std::to_string(limit));
        if (st.size > max_total_bytes - total_read)
            fail("records to read exceed " + std::to_string(max_total_bytes) +
                 " bytes in all (at " + name + ")");
        total_read += st.size;
        std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen_index(z, idx, 0),
                                                            zip_fclose);
        if (!f)
            fail(name + ": cannot read the zip entry (" + zip_strerror(z) + ")");
        // Grown as the data arrives, not allocated as declared: a 5 KB zip
        // that declares a 2 GB entry (within the limit) costs 16 MiB, not 2 GB.
        std::string out;
        uint64_t got = 0;
        while (got < st.size) {
            const uint64_t step = std::min<uint64_t>(st.size - got, 16 * MiB);
            out.resize(size_t(got + step));
            zip_int64_t r = zip_fread(f.get(), &out[got], step);
            if (r < 0)
                fail(name + ": corrupt zip entry (" + zip_file_strerror(f.get()) + ")");
            if (r == 0)
                fail(name + ": zip entry ends after " + std::to_string(got) + " of " +
                     std::to_string(st.size) + " bytes (truncated or corrupt)");
            got += uint64_t(r);
        }
        // One more byte: reaches the end, where libzip checks the CRC, and
        // proves the data is no longer than declared (bombs stop here).
        char more;
        zip_int64_t r = zip_fread(f.get(), &more, 1);
        if (r < 0)
            fail(name + ": corrupt zip entry (" + zip_file_strerror(f.get()) + ")");
        if (r > 0)
            fail(name + ": zip entry holds more data than its declared " +
                 std::to_string(st.size) + " bytes");
        int rc = zip_fclose(f.release());
        if (rc != 0)
            fail(name + ": corrupt zip entry (" + zip_message(rc) + ")");
        return out;
    }

    void read_byteorder()
    {
        auto idx = find(arch + "/byteorder");
        bool little =
            true; // LibTorch before 2.1 wrote none: native, little-endian in practice
        if (idx) {
            std::string b = read_entry(arch + "/byteorder", *idx, 64);
            if (b == "big")
                little = false;
            else if (b != "little")
                fail(arch + "/byteorder is '" + b + "', expected 'little' or 'big'");
        }
        swap = little != host_little_endian();
    }

    void read_extras(torchscript_contents& out)
    {
        const std::string pre = arch + "/extra/";
        for (const auto& [name, idx] : entries) {
            if (name.compare(0, pre.size(), pre) != 0 || name.size() == pre.size() ||
                name.back() == '/')
                continue;
            out.extra[name.substr(pre.size())] = read_entry(name, idx, max_extra_bytes);
        }
    }

    // ---- the module ----

    void walk(const vptr& root, torchscript_contents& out)
    {
        if (root->k != kind::object) {
            if (root->k == kind::dict)
                fail(arch + "/data.pkl holds a dict, not a TorchScript module "
                            "(a torch.save() file rather than torch.jit.save()?)");
            fail(arch + "/data.pkl holds a " + pickle::describe(root) +
                 ", not a TorchScript module");
        }
        if (!root->state || root->state->k != kind::dict)
            fail(arch + "/data.pkl: the module " + root->s +
                 " has no attribute dict (a custom __getstate__ is not supported)");
        out.module_class = root->s;

        std::vector<std::pair<std::string, const value*>> todo{ { "", root.get() } };
        size_t modules = 0, attributes = 0;
        while (!todo.empty()) {
            auto [prefix, obj] = todo.back();
            todo.pop_back();
            if (++modules > max_modules)
                fail("more than " + std::to_string(max_modules) + " (sub)modules");
            for (const auto& [k, v] : obj->state->entries) {
                if (++attributes > max_attributes)
                    fail("more than " + std::to_string(max_attributes) + " attributes");
                if (!is_str(k))
                    fail(arch + "/data.pkl: an attribute name of " + obj->s + " is a " +
                         pickle::describe(k));
                const std::string name = prefix + k->s;
                if (v->k == kind::tensor)
                    tensor(name, *v, out);
                else if (v->k == kind::object && v->state && v->state->k == kind::dict)
                    todo.push_back({ name + ".", v.get() });
            }
        }
    }

    [[noreturn]] void bad_tensor(const std::string& name, const std::string& what) const
    {
        fail("tensor '" + name + "': " + what);
    }

    int64_t nonneg_int(const vptr& v, const std::string& name, const char* what) const
    {
        if (v->k != kind::integer)
            bad_tensor(name,
                       std::string(what) + " is a " + pickle::describe(v) +
                           ", expected an int");
        if (v->i < 0)
            bad_tensor(name,
                       std::string(what) + " is " + std::to_string(v->i) +
                           ", must be >= 0");
        return v->i;
    }

    std::vector<int64_t>
    int_tuple(const vptr& v, const std::string& name, const char* what)
    {
        if (v->k != kind::tuple)
            bad_tensor(name,
                       std::string(what) + " is a " + pickle::describe(v) +
                           ", expected a tuple");
        if (v->items.size() > max_dims)
            bad_tensor(name,
                       std::to_string(v->items.size()) + " dimensions, more than " +
                           std::to_string(max_dims));
        std::vector<int64_t> r;
        for (const auto& d : v->items)
            r.push_back(nonneg_int(d, name, what));
        return r;
    }

    const std::string& storage(const std::string& key, const std::string& name)
    {
        auto it = storages.find(key);
        if (it != storages.end())
            return it->second;
        const std::string rec = arch + "/data/" + key;
        auto idx = find(rec);
        if (!idx)
            bad_tensor(name, "its storage record " + rec + " is missing");
        std::string b = read_entry(rec, *idx, max_record_bytes);
        storage_bytes += b.size();
        return storages.emplace(key, std::move(b)).first->second;
    }

    void tensor(const std::string& name, const value& t, torchscript_contents& out)
    {
        const auto& a = t.items;
        if (t.s != "torch._utils._rebuild_tensor_v2" || a.size() < 6 || a.size() > 7)
            bad_tensor(name, "unexpected arguments to _rebuild_tensor_v2");
        // ('storage', torch.FloatStorage, key, location, numel)
        if (a[0]->k != kind::persistent || !a[0]->state || a[0]->state->k != kind::tuple)
            bad_tensor(name,
                       "its storage is a " + pickle::describe(a[0]) +
                           ", expected a persistent id");
        const auto& pid = a[0]->state->items;
        if (pid.size() != 5 || !is_str(pid[0]) || pid[0]->s != "storage" ||
            !is_str(pid[2]) || !is_str(pid[3]))
            bad_tensor(name,
                       "unexpected storage reference (expected ('storage', type, key, "
                       "location, numel))");
        std::string type;
        bool f32 = false;
        if (pid[1]->k == kind::global) {
            type = pid[1]->s;
            f32 = type == "torch.FloatStorage" || type == "torch.float32" ||
                  type == "torch.float";
        } else if (pid[1]->k == kind::integer) { // a ScalarType code; 6 is Float
            type = "dtype " + std::to_string(pid[1]->i);
            f32 = pid[1]->i == 6;
        } else
            bad_tensor(name, "storage type is a " + pickle::describe(pid[1]));
        if (!f32) {
            out.skipped[name] = type;
            out.tensors.erase(name);
            return;
        }
        const std::string& key = pid[2]->s;
        if (key.empty() || key.size() > 256 || key == "." || key == ".." ||
            key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789_.-") != std::string::npos)
            bad_tensor(name, "malformed storage key");
        const int64_t declared = nonneg_int(pid[4], name, "storage size");
        const int64_t offset = nonneg_int(a[1], name, "storage offset");
        std::vector<int64_t> shape = int_tuple(a[2], name, "size");
        std::vector<int64_t> stride = int_tuple(a[3], name, "stride");
        if (stride.size() != shape.size())
            bad_tensor(name,
                       std::to_string(shape.size()) + " sizes but " +
                           std::to_string(stride.size()) + " strides");
        if (a[4]->k != kind::boolean)
            bad_tensor(name, "requires_grad is a " + pickle::describe(a[4]));

        uint64_t numel = 1, bytes = 0;
        for (int64_t d : shape)
            if (__builtin_mul_overflow(numel, uint64_t(d), &numel))
                bad_tensor(name, "size " + shape_text(shape) + " overflows");
        if (__builtin_mul_overflow(numel, uint64_t(4), &bytes) ||
            bytes > max_record_bytes)
            bad_tensor(name,
                       "size " + shape_text(shape) + " is more than " +
                           std::to_string(max_record_bytes) + " bytes");

        const std::string& rec = storage(key, name);
        uint64_t declared_bytes = 0;
        if (__builtin_mul_overflow(uint64_t(declared), uint64_t(4), &declared_bytes) ||
            declared_bytes > rec.size())
            bad_tensor(name,
                       "its storage " + arch + "/data/" + key + " holds " +
                           std::to_string(rec.size()) + " bytes, fewer than the " +
                           std::to_string(declared) + " float32 its reference declares");

        bool contiguous = true;
        if (numel > 0) {
            // Last element: offset + sum (size - 1) * stride, within the storage.
            uint64_t last = uint64_t(offset), expect = 1;
            for (size_t d = shape.size(); d-- > 0;) {
                uint64_t step = 0;
                if (__builtin_mul_overflow(
                        uint64_t(shape[d] - 1), uint64_t(stride[d]), &step) ||
                    __builtin_add_overflow(last, step, &last))
                    bad_tensor(name,
                               "size " + shape_text(shape) + " with stride " +
                                   shape_text(stride) + " overflows");
                if (shape[d] != 1 && uint64_t(stride[d]) != expect)
                    contiguous = false;
                expect *= uint64_t(shape[d]);
            }
            if (last >= uint64_t(declared))
                bad_tensor(name,
                           "size " + shape_text(shape) + ", stride " +
                               shape_text(stride) + " and offset " +
                               std::to_string(offset) + " reach element " +
                               std::to_string(last) + " of storage " + key +
                               ", which has " + std::to_string(declared));
        }
        tensor_bytes += bytes;
        if (tensor_bytes > storage_bytes + max_repeat_bytes ||
            tensor_bytes > max_total_bytes)
            bad_tensor(name,
                       "tensors would hold " + std::to_string(tensor_bytes) +
                           " bytes from " + std::to_string(storage_bytes) +
                           " bytes of storage (views repeating elements), more "
                           "than the limit");

        archive_tensor at;
        at.shape = shape;
        at.data.resize(size_t(numel));
        const char* src = rec.data();
        if (numel > 0 && contiguous) {
            std::memcpy(at.data.data(), src + uint64_t(offset) * 4, size_t(bytes));
        } else if (numel > 0) {
            std::vector<int64_t> idx(shape.size(), 0);
            uint64_t s = uint64_t(offset);
            for (uint64_t e = 0; e < numel; e++) {
                std::memcpy(&at.data[e], src + s * 4, 4);
                for (size_t d = shape.size(); d-- > 0;) {
                    if (++idx[d] < shape[d]) {
                        s += uint64_t(stride[d]);
                        break;
                    }
                    s -= uint64_t(stride[d]) * uint64_t(shape[d] - 1);
                    idx[d] = 0;
                }
            }
        }
        if (swap)
            for (float& x : at.data) {
                uint32_t u;
                std::memcpy(&u, &x, 4);
                u = __builtin_bswap32(u);
                std::memcpy(&x, &u, 4);
            }
        out.tensors[name] = std::move(at);
        out.skipped.erase(name);
    }
};

} // namespace

torchscript_contents read_torchscript(const std::string& path)
{
    try {
        return reader(path).read();
    } catch (const std::bad_alloc&) {
        throw input_error(path, "not enough memory to read this TorchScript model");
    } catch (const std::length_error&) {
        throw input_error(path, "not enough memory to read this TorchScript model");
    }
}

} // namespace deploy
} // namespace amrcompress
} // namespace gr

/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pickle_reader.h"
#include <gnuradio/amrcompress/error.h>
#include <cctype>
#include <cstring>
#include <map>
#include <set>

namespace gr {
namespace amrcompress {
namespace pickle {

namespace {

// Names a data pickle of numpy float arrays needs, and nothing more.
const std::map<std::string, std::string>& allowed_globals()
{
    static const std::map<std::string, std::string> g = {
        { "numpy.core.multiarray._reconstruct", "reconstruct" },
        { "numpy._core.multiarray._reconstruct", "reconstruct" },
        { "numpy.ndarray", "ndarray" },
        { "numpy.dtype", "dtype" },
        { "_codecs.encode", "encode" }, // Python 3 bytes in protocol 2
        // Protocol 5: numpy writes an array as _frombuffer(buffer, dtype, shape, order).
        { "numpy.core.numeric._frombuffer", "frombuffer" },
        { "numpy._core.numeric._frombuffer", "frombuffer" },
    };
    return g;
}

// What LibTorch's pickler writes into a TorchScript archive's data.pkl
// (besides the `__torch__.*` classes): symbols only, nothing is called.
const std::set<std::string>& torchscript_globals()
{
    static const std::set<std::string> g = {
        "torch._utils._rebuild_tensor_v2",
        "collections.OrderedDict",
        "torch.jit._pickle.restore_type_tag",
        "torch.jit._pickle.build_intlist",
        "torch.jit._pickle.build_doublelist",
        "torch.jit._pickle.build_boollist",
        "torch.jit._pickle.build_tensorlist",
        "torch.jit._pickle.build_genericlist",
        // storage types (persistent ids name them) and dtypes
        "torch.FloatStorage",
        "torch.DoubleStorage",
        "torch.HalfStorage",
        "torch.BFloat16Storage",
        "torch.LongStorage",
        "torch.IntStorage",
        "torch.ShortStorage",
        "torch.CharStorage",
        "torch.ByteStorage",
        "torch.BoolStorage",
        "torch.ComplexFloatStorage",
        "torch.ComplexDoubleStorage",
        "torch.QInt8Storage",
        "torch.QUInt8Storage",
        "torch.QInt32Storage",
        "torch.QUInt4x2Storage",
        "torch.QUInt2x4Storage",
        "torch.UntypedStorage",
        "torch.float32",
        "torch.float",
    };
    return g;
}

bool is_torch_class(const std::string& module)
{
    return module == "__torch__" || module.compare(0, 10, "__torch__.") == 0;
}

// Children of a value, in a fixed order (nullptr past the last).
value* child(const value& v, size_t i)
{
    if (i < v.items.size())
        return v.items[i].get();
    i -= v.items.size();
    if (i < 2 * v.entries.size())
        return (i % 2 ? v.entries[i / 2].second : v.entries[i / 2].first).get();
    i -= 2 * v.entries.size();
    if (i == 0 && v.array_dtype)
        return v.array_dtype.get();
    i -= v.array_dtype ? 1 : 0;
    if (i == 0 && v.state)
        return v.state.get();
    return nullptr;
}

class machine
{
public:
    machine(const std::string& b, const std::string& path, const options& opt)
        : buf(b), path(path), opt(opt), ts(opt.d == dialect::torchscript)
    {
    }

    // Unreferenced values may still form cycles (a list appended to itself
    // and then dropped): cut every value that is not part of the result.
    ~machine()
    {
        stack.clear();
        memo.clear();
        for (auto& w : created)
            if (auto v = w.lock()) {
                if (!(accepted && v->mark == done)) {
                    v->items.clear();
                    v->entries.clear();
                    v->array_dtype.reset();
                    v->state.reset();
                }
                v->mark = 0;
            }
    }

    vptr run()
    {
        while (true) {
            size_t at = pos;
            unsigned char op = byte();
            if (op == '.') {
                if (stack.size() != 1 || !marks.empty())
                    fail(at,
                         "malformed pickle: STOP with a stack of " +
                             std::to_string(stack.size()));
                check_acyclic(stack.back(), at);
                return stack.back();
            }
            step(op, at);
        }
    }

private:
    const std::string& buf;
    const std::string& path;
    const options opt;
    const bool ts;
    size_t pos = 0;
    std::vector<vptr> stack;
    std::vector<size_t> marks;
    std::map<int64_t, vptr> memo;
    std::vector<std::weak_ptr<value>> created;
    size_t elements = 0;   // put into tuples, lists and dicts
    bool accepted = false; // the result (values marked `done`) is returned
    enum : uint8_t { on_path = 1, done = 2 };

    vptr make(kind k)
    {
        if (opt.max_items && created.size() >= opt.max_items)
            fail(pos,
                 "pickle creates more than " + std::to_string(opt.max_items) + " values");
        vptr v(new value); // not make_shared: a weak_ptr would pin the memory
        v->k = k;
        created.push_back(v);
        return v;
    }

    void limit(size_t n, const char* what)
    {
        if (opt.max_items && n >= opt.max_items)
            fail(pos,
                 std::string("pickle has more than ") + std::to_string(opt.max_items) +
                     " " + what);
    }

    // A memoised value can be put into containers any number of times, a
    // pointer each time: at most 4 per value allowed.
    void placed(size_t n)
    {
        elements += n;
        if (opt.max_items && elements > 4 * opt.max_items)
            fail(pos,
                 "pickle has more than " + std::to_string(4 * opt.max_items) +
                     " elements in its tuples, lists and dicts");
    }

    void memoize(int64_t key, size_t at)
    {
        vptr& v = top(at);
        if (!memo.count(key))
            limit(memo.size(), "memo entries");
        memo[key] = v;
    }

    // Depth-first without recursion; a value met again while it is still on
    // the path is a cycle. Shared values (the memo) are fine.
    void check_acyclic(const vptr& root, size_t at)
    {
        std::vector<std::pair<value*, size_t>> path{ { root.get(), 0 } };
        root->mark = on_path;
        while (!path.empty()) {
            auto& [v, i] = path.back();
            value* c = child(*v, i++);
            if (!c) {
                v->mark = done;
                path.pop_back();
                continue;
            }
            if (c->mark == on_path)
                fail(at, "pickle builds a value that contains itself");
            if (c->mark != done) {
                c->mark = on_path;
                path.push_back({ c, 0 });
            }
        }
        accepted = true;
    }

    [[noreturn]] void fail(size_t at, const std::string& what) const
    {
        throw input_error(path,
                          what + " (at byte " + std::to_string(at) +
                              "); refusing the pickle, nothing was executed");
    }

    unsigned char byte()
    {
        if (pos >= buf.size())
            fail(pos, "truncated pickle");
        return static_cast<unsigned char>(buf[pos++]);
    }
    std::string take(uint64_t n)
    {
        if (n > buf.size() - pos)
            fail(pos, "truncated pickle (a string runs past the end)");
        std::string s = buf.substr(pos, n);
        pos += n;
        return s;
    }
    uint64_t le(int n)
    {
        uint64_t v = 0;
        for (int i = 0; i < n; i++)
            v |= uint64_t(byte()) << (8 * i);
        return v;
    }
    std::string line()
    {
        size_t e = buf.find('\n', pos);
        if (e == std::string::npos)
            fail(pos, "truncated pickle (unterminated line)");
        std::string s = buf.substr(pos, e - pos);
        pos = e + 1;
        return s;
    }
    vptr pop(size_t at)
    {
        if (stack.empty() || (!marks.empty() && stack.size() <= marks.back()))
            fail(at, "malformed pickle: stack underflow");
        vptr v = stack.back();
        stack.pop_back();
        return v;
    }
    vptr& top(size_t at)
    {
        if (stack.empty())
            fail(at, "malformed pickle: empty stack");
        return stack.back();
    }
    std::vector<vptr> pop_mark(size_t at)
    {
        if (marks.empty())
            fail(at, "malformed pickle: no MARK");
        size_t m = marks.back();
        marks.pop_back();
        placed(stack.size() - m);
        std::vector<vptr> items(stack.begin() + m, stack.end());
        stack.resize(m);
        return items;
    }
    void push(vptr v)
    {
        limit(stack.size(), "stack entries");
        stack.push_back(std::move(v));
    }
    void push_int(int64_t i)
    {
        auto v = make(kind::integer);
        v->i = i;
        push(v);
    }
    void push_str(kind k, std::string s)
    {
        auto v = make(k);
        v->s = std::move(s);
        push(v);
    }
    vptr tuple_of(std::vector<vptr> items)
    {
        auto t = make(kind::tuple);
        t->items = std::move(items);
        return t;
    }

    int64_t parse_int(const std::string& s, size_t at)
    {
        std::string t = s;
        if (!t.empty() && t.back() == 'L')
            t.pop_back();
        try {
            size_t used = 0;
            long long v = std::stoll(t, &used);
            if (used != t.size())
                throw 0;
            return v;
        } catch (...) {
            fail(at, "malformed integer '" + s + "'");
        }
    }

    // Python 2 repr() of a str, as protocol 0 writes it.
    std::string unrepr(const std::string& s, size_t at)
    {
        if (s.size() < 2 || (s[0] != '\'' && s[0] != '"') || s.back() != s[0])
            fail(at, "malformed quoted string");
        std::string out;
        for (size_t i = 1; i + 1 < s.size(); i++) {
            char c = s[i];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (++i >= s.size() - 1)
                fail(at, "malformed escape in quoted string");
            char e = s[i];
            switch (e) {
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'a':
                out += '\a';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'v':
                out += '\v';
                break;
            case '\\':
                out += '\\';
                break;
            case '\'':
                out += '\'';
                break;
            case '"':
                out += '"';
                break;
            case 'x': {
                if (i + 2 >= s.size() - 1 || !std::isxdigit((unsigned char)s[i + 1]) ||
                    !std::isxdigit((unsigned char)s[i + 2]))
                    fail(at, "malformed \\x escape");
                out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
                i += 2;
                break;
            }
            default:
                if (e >= '0' && e <= '7') {
                    int v = 0, n = 0;
                    while (n < 3 && i < s.size() - 1 && s[i] >= '0' && s[i] <= '7') {
                        v = v * 8 + (s[i] - '0');
                        i++;
                        n++;
                    }
                    i--;
                    out += static_cast<char>(v);
                } else {
                    out += '\\';
                    out += e;
                }
            }
        }
        return out;
    }

    static void utf8(std::string& out, uint32_t cp)
    {
        if (cp < 0x80)
            out += char(cp);
        else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }

    // raw-unicode-escape (protocol 0 UNICODE): \uXXXX, \UXXXXXXXX, else latin-1.
    std::string raw_unicode(const std::string& s, size_t at)
    {
        std::string out;
        for (size_t i = 0; i < s.size(); i++) {
            if (s[i] == '\\' && i + 1 < s.size() &&
                (s[i + 1] == 'u' || s[i + 1] == 'U')) {
                size_t n = s[i + 1] == 'u' ? 4 : 8;
                if (i + 2 + n > s.size())
                    fail(at, "malformed unicode escape");
                for (size_t h = 0; h < n; h++)
                    if (!std::isxdigit((unsigned char)s[i + 2 + h]))
                        fail(at, "malformed unicode escape");
                utf8(out,
                     static_cast<uint32_t>(std::stoul(s.substr(i + 2, n), nullptr, 16)));
                i += 1 + n;
            } else {
                utf8(out, static_cast<unsigned char>(s[i]));
            }
        }
        return out;
    }

    void push_global(const std::string& module, const std::string& name, size_t at)
    {
        std::string full = module + "." + name;
        if (ts) {
            if ((is_torch_class(module) && !name.empty()) ||
                torchscript_globals().count(full))
                return push_str(kind::global, full);
            fail(at,
                 "pickle refers to '" + full +
                     "', which is not part of a TorchScript module's data");
        }
        auto it = allowed_globals().find(full);
        if (it == allowed_globals().end())
            fail(at,
                 "pickle refers to '" + full +
                     "', which is not part of the RML2016.10a data structure");
        push_str(kind::global, it->second);
    }

    static const std::string& str_of(const vptr& v) { return v->s; }
    bool is_str(const vptr& v) const { return v->k == kind::bytes || v->k == kind::text; }

    // A `__torch__.*` class global, as NEWOBJ/REDUCE's callable.
    bool torch_class(const vptr& fn) const
    {
        return ts && fn->k == kind::global && fn->s.compare(0, 9, "__torch__") == 0 &&
               !torchscript_globals().count(fn->s);
    }

    vptr new_object(const vptr& cls, const vptr& args, size_t at, const char* op)
    {
        if (!torch_class(cls) || args->k != kind::tuple)
            fail(at,
                 std::string(op) + " on " + describe(cls) + " with " + describe(args) +
                     " (only __torch__ classes are accepted)");
        auto o = make(kind::object);
        o->s = cls->s;
        o->items = args->items;
        return o;
    }

    vptr reduce_torchscript(const vptr& fn, const vptr& args, size_t at)
    {
        const auto& a = args->items;
        if (torch_class(fn))
            return new_object(fn, args, at, "REDUCE");
        if (fn->s == "torch._utils._rebuild_tensor_v2") {
            auto t = make(kind::tensor);
            t->s = fn->s;
            t->items = a;
            return t;
        }
        if (fn->s == "collections.OrderedDict") {
            if (!a.empty())
                fail(at, "OrderedDict with arguments (only OrderedDict() is accepted)");
            return make(kind::dict);
        }
        if (fn->s == "torch.jit._pickle.restore_type_tag") { // (value, 'List[str]')
            if (a.size() != 2 || !is_str(a[1]))
                fail(at, "unexpected arguments to restore_type_tag");
            return a[0];
        }
        if (fn->s.compare(0, 23, "torch.jit._pickle.build") == 0) { // build_intlist([..])
            if (a.size() != 1 || a[0]->k != kind::list)
                fail(at, "unexpected arguments to " + fn->s);
            return a[0];
        }
        fail(at, "REDUCE on '" + fn->s + "'");
    }

    vptr reduce(const vptr& fn, const vptr& args, size_t at)
    {
        if (ts) {
            if (fn->k != kind::global || args->k != kind::tuple)
                fail(at, "REDUCE on " + describe(fn) + " with " + describe(args));
            return reduce_torchscript(fn, args, at);
        }
        if (fn->k != kind::global || args->k != kind::tuple)
            fail(at, "REDUCE on something other than an allowed numpy name");
        const auto& a = args->items;
        if (fn->s == "reconstruct") { // _reconstruct(ndarray, (0,), b'b')
            if (a.size() != 3 || a[0]->k != kind::global || a[0]->s != "ndarray")
                fail(at, "unexpected arguments to numpy's _reconstruct");
            return make(kind::ndarray);
        }
        if (fn->s == "frombuffer") { // _frombuffer(buf, dtype, shape, order)
            if (a.size() != 4 || a[0]->k != kind::bytes || a[1]->k != kind::dtype ||
                a[2]->k != kind::tuple || !is_str(a[3]) ||
                (a[3]->s != "C" && a[3]->s != "F"))
                fail(at, "unexpected arguments to numpy's _frombuffer");
            auto arr = make(kind::ndarray);
            for (const auto& d : a[2]->items) {
                if (d->k != kind::integer || d->i < 0)
                    fail(at, "unexpected numpy array shape");
                arr->shape.push_back(d->i);
            }
            arr->array_dtype = a[1];
            arr->fortran = a[3]->s == "F";
            // The buffer's length is checked against the shape by the
            // caller (with checked arithmetic), as for protocol-2 arrays.
            arr->data = a[0]->s;
            return arr;
        }
        if (fn->s == "dtype") { // dtype('f4', align, copy)
            if (a.empty() || !is_str(a[0]))
                fail(at, "unexpected arguments to numpy.dtype");
            auto d = make(kind::dtype);
            d->descr = a[0]->s;
            return d;
        }
        if (fn->s == "encode") { // _codecs.encode(text, 'latin1') -> bytes
            if (a.size() != 2 || a[0]->k != kind::text || !is_str(a[1]) ||
                (a[1]->s != "latin1" && a[1]->s != "latin-1"))
                fail(at, "unexpected arguments to _codecs.encode");
            // text is UTF-8 here; latin-1 encoding maps code points < 256 to bytes.
            std::string out;
            const std::string& t = a[0]->s;
            for (size_t i = 0; i < t.size(); i++) {
                unsigned char c = t[i];
                if (c < 0x80)
                    out += char(c);
                else if ((c & 0xE0) == 0xC0 && i + 1 < t.size())
                    out += char(((c & 0x1F) << 6) | (t[++i] & 0x3F));
                else
                    fail(at, "latin-1 encode of a character above U+00FF");
            }
            auto b = make(kind::bytes);
            b->s = std::move(out);
            return b;
        }
        fail(at, "REDUCE on '" + fn->s + "'");
    }

    void build(const vptr& obj, const vptr& state, size_t at)
    {
        if (obj->k == kind::object) {
            if (obj->state)
                fail(at, "BUILD twice on " + describe(obj));
            obj->state = state;
            return;
        }
        if (obj->k == kind::dtype) {
            // (3, '<', None, None, None, -1, -1, 0[, ...])
            if (state->k != kind::tuple || state->items.size() < 2 ||
                !is_str(state->items[1]) || state->items[1]->s.size() != 1)
                fail(at, "unexpected numpy dtype state");
            obj->byte_order = state->items[1]->s[0];
            return;
        }
        if (obj->k == kind::ndarray) {
            // (version, shape, dtype, is_fortran, data)
            if (state->k != kind::tuple || state->items.size() != 5)
                fail(at, "unexpected numpy array state");
            const auto& s = state->items;
            if (s[1]->k != kind::tuple || s[2]->k != kind::dtype ||
                !(s[3]->k == kind::boolean || s[3]->k == kind::integer) || !is_str(s[4]))
                fail(at, "unexpected numpy array state (object arrays are not accepted)");
            for (const auto& d : s[1]->items) {
                if (d->k != kind::integer || d->i < 0)
                    fail(at, "unexpected numpy array shape");
                obj->shape.push_back(d->i);
            }
            obj->array_dtype = s[2];
            obj->fortran = s[3]->i != 0;
            obj->data = s[4]->s;
            return;
        }
        fail(at,
             "BUILD on " + describe(obj) +
                 (ts ? " (only __torch__ objects are accepted)"
                     : " (only numpy arrays are accepted)"));
    }

    void step(unsigned char op, size_t at)
    {
        switch (op) {
        case 0x80:
            byte();
            break; // PROTO
        case 0x95:
            le(8);
            break; // FRAME
        case '(':
            limit(marks.size(), "MARKs");
            marks.push_back(stack.size());
            break;
        case '0':
            pop(at);
            break;
        case '1':
            pop_mark(at);
            break;
        case '2':
            push(top(at));
            break; // DUP
        case 'N':
            push(make(kind::none));
            break;
        case 0x88:
        case 0x89: {
            auto v = make(kind::boolean);
            v->i = op == 0x88;
            push(v);
            break;
        }
        case 'I': {
            std::string s = line();
            if (s == "00" || s == "01") {
                auto v = make(kind::boolean);
                v->i = s == "01";
                push(v);
            } else
                push_int(parse_int(s, at));
            break;
        }
        case 'L':
            push_int(parse_int(line(), at));
            break;
        case 'J':
            push_int(static_cast<int32_t>(le(4)));
            break;
        case 'K':
            push_int(byte());
            break;
        case 'M':
            push_int(static_cast<int64_t>(le(2)));
            break;
        case 0x8a:
        case 0x8b: { // LONG1 / LONG4
            uint64_t n = op == 0x8a ? byte() : le(4);
            if (n > 8)
                fail(at, "integer too large");
            uint64_t v = n ? le(static_cast<int>(n)) : 0;
            if (n && n < 8 && (v >> (8 * n - 1)) & 1)
                v |= ~uint64_t(0) << (8 * n); // sign-extend
            push_int(static_cast<int64_t>(v));
            break;
        }
        case 'F': {
            auto v = make(kind::floating);
            try {
                v->f = std::stod(line());
            } catch (...) {
                fail(at, "malformed float");
            }
            push(v);
            break;
        }
        case 'G': {
            uint64_t u = 0;
            for (int i = 0; i < 8; i++)
                u = (u << 8) | byte();
            auto v = make(kind::floating);
            std::memcpy(&v->f, &u, 8);
            push(v);
            break;
        }
        case 'S':
            push_str(kind::bytes, unrepr(line(), at));
            break;
        case 'T':
            push_str(kind::bytes, take(le(4)));
            break;
        case 'U':
            push_str(kind::bytes, take(byte()));
            break;
        case 'B':
            push_str(kind::bytes, take(le(4)));
            break;
        case 'C':
            push_str(kind::bytes, take(byte()));
            break;
        case 0x8e:
            push_str(kind::bytes, take(le(8)));
            break;
        case 0x96:
            push_str(kind::bytes, take(le(8)));
            break; // BYTEARRAY8 (protocol 5)
        case 0x97: // NEXT_BUFFER
            fail(at, "pickle refers to an out-of-band buffer that is not in the file");
        case 0x98:
            top(at);
            break; // READONLY_BUFFER: a no-op on bytes
        case 'V':
            push_str(kind::text, raw_unicode(line(), at));
            break;
        case 'X':
            push_str(kind::text, take(le(4)));
            break;
        case 0x8c:
            push_str(kind::text, take(byte()));
            break;
        case 0x8d:
            push_str(kind::text, take(le(8)));
            break;
        case ')':
            push(make(kind::tuple));
            break;
        case 't':
            push(tuple_of(pop_mark(at)));
            break;
        case 0x85:
        case 0x86:
        case 0x87: {
            size_t n = op - 0x84;
            placed(n);
            std::vector<vptr> items(n);
            for (size_t i = n; i-- > 0;)
                items[i] = pop(at);
            push(tuple_of(items));
            break;
        }
        case ']':
            push(make(kind::list));
            break;
        case 'l': {
            auto l = make(kind::list);
            l->items = pop_mark(at);
            push(l);
            break;
        }
        case 'a': {
            vptr v = pop(at);
            vptr& l = top(at);
            if (l->k != kind::list)
                fail(at, "APPEND to " + describe(l));
            placed(1);
            l->items.push_back(v);
            break;
        }
        case 'e': {
            auto items = pop_mark(at);
            vptr& l = top(at);
            if (l->k != kind::list)
                fail(at, "APPENDS to " + describe(l));
            l->items.insert(l->items.end(), items.begin(), items.end());
            break;
        }
        case '}':
            push(make(kind::dict));
            break;
        case 'd': {
            auto items = pop_mark(at);
            if (items.size() % 2)
                fail(at, "malformed DICT");
            auto d = make(kind::dict);
            for (size_t i = 0; i < items.size(); i += 2)
                d->entries.push_back({ items[i], items[i + 1] });
            push(d);
            break;
        }
        case 's': {
            vptr v = pop(at), k = pop(at);
            vptr& d = top(at);
            if (d->k != kind::dict)
                fail(at, "SETITEM on " + describe(d));
            placed(2);
            d->entries.push_back({ k, v });
            break;
        }
        case 'u': {
            auto items = pop_mark(at);
            vptr& d = top(at);
            if (d->k != kind::dict || items.size() % 2)
                fail(at, "malformed SETITEMS");
            for (size_t i = 0; i < items.size(); i += 2)
                d->entries.push_back({ items[i], items[i + 1] });
            break;
        }
        case 'p':
            memoize(parse_int(line(), at), at);
            break;
        case 'q':
            memoize(byte(), at);
            break;
        case 'r':
            memoize(static_cast<int64_t>(le(4)), at);
            break;
        case 0x94:
            memoize(static_cast<int64_t>(memo.size()), at);
            break;
        case 'g':
        case 'h':
        case 'j': {
            int64_t k = op == 'g' ? parse_int(line(), at)
                                  : (op == 'h' ? byte() : static_cast<int64_t>(le(4)));
            auto it = memo.find(k);
            if (it == memo.end())
                fail(at, "malformed pickle: memo key " + std::to_string(k) + " unset");
            push(it->second);
            break;
        }
        case 'c': {
            std::string module = line();
            std::string name = line();
            push_global(module, name, at);
            break;
        }
        case 0x93: { // STACK_GLOBAL
            vptr name = pop(at), module = pop(at);
            if (!is_str(name) || !is_str(module))
                fail(at, "malformed STACK_GLOBAL");
            push_global(module->s, name->s, at);
            break;
        }
        case 'R': {
            vptr args = pop(at), fn = pop(at);
            push(reduce(fn, args, at));
            break;
        }
        case 'b': {
            vptr state = pop(at);
            build(top(at), state, at);
            break;
        }
        case 0x81: // NEWOBJ
            if (ts) {
                vptr args = pop(at), cls = pop(at);
                push(new_object(cls, args, at, "NEWOBJ"));
                break;
            }
            [[fallthrough]];
        case 'i':
        case 'o':
        case 0x92:
            fail(at, "pickle creates arbitrary objects (INST/OBJ/NEWOBJ)");
        case 'Q': // BINPERSID
            if (ts) {
                auto p = make(kind::persistent);
                p->state = pop(at);
                push(p);
                break;
            }
            [[fallthrough]];
        case 'P':
            fail(at, "pickle uses persistent ids");
        case 0x82:
        case 0x83:
        case 0x84:
            fail(at, "pickle uses the extension registry");
        default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", op);
            fail(at, std::string("unknown or unsupported pickle opcode ") + hex);
        }
        }
    }
};

} // namespace

vptr parse(const std::string& bytes, const std::string& path)
{
    return parse(bytes, path, options());
}

vptr parse(const std::string& bytes, const std::string& path, const options& opt)
{
    if (bytes.empty())
        throw input_error(path, "empty file, not a pickle");
    return machine(bytes, path, opt).run();
}

value::~value()
{
    if (items.empty() && entries.empty() && !array_dtype && !state)
        return;
    // Children that only this value holds are emptied before they are
    // released, so each destructor call is shallow.
    std::vector<vptr> work;
    auto detach = [&work](value& v) {
        for (auto& c : v.items)
            if (c)
                work.push_back(std::move(c));
        v.items.clear();
        for (auto& e : v.entries) {
            if (e.first)
                work.push_back(std::move(e.first));
            if (e.second)
                work.push_back(std::move(e.second));
        }
        v.entries.clear();
        if (v.array_dtype)
            work.push_back(std::move(v.array_dtype));
        if (v.state)
            work.push_back(std::move(v.state));
    };
    detach(*this);
    while (!work.empty()) {
        vptr v = std::move(work.back());
        work.pop_back();
        if (v.use_count() == 1)
            detach(*v);
    }
}

std::string describe(const vptr& v)
{
    switch (v->k) {
    case kind::none:
        return "None";
    case kind::boolean:
        return "bool";
    case kind::integer:
        return "int";
    case kind::floating:
        return "float";
    case kind::bytes:
        return "bytes";
    case kind::text:
        return "str";
    case kind::tuple:
        return "tuple of " + std::to_string(v->items.size());
    case kind::list:
        return "list";
    case kind::dict:
        return "dict";
    case kind::global:
        return "global " + v->s;
    case kind::dtype:
        return "numpy dtype";
    case kind::ndarray:
        return "numpy array";
    case kind::object:
        return "object " + v->s;
    case kind::persistent:
        return "persistent id";
    case kind::tensor:
        return "tensor";
    }
    return "?";
}

} // namespace pickle
} // namespace amrcompress
} // namespace gr

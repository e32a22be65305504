/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The native engine against LibTorch, without a flowgraph: for every zoo
 * architecture and pruned variants (changed widths, removed units, ResNet
 * residual widths that need zero channels or a cut), the graph reads exactly
 * the module's tensors and the fp32 engine gives LibTorch's logits; int8 and
 * bf16 stay close to them; int8 calibration is deterministic; broken files
 * are refused with the file named.
 */
#include "../lib/deploy/native/dnnl_network.h"
#include "../lib/deploy/native/native_backend.h"
#include "../lib/deploy/torchscript_extra.h"
#include "../lib/model/net_graph.h"
#include "../lib/model/torch_model.h"
#include "test_util.h"
#include <gnuradio/amrcompress/error.h>
#include <cppunit/extensions/HelperMacros.h>
#include <torch/torch.h>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <thread>

// oneDNN's OpenMP runtime here (libgomp).
extern "C" void omp_set_num_threads(int);
extern "C" int omp_get_max_threads();

using namespace gr::amrcompress;
using json = nlohmann::json;

namespace {

const std::vector<std::string> CLASSES = { "a", "b", "c", "d", "e" };

//! A model of `spec` with every parameter and buffer random (BatchNorm
//! statistics included, so that folding them is tested), saved to `path`.
model::built_model save_random(const std::string& spec, size_t L, const std::string& path)
{
    torch::manual_seed(7);
    torch::NoGradGuard ng;
    auto bm = model::build(json::parse(spec), CLASSES, L, "l1");
    for (const auto& p : bm.module.named_parameters())
        p.value.copy_(torch::randn(p.value.sizes()) * 0.3);
    for (const auto& b : bm.module.named_buffers()) {
        if (b.name.size() > 3 && b.name.substr(b.name.size() - 3) == "_rv")
            b.value.copy_(torch::rand(b.value.sizes()) + 0.5);
        else if (b.name.size() > 3 && b.name.substr(b.name.size() - 3) == "_rm")
            b.value.copy_(torch::randn(b.value.sizes()) * 0.2);
    }
    bm.module.eval();
    model::save(bm.module, bm.info, path);
    return bm;
}

//! n frames, L1-normalised like the model's input.
std::vector<float> frames(size_t n, size_t L, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> g;
    std::vector<float> x(n * 2 * L);
    for (size_t i = 0; i < n; i++) {
        double l1 = 0;
        for (size_t k = 0; k < L; k++)
            l1 += std::hypot(x[i * 2 * L + k] = g(rng), x[i * 2 * L + L + k] = g(rng));
        for (size_t k = 0; k < 2 * L; k++)
            x[i * 2 * L + k] /= float(l1);
    }
    return x;
}

std::vector<float>
torch_logits(model::built_model& bm, const std::vector<float>& x, size_t L)
{
    torch::NoGradGuard ng;
    const int64_t n = int64_t(x.size() / (2 * L));
    auto t = torch::from_blob(const_cast<float*>(x.data()), { n, 2, int64_t(L) }).clone();
    auto out = bm.module.forward({ t }).toTensor().contiguous();
    return std::vector<float>(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
}

std::unique_ptr<deploy::inference_backend>
native(const std::string& path, deploy::precision p, size_t batch = 8)
{
    deploy::backend_options o;
    o.batch_size = batch;
    o.prec = p;
    std::string why;
    auto b = deploy::open_native(path, o, &why);
    if (!b)
        CPPUNIT_FAIL(path + ": the native engine refused: " + why);
    return b;
}

std::vector<float>
run(deploy::inference_backend& b, const std::vector<float>& x, size_t L)
{
    const size_t n = x.size() / (2 * L);
    std::vector<float> out(n * b.info().classes.size());
    b.forward(x.data(), n, out.data());
    return out;
}

//! Mean |a - b| over max |b|: the typical error of a quantised network.
double mean_rel_err(const std::vector<float>& a, const std::vector<float>& b)
{
    double e = 0, m = 0;
    for (size_t i = 0; i < a.size(); i++) {
        e += std::fabs(a[i] - b[i]);
        m = std::max(m, double(std::fabs(b[i])));
    }
    return e / a.size() / std::max(m, 1e-30);
}

double max_rel_err(const std::vector<float>& a, const std::vector<float>& b)
{
    double e = 0, m = 0;
    for (size_t i = 0; i < a.size(); i++) {
        e = std::max(e, double(std::fabs(a[i] - b[i])));
        m = std::max(m, double(std::fabs(b[i])));
    }
    return e / std::max(m, 1e-30);
}

//! Threads of this process now.
size_t thread_count()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("Threads:", 0) == 0)
            return std::stoul(line.substr(8));
    CPPUNIT_FAIL("no thread count in /proc/self/status");
    return 0;
}

bool throws_naming(const std::function<void()>& f,
                   const std::string& path,
                   const std::string& part)
{
    try {
        f();
    } catch (const input_error& e) {
        const std::string w = e.what();
        if (w.find(path) == std::string::npos || w.find(part) == std::string::npos)
            CPPUNIT_FAIL("message lacks '" + path + "' or '" + part + "': " + w);
        return true;
    }
    return false;
}

// The zoo's specs and pruned variants of them (as amr prune writes them:
// other widths, units or blocks removed).
struct variant {
    const char* name;
    const char* spec;
    size_t L;
};
const variant VARIANTS[] = {
    { "cnn1d", nullptr, 128 }, // the authors': a 2-D first stack, no biases
    { "cnn1d-lite", nullptr, 128 },
    { "cnn1d, authors' pruned (2-D stack narrowed, units removed)",
      R"({"arch":"cnn1d","entry_kernel":1,"kernel":3,"bias":false,"head_relu":false,
          "hidden":24,"dropout":0.3,
          "stacks":[{"channels":16,"units":[16,7],"iq_2d":true},{"channels":13,"units":[]},
                    {"channels":16,"units":[5]}]})",
      128 },
    { "cnn1d FCOS-like (16 channels, units removed)",
      R"({"arch":"cnn1d","entry_kernel":3,"kernel":3,"hidden":128,"dropout":0.3,
          "stacks":[{"channels":16,"units":[16,7]},{"channels":16,"units":[16]},
                    {"channels":13,"units":[]},{"channels":16,"units":[3,16]},
                    {"channels":16,"units":[16]},{"channels":9,"units":[5]}]})",
      128 },
    { "resnet56", nullptr, 128 },
    { "resnet with changed residual widths (zero channels and a cut)",
      R"({"arch":"resnet","stem":12,"stages":[
          {"channels":12,"stride":1,"blocks":[12,5]},
          {"channels":24,"stride":2,"blocks":[9,24]},
          {"channels":20,"stride":2,"blocks":[20]},
          {"channels":40,"stride":1,"blocks":[17,3]}]})",
      64 },
    { "cnn2d", nullptr, 128 },
    { "cnn2d pruned",
      R"({"arch":"cnn2d","convs":[{"channels":37,"kernel":[1,3],"pad":[0,2]},
          {"channels":11,"kernel":[2,3],"pad":[0,2]}],"hidden":19,"dropout":0.5})",
      32 },
};

std::string spec_of(const variant& v)
{
    return v.spec ? std::string(v.spec) : default_model_spec(v.name);
}

} // namespace

class native_engine_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(native_engine_test);
    CPPUNIT_TEST(graph_reads_exactly_the_modules_tensors);
    CPPUNIT_TEST(fp32_gives_libtorchs_logits_for_every_architecture);
    CPPUNIT_TEST(partial_batches_and_batches_larger_than_the_network);
    CPPUNIT_TEST(a_one_thread_network_opened_elsewhere_runs_on_one_thread);
    CPPUNIT_TEST(short_rows_fold_into_channels_exactly);
    CPPUNIT_TEST(int8_and_bf16_stay_close_to_fp32);
    CPPUNIT_TEST(int8_calibration_is_deterministic_and_loadable);
    CPPUNIT_TEST(lstm_has_no_native_graph);
    CPPUNIT_TEST(int8_without_calibration_is_refused);
    CPPUNIT_TEST(weights_that_do_not_match_the_spec_are_refused);
    CPPUNIT_TEST(corrupt_weight_blob_is_refused);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

public:
    void graph_reads_exactly_the_modules_tensors()
    {
        for (const auto& v : VARIANTS) {
            const std::string p = tmp.file("g.pt");
            auto bm = save_random(spec_of(v), v.L, p);
            auto g =
                model::build_net_graph(json::parse(bm.info.spec), CLASSES.size(), v.L);
            std::map<std::string, std::vector<int64_t>> module;
            for (const auto& t : bm.module.named_parameters())
                module[t.name] = t.value.sizes().vec();
            for (const auto& t : bm.module.named_buffers())
                module[t.name] = t.value.sizes().vec();
            std::map<std::string, std::vector<int64_t>> graph(g.tensors.begin(),
                                                              g.tensors.end());
            CPPUNIT_ASSERT_EQUAL_MESSAGE(
                v.name, g.tensors.size(), graph.size()); // no duplicates
            CPPUNIT_ASSERT_MESSAGE(v.name, graph == module);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(
                v.name, int64_t(CLASSES.size()), g.shape_of(g.output)[0]);
        }
    }

    void fp32_gives_libtorchs_logits_for_every_architecture()
    {
        for (const auto& v : VARIANTS) {
            const std::string p = tmp.file("m.pt");
            auto bm = save_random(spec_of(v), v.L, p);
            const auto x = frames(24, v.L, 3);
            auto b = native(p, deploy::precision::fp32);
            CPPUNIT_ASSERT_MESSAGE(b->description(),
                                   b->description().find("fp32") != std::string::npos);
            const auto ref = torch_logits(bm, x, v.L);
            const auto out = run(*b, x, v.L);
            CPPUNIT_ASSERT_EQUAL(ref.size(), out.size());
            const double e = max_rel_err(out, ref);
            CPPUNIT_ASSERT_MESSAGE(
                std::string(v.name) + ": relative error " + std::to_string(e), e < 1e-4);
        }
    }

    void partial_batches_and_batches_larger_than_the_network()
    {
        const std::string p = tmp.file("pb.pt");
        auto bm = save_random(default_model_spec("cnn1d"), 128, p);
        const auto x = frames(21, 128, 5);
        const auto ref = torch_logits(bm, x, 128);
        for (size_t batch :
             { 1, 4, 32 }) { // 21 frames: whole, partial and several batches
            auto b = native(p, deploy::precision::fp32, batch);
            CPPUNIT_ASSERT(max_rel_err(run(*b, x, 128), ref) < 1e-4);
        }
        // A frame's logits do not depend on the frames batched with it.
        auto b = native(p, deploy::precision::fp32, 8);
        std::vector<float> one(x.begin() + 2 * 128 * 5, x.begin() + 2 * 128 * 6);
        const auto alone = run(*b, one, 128);
        const auto all = run(*b, x, 128);
        for (size_t c = 0; c < CLASSES.size(); c++)
            CPPUNIT_ASSERT_EQUAL(all[5 * CLASSES.size() + c], alone[c]);
    }

    void a_one_thread_network_opened_elsewhere_runs_on_one_thread()
    {
        // The classifier opens its model on the flowgraph's thread and runs
        // it on the engine's. oneDNN sizes a primitive's thread team when it
        // is created, from the creating thread's OpenMP setting: opened
        // under a setting of 4, a one-thread network must still run on the
        // calling thread alone (it ran a team of 4, 4.6x slower in a
        // flowgraph), and the opening thread keeps its own setting.
        const std::string p = tmp.file("t.pt");
        save_random(default_model_spec("cnn1d"), 128, p);
        const auto x = frames(16, 128, 3);
        const int saved = omp_get_max_threads();
        omp_set_num_threads(4);
        auto b = native(p, deploy::precision::fp32, 8); // backend_options: 1 thread
        CPPUNIT_ASSERT_EQUAL(4, omp_get_max_threads());
        const size_t before = thread_count();
        size_t during = 0;
        std::thread engine([&] {
            run(*b, x, 128);
            during = thread_count(); // an OpenMP team outlives its region
        });
        engine.join();
        omp_set_num_threads(saved);
        CPPUNIT_ASSERT_EQUAL(before + 1, during);
    }

    void short_rows_fold_into_channels_exactly()
    {
        // The ResNets' two rows fold into channels (fold_rows.h): a graph
        // with no 2-D activation left, the same activation names (int8
        // ranges still apply), and the same logits as the 2-D network.
        for (const auto& v : VARIANTS) {
            const std::string spec = spec_of(v);
            if (json::parse(spec)["arch"] != "resnet")
                continue;
            const std::string p = tmp.file("f.pt");
            auto bm = save_random(spec, v.L, p);
            auto g = model::build_net_graph(json::parse(spec), CLASSES.size(), v.L);
            const auto contents = deploy::read_torchscript(p);
            const auto folded = deploy::fold_rows(g, contents.tensors);
            CPPUNIT_ASSERT_MESSAGE(v.name, folded.has_value());
            std::set<std::string> names;
            for (const auto& op : g.ops)
                names.insert(op.dst);
            for (const auto& op : folded->graph.ops) {
                CPPUNIT_ASSERT_MESSAGE(v.name + std::string(": ") + op.dst,
                                       op.out_shape.size() <= 2);
                CPPUNIT_ASSERT_MESSAGE(op.dst, names.count(op.dst));
            }
            const auto x = frames(8, v.L, 13);
            std::vector<float> a(8 * CLASSES.size()), b(a.size());
            deploy::dnnl_network(g, contents.tensors, 8, deploy::precision::fp32)
                .forward(x.data(), 8, a.data());
            deploy::dnnl_network(
                g, contents.tensors, 8, deploy::precision::fp32, nullptr, false)
                .forward(x.data(), 8, b.data());
            CPPUNIT_ASSERT_MESSAGE(v.name, max_rel_err(a, b) < 1e-5);
        }
        // cnn2d's 1 x 3 kernels over two rows would double their taps folded.
        auto g = model::build_net_graph(
            json::parse(default_model_spec("cnn2d")), CLASSES.size(), 128);
        const std::string p = tmp.file("f2.pt");
        save_random(default_model_spec("cnn2d"), 128, p);
        CPPUNIT_ASSERT(!deploy::fold_rows(g, deploy::read_torchscript(p).tensors));
    }

    void int8_and_bf16_stay_close_to_fp32()
    {
        for (const auto& v : VARIANTS) {
            const std::string p = tmp.file("q.pt"), q = tmp.file("q8.pt");
            save_random(spec_of(v), v.L, p);
            const auto cal_frames = frames(256, v.L, 11);
            const auto x = frames(64, v.L, 12);
            deploy::write_int8_calibration(
                p, q, deploy::calibrate_int8(p, cal_frames.data(), 256), json::object());
            const auto ref = run(*native(q, deploy::precision::fp32), x, v.L);
            const auto i8 = run(*native(q, deploy::precision::int8), x, v.L);
            // Random weights are the hard case (trained models: docs/benchmarks.md);
            // the hardest is the authors' CNN1D: 30 convolutions without BatchNorm.
            const double e8 = mean_rel_err(i8, ref), m8 = max_rel_err(i8, ref);
            std::printf("  %s: int8 mean %.4f max %.4f", v.name, e8, m8);
            CPPUNIT_ASSERT_MESSAGE(std::string(v.name) + " int8: " + std::to_string(e8),
                                   e8 < 0.04);
            CPPUNIT_ASSERT_MESSAGE(std::string(v.name) + " int8: " + std::to_string(m8),
                                   m8 < 0.25);
            CPPUNIT_ASSERT_MESSAGE(std::string(v.name) + " int8 is not fp32", e8 > 0);
            if (!deploy::native_bf16_available()) {
                // No AVX512-BF16 here: refused by name (open_backend then runs fp32).
                deploy::backend_options o;
                o.prec = deploy::precision::bf16;
                std::string why;
                CPPUNIT_ASSERT(!deploy::open_native(q, o, &why));
                CPPUNIT_ASSERT_MESSAGE(why, why.find("AVX512-BF16") != std::string::npos);
                std::printf(", bf16: this CPU has none\n");
                continue;
            }
            const auto bf = run(*native(q, deploy::precision::bf16), x, v.L);
            const double eb = mean_rel_err(bf, ref), mb = max_rel_err(bf, ref);
            std::printf(", bf16 mean %.4f max %.4f\n", eb, mb);
            CPPUNIT_ASSERT_MESSAGE(std::string(v.name) + " bf16: " + std::to_string(eb),
                                   eb < 0.01);
            CPPUNIT_ASSERT_MESSAGE(std::string(v.name) + " bf16: " + std::to_string(mb),
                                   mb < 0.05);
        }
    }

    void int8_calibration_is_deterministic_and_loadable()
    {
        const std::string p = tmp.file("d.pt");
        auto bm = save_random(default_model_spec("resnet56"), 64, p);
        const auto x = frames(300, 64, 21); // more than one calibration batch
        const auto a = deploy::calibrate_int8(p, x.data(), 300);
        const auto b = deploy::calibrate_int8(p, x.data(), 300);
        CPPUNIT_ASSERT(a.max_abs == b.max_abs);
        CPPUNIT_ASSERT_EQUAL(size_t(300), a.frames);
        // Every range is finite and >= 0, and the frames themselves have one.
        deploy::write_int8_calibration(
            p, tmp.file("d8.pt"), a, { { "dataset", "x.h5" } });
        auto net_names = std::set<std::string>();
        for (const auto& [k, v] : a.max_abs) {
            net_names.insert(k);
            CPPUNIT_ASSERT(std::isfinite(v) && v >= 0);
        }
        CPPUNIT_ASSERT(net_names.count("input"));
        // The calibrated file is still a TorchScript model with its metadata.
        auto loaded = model::load(tmp.file("d8.pt"));
        CPPUNIT_ASSERT(loaded.info.classes == CLASSES);
        const auto y = frames(4, 64, 1);
        CPPUNIT_ASSERT(
            max_rel_err(torch_logits(loaded, y, 64), torch_logits(bm, y, 64)) == 0);
    }

    void lstm_has_no_native_graph()
    {
        // Neither the LSTM nor SigNet's S2M front end has a native kernel:
        // both run on LibTorch, and the reason names the architecture.
        for (const auto& [arch, spec] : std::vector<std::pair<std::string, std::string>>{
                 { "lstm", default_model_spec("lstm") },
                 { "signet", R"({"arch":"signet","s2m":3,"stem":4,"stages":[
                     {"channels":8,"stride":1,"blocks":[[2,2]]}]})" } }) {
            const std::string p = tmp.file(arch + ".pt");
            save_random(spec, 32, p);
            std::string why;
            CPPUNIT_ASSERT(!deploy::open_native(p, deploy::backend_options(), &why));
            CPPUNIT_ASSERT_MESSAGE(why, why.find(arch) != std::string::npos);
        }
    }

    void int8_without_calibration_is_refused()
    {
        const std::string p = tmp.file("nocal.pt");
        save_random(default_model_spec("cnn1d"), 128, p);
        deploy::backend_options o;
        o.prec = deploy::precision::int8;
        std::string why;
        CPPUNIT_ASSERT(!deploy::open_native(p, o, &why));
        CPPUNIT_ASSERT_MESSAGE(why, why.find("amr quantize") != std::string::npos);
    }

    void weights_that_do_not_match_the_spec_are_refused()
    {
        // A model of `arch` whose spec `edit` changes is refused, naming the
        // file and `what`.
        const std::string bad = tmp.file("w_bad.pt");
        auto refused = [&](const std::string& arch,
                           const std::function<void(json&)>& edit,
                           const std::string& what) {
            const std::string p = tmp.file("w_" + arch + ".pt");
            auto info = save_random(default_model_spec(arch), 128, p).info;
            auto spec = json::parse(info.spec);
            edit(spec);
            info.spec = spec.dump();
            deploy::write_with_extra_file(p, bad, "amr_meta.json", info.to_json());
            return throws_naming(
                [&] { deploy::open_native(bad, deploy::backend_options(), nullptr); },
                bad,
                what);
        };
        // The file's tensors are 32 wide.
        CPPUNIT_ASSERT(refused(
            "cnn1d", [](json& s) { s["stacks"][2]["units"][0] = 31; }, "s2_u0_c1_w"));
        // A folded (ResNet) layer is checked against the file as well: 16 wide.
        CPPUNIT_ASSERT(refused(
            "resnet56", [](json& s) { s["stages"][0]["blocks"][1] = 15; }, "l0_b1_c1_w"));
        // A malformed spec.
        CPPUNIT_ASSERT(refused(
            "cnn1d", [](json& s) { s["stacks"][0].erase("channels"); }, "channels"));
    }

    void corrupt_weight_blob_is_refused()
    {
        const std::string p = tmp.file("c.pt");
        save_random(default_model_spec("cnn2d"), 128, p);
        std::string bytes;
        {
            std::ifstream f(p, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(f), {});
        }
        // Truncated: the central directory and most storages are gone.
        std::ofstream(tmp.file("c_trunc.pt"), std::ios::binary)
            .write(bytes.data(), std::streamsize(bytes.size() / 2));
        CPPUNIT_ASSERT(throws_naming(
            [&] { deploy::open_native(tmp.file("c_trunc.pt"), {}, nullptr); },
            tmp.file("c_trunc.pt"),
            ""));
        // Flipped bytes all over the file: refused, never a crash.
        std::mt19937 rng(1);
        for (int trial = 0; trial < 20; trial++) {
            std::string b = bytes;
            for (int k = 0; k < 50; k++)
                b[rng() % b.size()] ^= char(1 + rng() % 255);
            const std::string f = tmp.file("c_flip.pt");
            std::ofstream(f, std::ios::binary).write(b.data(), std::streamsize(b.size()));
            try {
                std::string why;
                auto be = deploy::open_native(f, {}, &why);
                if (be) { // flips that only hit weight values: still runs
                    const auto x = frames(2, 128, 1);
                    run(*be, x, 128);
                }
            } catch (const input_error& e) {
                CPPUNIT_ASSERT(std::string(e.what()).find(f) != std::string::npos);
            }
        }
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(native_engine_test, "native_engine");

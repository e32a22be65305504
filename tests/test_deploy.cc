/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The classifier's parts without a flowgraph: frame normalisation (VOLK), the
 * inference engine (batching, flush, drops, model swap and refusals) and the
 * choice of backend (native engine or LibTorch, opened on demand). Models are
 * built with LibTorch here; the engine itself is torch-free.
 */
#include "../lib/deploy/frame_normaliser.h"
#include "../lib/deploy/inference_backend.h"
#include "../lib/deploy/inference_engine.h"
#include "../lib/model/model_specs.h"
#include "../lib/model/torch_model.h"
#include "../lib/train/torch_runtime.h"
#include "test_util.h"
#include <gnuradio/amrcompress/error.h>
#include <cppunit/extensions/HelperMacros.h>
#include <dlfcn.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>
#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <limits>
#include <mutex>
#include <thread>

using namespace gr::amrcompress;

namespace {

const std::vector<std::string> CLASSES = { "a", "b", "c" };

std::string save_model(const std::string& path, size_t L, uint64_t seed)
{
    torch::manual_seed(seed);
    torch::NoGradGuard ng;
    auto bm = model::build(
        nlohmann::json::parse(R"({"arch":"cnn1d","entry_kernel":3,"kernel":3,"hidden":8,
            "dropout":0.0,"stacks":[{"channels":4,"units":[4]},{"channels":4,"units":[]}]})"),
        CLASSES,
        L,
        "l1");
    bm.module.eval();
    model::save(bm.module, bm.info, path);
    return path;
}

//! A small LSTM: an architecture without a native graph (LibTorch only).
std::string save_lstm(const std::string& path, size_t L)
{
    torch::manual_seed(7);
    torch::NoGradGuard ng;
    auto spec = model::default_spec("lstm");
    spec["hidden"] = 8;
    spec["layers"] = 1;
    auto bm = model::build(spec, CLASSES, L, "l1");
    bm.module.eval();
    model::save(bm.module, bm.info, path);
    return path;
}

//! A hand-made TorchScript model with gr-amrcompress metadata whose
//! forward is `body` (x: float32 [B, 2, L]).
std::string save_scripted(const std::string& path, size_t L, const std::string& body)
{
    torch::jit::Module m("hand_made");
    m.define("def forward(self, x):\n" + body);
    model_info info;
    info.arch = "hand_made";
    info.spec = "{}";
    info.classes = CLASSES;
    info.frame_length = L;
    info.normalisation = "none";
    m.save(path, torch::jit::ExtraFilesMap{ { "amr_meta.json", info.to_json() } });
    return path;
}

//! Collects log lines.
struct log_lines {
    std::mutex m;
    std::vector<std::string> lines;
    deploy::log_fn fn()
    {
        return [this](const std::string& l) {
            std::lock_guard<std::mutex> lk(m);
            lines.push_back(l);
        };
    }
    size_t size()
    {
        std::lock_guard<std::mutex> lk(m);
        return lines.size();
    }
};

bool contains(const std::string& s, const std::string& part)
{
    return s.find(part) != std::string::npos;
}

std::vector<float> frame(size_t L, float phase)
{
    std::vector<float> x(2 * L);
    for (size_t i = 0; i < L; i++) {
        x[i] = std::cos(0.3f * i + phase) / L;
        x[L + i] = std::sin(0.3f * i + phase) / L;
    }
    return x;
}

} // namespace

class deploy_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(deploy_test);
    CPPUNIT_TEST(normalisation_matches_the_definitions);
    CPPUNIT_TEST(engine_classifies_every_frame_like_the_model);
    CPPUNIT_TEST(full_queue_drops_and_counts);
    CPPUNIT_TEST(swap_checks_the_new_model);
    CPPUNIT_TEST(model_info_without_libtorch_matches_load);
    CPPUNIT_TEST(options_are_checked);
    CPPUNIT_TEST(lstm_falls_back_to_libtorch_with_one_log_line);
    CPPUNIT_TEST(native_engine_refuses_what_it_cannot_run);
    CPPUNIT_TEST(wrong_batch_dimension_is_an_input_error);
    CPPUNIT_TEST(softmax_is_stable_for_large_logits);
    CPPUNIT_TEST(runtime_settings_per_thread_and_process);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

public:
    /*
     * PyTorch keeps the graph-optimiser flag per thread: a worker thread
     * must set it itself (configure_torch_runtime once set it inside
     * call_once, so every later thread ran with the default). And without
     * process tuning (a library in the user's process) OpenBLAS's thread
     * count is left alone.
     */
    void runtime_settings_per_thread_and_process()
    {
        CPPUNIT_ASSERT(!process_tuning()); // the library's default: not the tools'
        torch::jit::setGraphExecutorOptimize(true);
        bool first = true, second = true;
        std::thread a([&] {
            configure_torch_runtime(1);
            first = torch::jit::getGraphExecutorOptimize();
        });
        a.join();
        std::thread b([&] {
            configure_torch_runtime(1);
            second = torch::jit::getGraphExecutorOptimize();
        });
        b.join();
        CPPUNIT_ASSERT(!first);
        CPPUNIT_ASSERT(!second);                                // the second thread too
        CPPUNIT_ASSERT(torch::jit::getGraphExecutorOptimize()); // this thread untouched
        std::thread c([&] {
            configure_torch_thread(1, true);
            first = torch::jit::getGraphExecutorOptimize();
        });
        c.join();
        CPPUNIT_ASSERT(first);

        using get_fn = int (*)();
        using set_fn = void (*)(int);
        auto get =
            reinterpret_cast<get_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
        auto set =
            reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
        if (!get || !set || std::getenv("OPENBLAS_NUM_THREADS"))
            return; // another BLAS, or the user's explicit choice
        set(2);
        configure_torch_runtime(1);
        CPPUNIT_ASSERT_EQUAL(2, get()); // not the library's to change
        set_process_tuning(true);
        configure_torch_runtime(1);
        set_process_tuning(false);
        CPPUNIT_ASSERT_EQUAL(1, get()); // the tools' setting
    }

    void normalisation_matches_the_definitions()
    {
        const size_t L = 16;
        std::vector<gr_complex> in(L);
        for (size_t i = 0; i < L; i++)
            in[i] = gr_complex(float(i) - 3.0f, 0.5f * i);
        std::vector<float> out(2 * L);
        double l1 = 0, e = 0;
        for (auto v : in) {
            l1 += std::abs(v);
            e += std::norm(v);
        }
        frame_normaliser n1(L, "l1");
        CPPUNIT_ASSERT(n1(in.data(), out.data()));
        for (size_t i = 0; i < L; i++) { // I row, then Q row
            CPPUNIT_ASSERT_DOUBLES_EQUAL(in[i].real() / l1, out[i], 1e-6);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(in[i].imag() / l1, out[L + i], 1e-6);
        }
        frame_normaliser np(L, "power");
        CPPUNIT_ASSERT(np(in.data(), out.data()));
        const double g = 1 / std::sqrt(e / L);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(in[5].real() * g, out[5], 1e-5);
        frame_normaliser nn(L, "none");
        CPPUNIT_ASSERT(nn(in.data(), out.data()));
        CPPUNIT_ASSERT_EQUAL(in[7].imag(), out[L + 7]);
        in[3] = gr_complex(std::numeric_limits<float>::quiet_NaN(), 0);
        CPPUNIT_ASSERT(!n1(in.data(), out.data()));
        CPPUNIT_ASSERT_THROW(frame_normaliser(L, "max"), input_error);
    }

    void engine_classifies_every_frame_like_the_model()
    {
        const size_t L = 32;
        auto path = save_model(tmp.file("m.pt"), L, 1);
        auto ref = model::load(path);
        ref.module.eval();
        std::mutex m;
        std::vector<frame_result> got;
        engine_options opt;
        opt.batch_size = 4;
        opt.queue_frames = 64;
        inference_engine eng(path, 0, opt, [&](std::vector<frame_result>& r) {
            std::lock_guard<std::mutex> lk(m);
            got.insert(got.end(), r.begin(), r.end());
        });
        CPPUNIT_ASSERT_EQUAL(L, eng.frame_length());
        for (int i = 0; i < 10; i++) // 10 = two full batches and a partial one
            CPPUNIT_ASSERT(eng.push(uint64_t(i) * L, frame(L, 0.1f * i).data()));
        eng.flush();
        CPPUNIT_ASSERT_EQUAL(size_t(10), got.size());
        CPPUNIT_ASSERT_EQUAL(uint64_t(3), eng.stats().batches);
        torch::NoGradGuard ng;
        for (int i = 0; i < 10; i++) {
            auto x =
                torch::from_blob(frame(L, 0.1f * i).data(), { 1, 2, int64_t(L) }).clone();
            auto p = torch::softmax(ref.module.forward({ x }).toTensor(), 1);
            CPPUNIT_ASSERT_EQUAL(uint64_t(i) * L, got[i].offset);
            CPPUNIT_ASSERT_EQUAL(int32_t(p.argmax(1).item<int64_t>()), got[i].label);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(p.max().item<float>(), got[i].confidence, 1e-5);
        }
    }

    void full_queue_drops_and_counts()
    {
        const size_t L = 32;
        auto path = save_model(tmp.file("q.pt"), L, 2);
        std::mutex gate; // holds the delivery of the first batch
        std::unique_lock<std::mutex> hold(gate);
        engine_options opt;
        opt.batch_size = 2;
        opt.queue_frames = 2;
        opt.max_wait_ms = 60000; // whole batches only: the counts below are exact
        size_t delivered = 0;
        inference_engine eng(path, 0, opt, [&](std::vector<frame_result>& r) {
            std::lock_guard<std::mutex> lk(gate);
            delivered += r.size();
        });
        auto f = frame(L, 0);
        // The pipeline holds a batch in delivery, one waiting for delivery,
        // one done by the worker that waits for room, then the queue. Filled
        // with pushes that wait for room (each returns once its frame is
        // queued), it holds exactly that however slowly the worker runs on a
        // loaded machine; the next frame is then dropped and counted.
        const size_t capacity = opt.queue_frames + 3 * opt.batch_size;
        uint64_t offset = 0;
        auto fill = std::async(std::launch::async, [&] {
            for (size_t i = 0; i < capacity; i++, offset += L)
                eng.push(offset, f.data(), true);
        });
        if (fill.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
            hold.unlock(); // lets the pushes finish before failing
            fill.wait();
            CPPUNIT_FAIL("the pipeline took fewer frames than it should hold");
        }
        eng.push(offset, f.data());
        const bool dropped = eng.stats().dropped > 0;
        const bool still_full = !eng.push(offset, f.data());
        // In flight: every frame pushed and not yet delivered.
        const size_t in_flight = eng.in_flight();
        const auto held = eng.stats();
        hold.unlock(); // before asserting: a failed assertion must not leave the engine
                       // blocked
        CPPUNIT_ASSERT(dropped);
        CPPUNIT_ASSERT(still_full);
        CPPUNIT_ASSERT_EQUAL(size_t(0), size_t(held.classified));
        CPPUNIT_ASSERT_EQUAL(size_t(held.pushed - held.classified), in_flight);
        CPPUNIT_ASSERT_EQUAL(opt.queue_frames + 3 * opt.batch_size, in_flight);
        eng.flush();
        CPPUNIT_ASSERT_EQUAL(size_t(0), eng.in_flight());
        const auto s = eng.stats();
        CPPUNIT_ASSERT_EQUAL(s.pushed, s.classified);
        CPPUNIT_ASSERT(s.deliver_seconds > 0); // the delivery above was held
        CPPUNIT_ASSERT_EQUAL(size_t(s.classified), delivered);
        CPPUNIT_ASSERT(s.queue_high_water <= 2);
    }

    void swap_checks_the_new_model()
    {
        auto a = save_model(tmp.file("a.pt"), 32, 3);
        auto b = save_model(tmp.file("b.pt"), 32, 4);
        auto wrong = save_model(tmp.file("w.pt"), 64, 5);
        std::ofstream(tmp.file("junk.pt")) << "not a model";
        std::vector<uint64_t> gens;
        std::mutex m;
        inference_engine eng(a, 32, engine_options(), [&](std::vector<frame_result>& r) {
            std::lock_guard<std::mutex> lk(m);
            for (const auto& x : r)
                gens.push_back(x.model_generation);
        });
        auto f = frame(32, 0);
        eng.push(0, f.data());
        eng.flush();
        CPPUNIT_ASSERT_THROW(eng.swap_model(wrong), input_error); // 64-sample frames
        CPPUNIT_ASSERT_THROW(eng.swap_model(tmp.file("junk.pt")), input_error);
        eng.swap_model(b);
        eng.push(32, f.data());
        eng.flush();
        CPPUNIT_ASSERT((gens == std::vector<uint64_t>{ 0, 1 }));
        CPPUNIT_ASSERT_EQUAL(uint64_t(1), eng.stats().swaps);
        CPPUNIT_ASSERT_THROW(inference_engine(a, 64, engine_options(), [](auto&) {}),
                             input_error);
    }

    void model_info_without_libtorch_matches_load()
    {
        auto path = save_model(tmp.file("info.pt"), 32, 6);
        const auto a = read_model_info(path); // the archive reader, no LibTorch
        const auto b = model::load(path).info;
        CPPUNIT_ASSERT_EQUAL(b.to_json(), a.to_json());
        CPPUNIT_ASSERT((a.classes == CLASSES));
        CPPUNIT_ASSERT_EQUAL(size_t(32), a.frame_length);
        std::ofstream(tmp.file("junk_info.pt")) << "not a model";
        CPPUNIT_ASSERT_THROW(read_model_info(tmp.file("junk_info.pt")), input_error);
        CPPUNIT_ASSERT_THROW(read_model_info(tmp.file("missing.pt")), input_error);
        torch::jit::Module bare("bare"); // TorchScript without our metadata
        bare.define("def forward(self, x):\n    return x\n");
        bare.save(tmp.file("bare.pt"));
        try {
            read_model_info(tmp.file("bare.pt"));
            CPPUNIT_FAIL("a TorchScript file without metadata was accepted");
        } catch (const input_error& e) {
            CPPUNIT_ASSERT(contains(e.what(), "amr_meta.json"));
        }
    }

    void options_are_checked()
    {
        CPPUNIT_ASSERT(deploy::parse_precision("fp32") == deploy::precision::fp32);
        CPPUNIT_ASSERT(deploy::parse_precision("bf16") == deploy::precision::bf16);
        CPPUNIT_ASSERT(deploy::parse_precision("int8") == deploy::precision::int8);
        CPPUNIT_ASSERT_EQUAL(std::string("int8"),
                             deploy::to_string(deploy::precision::int8));
        CPPUNIT_ASSERT_THROW(deploy::parse_precision("fp16"), input_error);
        auto path = save_model(tmp.file("opt.pt"), 32, 8);
        deploy::backend_options opt;
        opt.engine = "tensorrt";
        CPPUNIT_ASSERT_THROW(deploy::open_backend(path, opt), input_error);
    }

    void lstm_falls_back_to_libtorch_with_one_log_line()
    {
        const size_t L = 32;
        auto path = save_lstm(tmp.file("lstm.pt"), L);
        log_lines log;
        deploy::backend_options opt; // engine "auto"
        auto b = deploy::open_backend(path, opt, log.fn());
        CPPUNIT_ASSERT(b);
        CPPUNIT_ASSERT_EQUAL(size_t(1), log.size());
        CPPUNIT_ASSERT(contains(log.lines[0], path + ": running on LibTorch: "));
        CPPUNIT_ASSERT(contains(b->description(), "LibTorch"));
        // Its logits are the model's.
        auto f = frame(L, 0.2f);
        std::vector<float> logits(CLASSES.size());
        b->forward(f.data(), 1, logits.data());
        auto ref = model::load(path);
        ref.module.eval();
        torch::NoGradGuard ng;
        auto want =
            ref.module.forward({ torch::from_blob(f.data(), { 1, 2, int64_t(L) }) })
                .toTensor();
        for (size_t c = 0; c < CLASSES.size(); c++)
            CPPUNIT_ASSERT_DOUBLES_EQUAL(want[0][c].item<float>(), logits[c], 1e-5);

        // Through the engine: one line too, and every frame classified.
        log_lines elog;
        engine_options eopt;
        eopt.batch_size = 4;
        eopt.log = elog.fn();
        std::mutex m;
        size_t got = 0;
        inference_engine eng(path, L, eopt, [&](std::vector<frame_result>& r) {
            std::lock_guard<std::mutex> lk(m);
            got += r.size();
        });
        CPPUNIT_ASSERT(contains(eng.backend_description(), "LibTorch"));
        for (int i = 0; i < 6; i++)
            CPPUNIT_ASSERT(eng.push(uint64_t(i) * L, frame(L, 0.1f * i).data(), true));
        eng.flush();
        CPPUNIT_ASSERT_EQUAL(size_t(6), got);
        CPPUNIT_ASSERT_EQUAL(size_t(1), elog.size());
    }

    void native_engine_refuses_what_it_cannot_run()
    {
        auto path = save_lstm(tmp.file("lstm_native.pt"), 32);
        log_lines log;
        deploy::backend_options opt;
        opt.engine = "native";
        try {
            deploy::open_backend(path, opt, log.fn());
            CPPUNIT_FAIL("the native engine accepted an LSTM");
        } catch (const input_error& e) {
            CPPUNIT_ASSERT(contains(e.what(), path));
        }
        CPPUNIT_ASSERT_EQUAL(size_t(0), log.size()); // no fallback, so no line
        engine_options eopt;
        eopt.engine = "native";
        CPPUNIT_ASSERT_THROW(inference_engine(path, 0, eopt, [](auto&) {}), input_error);
    }

    void wrong_batch_dimension_is_an_input_error()
    {
        const size_t L = 32;
        // [1, C] whatever the batch: refused when opened (trial batch of 2).
        auto one =
            save_scripted(tmp.file("one_row.pt"), L, "    return torch.zeros([1, 3])\n");
        deploy::backend_options opt;
        opt.engine = "libtorch";
        try {
            deploy::open_backend(one, opt);
            CPPUNIT_FAIL("a model returning [1, C] for a batch was accepted");
        } catch (const input_error& e) {
            CPPUNIT_ASSERT(contains(e.what(), one));
            CPPUNIT_ASSERT(contains(e.what(), "does not return [B, 3] logits"));
        }
        engine_options eopt;
        eopt.engine = "libtorch";
        CPPUNIT_ASSERT_THROW(inference_engine(one, 0, eopt, [](auto&) {}), input_error);

        // Right for the trial batch (2 frames), wrong for 4: every forward is
        // checked; on the engine thread the batch fails, is counted and logged.
        auto two = save_scripted(tmp.file("two_rows.pt"),
                                 L,
                                 "    return torch.zeros([min(x.size(0), 2), 3])\n");
        auto b = deploy::open_backend(two, opt);
        std::vector<float> x(4 * 2 * L, 0.0f), logits(4 * 3);
        CPPUNIT_ASSERT_THROW(b->forward(x.data(), 4, logits.data()), input_error);
        b->forward(x.data(), 2, logits.data());
        log_lines log;
        eopt.batch_size = 4;
        eopt.log = log.fn();
        size_t delivered = 0;
        inference_engine eng(
            two, 0, eopt, [&](std::vector<frame_result>& r) { delivered += r.size(); });
        for (int i = 0; i < 4; i++)
            eng.push(uint64_t(i) * L, x.data(), true);
        eng.flush();
        const auto s = eng.stats();
        CPPUNIT_ASSERT_EQUAL(uint64_t(4), s.failed);
        CPPUNIT_ASSERT_EQUAL(uint64_t(0), s.classified);
        CPPUNIT_ASSERT_EQUAL(size_t(0), delivered);
        CPPUNIT_ASSERT_EQUAL(size_t(0), eng.in_flight());
        CPPUNIT_ASSERT_EQUAL(size_t(1), log.size());
        CPPUNIT_ASSERT(contains(log.lines[0], two));
    }

    void softmax_is_stable_for_large_logits()
    {
        const size_t L = 16;
        auto path = save_scripted(tmp.file("large.pt"),
                                  L,
                                  "    return torch.ones([x.size(0), 3]) * "
                                  "torch.tensor([1000.0, 999.0, -1000.0])\n");
        engine_options opt;
        opt.engine = "libtorch";
        std::vector<frame_result> got;
        inference_engine eng(path, 0, opt, [&](std::vector<frame_result>& r) {
            got.insert(got.end(), r.begin(), r.end());
        });
        eng.push(0, frame(L, 0).data());
        eng.flush();
        CPPUNIT_ASSERT_EQUAL(size_t(1), got.size());
        const auto& p = got[0].probs;
        CPPUNIT_ASSERT_EQUAL(int32_t(0), got[0].label);
        const double e = std::exp(-1.0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1 / (1 + e), p[0], 1e-6);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(e / (1 + e), p[1], 1e-6);
        CPPUNIT_ASSERT_EQUAL(0.0f, p[2]);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(p[0], got[0].confidence, 1e-7);
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(deploy_test, "deploy");

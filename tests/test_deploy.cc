/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The classifier's parts without a flowgraph: frame normalisation (VOLK) and
 * the inference engine (batching, flush, drops, model swap and refusals).
 */
#include "../lib/deploy/frame_normaliser.h"
#include "../lib/deploy/inference_engine.h"
#include "../lib/model/torch_model.h"
#include "test_util.h"
#include <gnuradio/amrcompress/error.h>
#include <cppunit/extensions/HelperMacros.h>
#include <torch/torch.h>
#include <cmath>
#include <fstream>
#include <limits>
#include <mutex>

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
        CLASSES, L, "l1");
    bm.module.eval();
    model::save(bm.module, bm.info, path);
    return path;
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
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

public:
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
            auto x = torch::from_blob(frame(L, 0.1f * i).data(), { 1, 2, int64_t(L) }).clone();
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
        std::mutex gate; // holds the engine inside its first batch
        std::unique_lock<std::mutex> hold(gate);
        engine_options opt;
        opt.batch_size = 2;
        opt.queue_frames = 2;
        size_t delivered = 0;
        inference_engine eng(path, 0, opt, [&](std::vector<frame_result>& r) {
            std::lock_guard<std::mutex> lk(gate);
            delivered += r.size();
        });
        auto f = frame(L, 0);
        CPPUNIT_ASSERT(eng.push(0, f.data()));
        CPPUNIT_ASSERT(eng.push(L, f.data())); // batch taken, engine blocked in delivery
        while (eng.stats().queue_high_water < 2 || eng.stats().pushed < 2)
            ;
        // The engine took the first batch off the queue; two more fit, then drops.
        for (int tries = 0; tries < 200 && eng.stats().dropped == 0; tries++)
            eng.push(2 * L, f.data());
        CPPUNIT_ASSERT(eng.stats().dropped > 0);
        CPPUNIT_ASSERT(!eng.push(3 * L, f.data())); // still full
        // In flight: every frame pushed and not yet delivered, whether still
        // queued or in the batch held in delivery (when the engine has taken
        // it yet: that depends on thread timing).
        const size_t in_flight = eng.in_flight();
        const auto held = eng.stats();
        hold.unlock(); // before asserting: a failed assertion must not leave the engine blocked
        CPPUNIT_ASSERT_EQUAL(size_t(held.pushed - held.classified), in_flight);
        CPPUNIT_ASSERT(in_flight >= 2 && in_flight <= 4);
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
        CPPUNIT_ASSERT_THROW(eng.swap_model(wrong), input_error);        // 64-sample frames
        CPPUNIT_ASSERT_THROW(eng.swap_model(tmp.file("junk.pt")), input_error);
        eng.swap_model(b);
        eng.push(32, f.data());
        eng.flush();
        CPPUNIT_ASSERT((gens == std::vector<uint64_t>{ 0, 1 }));
        CPPUNIT_ASSERT_EQUAL(uint64_t(1), eng.stats().swaps);
        CPPUNIT_ASSERT_THROW(inference_engine(a, 64, engine_options(), [](auto&) {}), input_error);
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(deploy_test, "deploy");

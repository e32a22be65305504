/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pruning internals on small hand-made networks: clustering, the channel
 * plan (fusion that keeps the function when channels are duplicates, hard
 * pruning of dead channels, the literal input fusion that does not), layer
 * removal, and the FLOPs counter on pruned structures.
 */
#include "../lib/prune/channel_plan.h"
#include "../lib/prune/clustering.h"
#include "test_util.h"
#include <gnuradio/amrcompress/error.h>
#include <cppunit/extensions/HelperMacros.h>
#include <torch/torch.h>

using namespace gr::amrcompress;
using namespace gr::amrcompress::prune;
using json = nlohmann::json;

namespace {

const std::vector<std::string> CLASSES = { "a", "b", "c", "d" };
constexpr size_t L = 32;

json small_cnn1d()
{
    return json::parse(R"({"arch":"cnn1d","entry_kernel":3,"kernel":3,"hidden":16,
        "dropout":0.0,"stacks":[{"channels":8,"units":[8,6]},{"channels":8,"units":[4]}]})");
}

//! The authors' CNN1D in small: a 2-D first stack, 1x1 entry convs, no
//! biases, no ReLU before the classifier.
json small_cnn1d_paper()
{
    return json::parse(R"({"arch":"cnn1d","entry_kernel":1,"kernel":3,"hidden":16,
        "bias":false,"head_relu":false,"dropout":0.0,
        "stacks":[{"channels":8,"units":[8,6],"iq_2d":true},{"channels":8,"units":[4]}]})");
}

json small_resnet()
{
    return json::parse(R"({"arch":"resnet","stem":4,"stages":[
        {"channels":4,"stride":1,"blocks":[6,4]},{"channels":8,"stride":2,"blocks":[8,6,4]}]})");
}

net_state random_net(const json& spec, uint64_t seed)
{
    torch::manual_seed(seed);
    torch::NoGradGuard ng;
    auto bm = model::build(spec, CLASSES, L, "l1");
    net_state n = net_state::from(bm);
    // BatchNorm statistics away from their defaults, so fusing them matters.
    for (auto& [name, t] : n.tensors) {
        if (name.size() > 3 && name.compare(name.size() - 3, 3, "_rm") == 0)
            t.uniform_(-0.5, 0.5);
        if (name.size() > 3 && name.compare(name.size() - 3, 3, "_rv") == 0)
            t.uniform_(0.5, 2.0);
        if (name.size() > 2 && name.compare(name.size() - 2, 2, "_g") == 0)
            t.uniform_(0.5, 1.5);
    }
    return n;
}

torch::Tensor output(const net_state& n, const torch::Tensor& x)
{
    auto bm = n.build();
    bm.module.eval();
    torch::NoGradGuard ng;
    return bm.module.forward({ x }).toTensor();
}

torch::Tensor input(uint64_t seed)
{
    torch::manual_seed(seed);
    return torch::randn({ 16, 2, int64_t(L) }) / double(L);
}

//! Makes channel j + w/2 of every space an exact copy of channel j (producer side).
void duplicate_halves(net_state& n)
{
    torch::NoGradGuard ng;
    for (const auto& s : n.graph().spaces) {
        const int h = s.width / 2;
        for (const auto& p : s.producers) {
            auto& t = n.tensors.at(p.name);
            t.slice(0, h, 2 * h).copy_(t.slice(0, 0, h));
        }
    }
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a - b).abs().max().item<double>();
}

} // namespace

class prune_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(prune_test);
    CPPUNIT_TEST(average_linkage_groups_the_nearest);
    CPPUNIT_TEST(fusing_duplicates_keeps_the_function);
    CPPUNIT_TEST(literal_input_fusion_changes_the_function);
    CPPUNIT_TEST(cutting_dead_channels_keeps_the_function);
    CPPUNIT_TEST(removing_an_identity_layer_keeps_the_function);
    CPPUNIT_TEST(resnet_coupling_and_removability);
    CPPUNIT_TEST(flops_follow_the_pruned_structure);
    CPPUNIT_TEST(inconsistent_states_are_refused);
    CPPUNIT_TEST_SUITE_END();

public:
    void average_linkage_groups_the_nearest()
    {
        // Points on a line: {0, 0.1}, {5, 5.3}, {10}; average linkage, 3 clusters.
        std::vector<double> x = { 5.0, 0.0, 10.0, 0.1, 5.3 };
        std::vector<double> d(25);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
                d[i * 5 + j] = std::fabs(x[i] - x[j]);
        auto g = average_linkage(d, 5, 3);
        CPPUNIT_ASSERT_EQUAL(size_t(3), g.size());
        CPPUNIT_ASSERT((g[0] == std::vector<int>{ 0, 4 }));
        CPPUNIT_ASSERT((g[1] == std::vector<int>{ 1, 3 }));
        CPPUNIT_ASSERT((g[2] == std::vector<int>{ 2 }));
        // Average linkage at k = 2: avg({0, .1}, {5, 5.3}) = 5.1 but
        // avg({5, 5.3}, {10}) = 4.85, so {5, 5.3} joins 10 (single linkage,
        // min 4.7 vs 4.9, would agree; complete linkage, 5.3 vs 5.0, would not).
        auto g2 = average_linkage(d, 5, 2);
        CPPUNIT_ASSERT((g2[0] == std::vector<int>{ 0, 2, 4 }));
        CPPUNIT_ASSERT_THROW(average_linkage(d, 5, 6), input_error);
    }

    void fusing_duplicates_keeps_the_function()
    {
        for (const json& spec : { small_cnn1d(), small_cnn1d_paper(), small_resnet() }) {
            net_state n = random_net(spec, 3);
            duplicate_halves(n);
            const auto g = n.graph();
            channel_plan plan;
            for (const auto& s : g.spaces) {
                auto d = channel_distances(n, s, "cosine");
                auto clusters = average_linkage(d, s.width, s.width / 2);
                for (auto& m : clusters) {
                    CPPUNIT_ASSERT_EQUAL(size_t(2), m.size()); // exactly the duplicates
                    CPPUNIT_ASSERT_EQUAL(m[0] + s.width / 2, m[1]);
                    plan[s.name].push_back({ m, { 0.5, 0.5 } });
                }
            }
            net_state fused = apply_channel_plan(n, g, plan);
            auto x = input(7);
            auto before = output(n, x), after = output(fused, x);
            CPPUNIT_ASSERT(max_abs_diff(before, after) <
                           1e-4 * (1 + before.abs().max().item<double>()));
            for (const auto& s : fused.graph().spaces)
                CPPUNIT_ASSERT_EQUAL(g.space(s.name).width / 2, s.width);
            CPPUNIT_ASSERT(fused.build().info.params < 0.75 * n.build().info.params);
        }
    }

    void literal_input_fusion_changes_the_function()
    {
        net_state n = random_net(small_cnn1d(), 4);
        duplicate_halves(n);
        const auto g = n.graph();
        channel_plan plan;
        std::map<std::string, int> counts;
        for (const auto& s : g.spaces) {
            auto clusters =
                average_linkage(channel_distances(n, s, "cosine"), s.width, s.width / 2);
            for (auto& m : clusters)
                plan[s.name].push_back({ m, { 0.5, 0.5 } });
            counts[s.name] = s.width / 2;
        }
        auto x = input(8);
        auto ref = output(n, x);
        auto sum = output(apply_channel_plan(n, g, plan), x);
        auto literal = output(
            fuse_inputs_literally(apply_producers(n, g, plan), g, counts, "cosine"), x);
        CPPUNIT_ASSERT(max_abs_diff(ref, sum) <
                       1e-4 * (1 + ref.abs().max().item<double>()));
        CPPUNIT_ASSERT(max_abs_diff(ref, literal) >
                       1e-3 * (1 + ref.abs().max().item<double>()));
    }

    void cutting_dead_channels_keeps_the_function()
    {
        // Inner channels whose conv rows (and biases) are zero output
        // relu(0) = 0: slicing them away changes nothing, and L1 ranks them
        // last. In 1-D stacks and in the authors' 2-D first stack alike.
        for (const json& spec : { small_cnn1d(), small_cnn1d_paper() }) {
            net_state n = random_net(spec, 5);
            const auto g = n.graph();
            const auto& inner = g.space("s0_u0");
            {
                torch::NoGradGuard ng;
                for (int j : { 1, 4, 6 })
                    for (const auto& p : inner.producers)
                        n.tensors.at(p.name)[j].zero_();
            }
            auto l1 = channel_l1(n, inner);
            CPPUNIT_ASSERT_EQUAL(0.0, l1[1] + l1[4] + l1[6]);
            channel_plan plan{ { "s0_u0", keep_channels({ 7, 0, 2, 3, 5 }) } };
            net_state cut = apply_channel_plan(n, g, plan);
            CPPUNIT_ASSERT_EQUAL(5, cut.spec["stacks"][0]["units"][0].get<int>());
            auto x = input(9);
            CPPUNIT_ASSERT(max_abs_diff(output(n, x), output(cut, x)) < 1e-5);
        }
    }

    void removing_an_identity_layer_keeps_the_function()
    {
        for (const json& spec : { small_cnn1d(), small_cnn1d_paper() }) {
            // s0_u1 follows a ReLU, so with a zero second conv it is the identity.
            net_state n = random_net(spec, 6);
            {
                torch::NoGradGuard ng;
                n.tensors.at("s0_u1_c2_w").zero_();
                if (n.tensors.count("s0_u1_c2_b"))
                    n.tensors.at("s0_u1_c2_b").zero_();
            }
            const auto g = n.graph();
            size_t idx = 0;
            while (g.layers[idx].name != "s0_u1")
                idx++;
            auto r = remove_layers(n.spec, g, { idx });
            CPPUNIT_ASSERT((r.removed == std::vector<std::string>{ "s0_u1" }));
            CPPUNIT_ASSERT_EQUAL(size_t(1), r.spec["stacks"][0]["units"].size());
            net_state cut = apply_layer_removal(n, r);
            auto x = input(10);
            CPPUNIT_ASSERT(max_abs_diff(output(n, x), output(cut, x)) < 1e-5);
            // Removing s0_u0 instead renumbers s0_u1's tensors to s0_u0.
            auto r0 = remove_layers(n.spec, g, { idx - 1 });
            net_state shifted = apply_layer_removal(n, r0);
            CPPUNIT_ASSERT(torch::equal(shifted.tensors.at("s0_u0_c1_w"),
                                        n.tensors.at("s0_u1_c1_w")));
            CPPUNIT_ASSERT_EQUAL(6, r0.spec["stacks"][0]["units"][0].get<int>());
            // Entry convs cannot go: they change the width.
            CPPUNIT_ASSERT_THROW(remove_layers(n.spec, g, { 0 }), input_error);
        }
    }

    void resnet_coupling_and_removability()
    {
        const auto g = describe_prunable(small_resnet(), L);
        // Only block-inner widths are spaces; BatchNorm follows their conv.
        CPPUNIT_ASSERT_EQUAL(size_t(5), g.spaces.size());
        for (const auto& s : g.spaces) {
            CPPUNIT_ASSERT(!s.bn_gamma.empty());
            CPPUNIT_ASSERT(!s.coupled());
        }
        // stem, l0_b0, l0_b1, l1_b0 (stride 2, 4 -> 8: not removable), l1_b1, l1_b2.
        std::vector<bool> removable;
        for (const auto& l : g.layers)
            removable.push_back(l.removable);
        CPPUNIT_ASSERT(
            (removable == std::vector<bool>{ false, true, true, false, true, true }));
        // A stage keeps at least one block.
        CPPUNIT_ASSERT_THROW(remove_layers(small_resnet(), g, { 1, 2 }), input_error);
        // cnn1d stacks are coupled spaces: entry conv + every unit's second conv.
        const auto c = describe_prunable(small_cnn1d(), L);
        const auto& s0 = c.space("s0");
        CPPUNIT_ASSERT_EQUAL(size_t(3), s0.weights.size());
        CPPUNIT_ASSERT_EQUAL(int64_t(L >> 2), c.space("s1").consumers.back().block);
        CPPUNIT_ASSERT_THROW(describe_prunable(json{ { "arch", "lstm" } }, L),
                             input_error);
    }

    void flops_follow_the_pruned_structure()
    {
        // cnn1d, one stack of c channels and one unit of u, L = 32, 4 classes:
        // entry 2->c (k 3), unit c->u->c (k 3), pool, fc1 c*16 -> 16, head 16 -> 4.
        for (int c : { 8, 3 })
            for (int u : { 8, 1 }) {
                json spec = json::parse(R"({"arch":"cnn1d","entry_kernel":3,"kernel":3,
                    "hidden":16,"dropout":0.0,"stacks":[{"channels":8,"units":[8]}]})");
                spec["stacks"][0]["channels"] = c;
                spec["stacks"][0]["units"][0] = u;
                auto info = describe_model(spec.dump(), CLASSES, L);
                const double flops =
                    32.0 * c * 2 * 3 + 32.0 * u * c * 3 * 2 + c * 16.0 * 16 + 16 * 4;
                const size_t params = (c * 2 * 3 + c) + (u * c * 3 + u) +
                                      (c * u * 3 + c) + (c * 16 * 16 + 16) + (16 * 4 + 4);
                CPPUNIT_ASSERT_EQUAL(flops, info.flops);
                CPPUNIT_ASSERT_EQUAL(params, info.params);
            }
    }

    void inconsistent_states_are_refused()
    {
        // An architecture that cannot be pruned, named with the ones that can
        // (the prunable lines of lib/model/architectures.def).
        try {
            describe_prunable(json::parse(R"({"arch":"cnn2d"})"), L);
            CPPUNIT_FAIL("cnn2d was described as prunable");
        } catch (const input_error& e) {
            const std::string w = e.what();
            CPPUNIT_ASSERT_MESSAGE(w, w.find("'cnn2d'") != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(w, w.find("(cnn1d and resnet)") != std::string::npos);
        }
        net_state n = random_net(small_cnn1d(), 11);
        net_state bad = n;
        bad.tensors["s0_u0_c1_w"] = torch::zeros({ 3, 8, 3 });
        CPPUNIT_ASSERT_THROW(bad.build(), input_error);
        net_state missing = n;
        missing.tensors.erase("fc1_b");
        CPPUNIT_ASSERT_THROW(missing.build(), input_error);
        channel_plan out_of_range{ { "s0_u0", keep_channels({ 0, 9 }) } };
        CPPUNIT_ASSERT_THROW(apply_channel_plan(n, n.graph(), out_of_range), input_error);
        CPPUNIT_ASSERT_THROW(row_distances(torch::ones({ 2, 2 }), "manhattan"),
                             input_error);
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(prune_test, "prune");

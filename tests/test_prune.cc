/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pruning internals on small hand-made networks: clustering, the channel
 * plan (fusion that keeps the function when channels are duplicates, hard
 * pruning of dead channels, the literal input fusion that does not), layer
 * removal, and the FLOPs counter on pruned structures.
 */
#include "../lib/model/model_specs.h"
#include "../lib/model/net_graph.h"
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

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a - b).abs().max().item<double>();
}

net_state random_net(const json& spec, uint64_t seed, size_t len = L)
{
    torch::manual_seed(seed);
    torch::NoGradGuard ng;
    auto bm = model::build(spec, CLASSES, len, "l1");
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

torch::Tensor input(uint64_t seed, size_t len = L)
{
    torch::manual_seed(seed);
    return torch::randn({ 16, 2, int64_t(len) }) / double(len);
}

//! Every preset (lib/model/presets.def) the tracer finds something to prune
//! in, at a frame length every one fits (cnn1d pools six times).
constexpr size_t PRESET_L = 128;
std::vector<std::pair<std::string, json>> prunable_presets()
{
    std::vector<std::pair<std::string, json>> out;
    for (const auto& name : model_architectures()) {
        json spec = model::default_spec(name);
        const auto g = model::build_net_graph(spec, CLASSES.size(), PRESET_L);
        const bool has_conv =
            std::any_of(g.ops.begin(), g.ops.end(), [](const model::net_op& op) {
                return op.kind == model::net_op::conv;
            });
        // Refused exactly when the network has no convolution (the LSTM).
        if (!has_conv) {
            CPPUNIT_ASSERT_THROW_MESSAGE(
                name, describe_prunable(spec, PRESET_L), input_error);
            continue;
        }
        spec["dropout"] = 0.0;
        out.emplace_back(name, spec);
    }
    CPPUNIT_ASSERT(out.size() >= 4); // cnn1d, cnn1d-lite, resnet56, cnn2d
    return out;
}

bool close(const torch::Tensor& a, const torch::Tensor& b)
{
    return max_abs_diff(a, b) < 1e-4 * (1 + a.abs().max().item<double>());
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
    CPPUNIT_TEST(the_authors_cnn1d_couples_conv1_conv3_conv5);
    CPPUNIT_TEST(every_traced_space_is_consistent_with_its_tensors);
    CPPUNIT_TEST(every_preset_keeps_its_function_under_fusion_cuts_and_removal);
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
        // An architecture with nothing to prune, named, with the registered ones.
        try {
            describe_prunable(model::default_spec("lstm"), L);
            CPPUNIT_FAIL("the lstm was described as prunable");
        } catch (const input_error& e) {
            const std::string w = e.what();
            CPPUNIT_ASSERT_MESSAGE(w, w.find("'lstm'") != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(w,
                                   w.find("cnn1d, resnet, cnn2d") != std::string::npos);
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

    void the_authors_cnn1d_couples_conv1_conv3_conv5()
    {
        // Their stack: conv1 (our entry), conv3 and conv5 (each unit's second
        // conv) meet in the residual sums; conv2 and conv4 are free. The
        // tracer finds that in the graph; nothing names it.
        const auto g = describe_prunable(model::default_spec("cnn1d"), PRESET_L);
        CPPUNIT_ASSERT_EQUAL(size_t(18), g.spaces.size()); // 6 stacks x (1 + 2)
        for (int i = 0; i < 6; i++) {
            const std::string p = "s" + std::to_string(i);
            const auto& st = g.space(p);
            CPPUNIT_ASSERT((st.weights == std::vector<std::string>{ p + "_entry_w",
                                                                    p + "_u0_c2_w",
                                                                    p + "_u1_c2_w" }));
            CPPUNIT_ASSERT_EQUAL("/stacks/" + std::to_string(i) + "/channels",
                                 st.width_pointer);
            CPPUNIT_ASSERT_EQUAL(p + "_u1", st.tap);
            for (int u = 0; u < 2; u++) {
                const auto& in = g.space(p + "_u" + std::to_string(u));
                CPPUNIT_ASSERT(!in.coupled());
                CPPUNIT_ASSERT_EQUAL(p + "_u" + std::to_string(u) + ".inner", in.tap);
            }
        }
        // The last stack feeds fc1 through the flatten: 2 samples per channel.
        CPPUNIT_ASSERT_EQUAL(std::string("fc1_w"), g.space("s5").consumers.back().name);
        CPPUNIT_ASSERT_EQUAL(int64_t(PRESET_L >> 6),
                             g.space("s5").consumers.back().block);
        // Units are removable, entry convs are not.
        for (const auto& l : g.layers)
            CPPUNIT_ASSERT_EQUAL_MESSAGE(
                l.name, l.name.find("_entry") == std::string::npos, l.removable);
    }

    void every_traced_space_is_consistent_with_its_tensors()
    {
        for (const auto& [name, spec] : prunable_presets()) {
            torch::NoGradGuard ng;
            auto bm = model::build(spec, CLASSES, PRESET_L, "l1");
            const net_state n = net_state::from(bm);
            const auto g = n.graph();
            CPPUNIT_ASSERT_MESSAGE(name, !g.spaces.empty());
            for (const auto& s : g.spaces) {
                const std::string what = name + " " + s.name;
                CPPUNIT_ASSERT_EQUAL_MESSAGE(
                    what, s.width, spec[json::json_pointer(s.width_pointer)].get<int>());
                for (const auto& p : s.producers)
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " " + p.name,
                                                 int64_t(s.width),
                                                 n.tensors.at(p.name).size(0));
                for (const auto& c : s.consumers)
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " " + c.name,
                                                 int64_t(s.width) * c.block,
                                                 n.tensors.at(c.name).size(c.dim));
                CPPUNIT_ASSERT_MESSAGE(
                    what,
                    std::count(bm.tap_names.begin(), bm.tap_names.end(), s.tap) == 1);
            }
            for (const auto& l : g.layers)
                CPPUNIT_ASSERT_MESSAGE(
                    name + " " + l.name,
                    std::count(bm.tap_names.begin(), bm.tap_names.end(), l.name) == 1);
        }
    }

    void every_preset_keeps_its_function_under_fusion_cuts_and_removal()
    {
        const auto x = input(12, PRESET_L);
        for (const auto& [name, spec] : prunable_presets()) {
            const net_state n = random_net(spec, 13, PRESET_L);
            const auto g = n.graph();
            const auto ref = output(n, x);
            { // Fusing exact duplicates (halves of every space) is exact.
                net_state d = n;
                duplicate_halves(d);
                channel_plan plan;
                for (const auto& s : g.spaces)
                    for (int j = 0; j < s.width / 2; j++)
                        plan[s.name].push_back({ { j, j + s.width / 2 }, { 0.5, 0.5 } });
                CPPUNIT_ASSERT_MESSAGE(
                    name, close(output(d, x), output(apply_channel_plan(d, g, plan), x)));
            }
            { // Cutting channels whose producers (BatchNorm included) are zero is exact.
                net_state d = n;
                channel_plan plan;
                {
                    torch::NoGradGuard ng;
                    for (const auto& s : g.spaces) {
                        for (const auto& p : s.producers)
                            d.tensors.at(p.name)[1].zero_();
                        std::vector<int> kept;
                        for (int j = 0; j < s.width; j++)
                            if (j != 1)
                                kept.push_back(j);
                        plan[s.name] = keep_channels(kept);
                    }
                }
                net_state cut = apply_channel_plan(d, g, plan);
                for (const auto& s : cut.graph().spaces)
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(
                        name, g.space(s.name).width - 1, s.width);
                CPPUNIT_ASSERT_MESSAGE(name, close(output(d, x), output(cut, x)));
            }
            // Removing a layer that became the identity is exact: a removable
            // layer with one residual sum whose last conv (and BatchNorm)
            // output zero, if the sum has no ReLU or the layer follows one.
            const auto net = model::build_net_graph(spec, CLASSES.size(), PRESET_L);
            bool removed_one = false;
            for (size_t li = 0; li < g.layers.size(); li++) {
                const model::net_layer& l = net.layers[li];
                const auto src =
                    std::find_if(net.ops.begin(), net.ops.end(), [&](const auto& op) {
                        return op.dst == l.src;
                    });
                const auto sums =
                    std::count_if(net.ops.begin(), net.ops.end(), [&](const auto& op) {
                        return op.layer == l.name && (op.kind == model::net_op::add ||
                                                      op.kind == model::net_op::add_relu);
                    });
                const bool plain_sum =
                    std::any_of(net.ops.begin(), net.ops.end(), [&](const auto& op) {
                        return op.layer == l.name && op.kind == model::net_op::add;
                    });
                const bool after_relu =
                    src != net.ops.end() && (src->kind == model::net_op::relu ||
                                             src->kind == model::net_op::add_relu);
                if (!g.layers[li].removable || sums != 1 || !(plain_sum || after_relu))
                    continue;
                net_state d = n;
                {
                    torch::NoGradGuard ng;
                    const model::net_op* last = nullptr;
                    for (const auto& op : net.ops)
                        if (op.layer == l.name && op.kind == model::net_op::conv)
                            last = &op;
                    for (const auto& op : net.ops)
                        if (&op == last ||
                            (op.kind == model::net_op::batch_norm && op.src == last->dst))
                            for (const auto* t : { &op.weight, &op.bias })
                                if (!t->empty())
                                    d.tensors.at(*t).zero_();
                }
                net_state removed =
                    apply_layer_removal(d, remove_layers(d.spec, g, { li }));
                CPPUNIT_ASSERT_MESSAGE(name + " " + l.name,
                                       close(output(d, x), output(removed, x)));
                CPPUNIT_ASSERT(removed.build().info.params < d.build().info.params);
                removed_one = true;
                break;
            }
            CPPUNIT_ASSERT_EQUAL_MESSAGE(name, !g.removable().empty(), removed_one);
        }
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(prune_test, "prune");

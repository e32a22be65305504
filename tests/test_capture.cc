/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The capture block's parts without a flowgraph: label precedence, the energy
 * gate, the SNR estimator and the writer (flush, limits, rotation, class
 * growth, append, NaN frames, a bad path and a file-size limit).
 */
#include "../lib/capture/capture_writer.h"
#include "../lib/capture/energy_gate.h"
#include "../lib/capture/label_state.h"
#include "../lib/capture/snr_estimator.h"
#include "test_util.h"
#include <gnuradio/amrcompress/dataset_reader.h>
#include <gnuradio/amrcompress/dataset_writer.h>
#include <gnuradio/amrcompress/error.h>
#include <cppunit/extensions/HelperMacros.h>
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <random>

using namespace gr::amrcompress;
using namespace gr::amrcompress::capture;

namespace {
// Bytes pwrite() may still write before failing with ENOSPC (-1: no limit).
std::atomic<long long> pwrite_budget{ -1 };
} // namespace

/*
 * A full disk without a small filesystem: HDF5 writes with pwrite(), and this
 * definition in the test program comes before the C library's, so a test can
 * make writes fail as a full disk does.
 */
extern "C" __attribute__((visibility("default"))) ssize_t
pwrite(int fd, const void* buf, size_t n, off_t off)
{
    using fn = ssize_t (*)(int, const void*, size_t, off_t);
    static const fn real = reinterpret_cast<fn>(dlsym(RTLD_NEXT, "pwrite"));
    const long long b = pwrite_budget.load();
    struct stat st;
    const bool on_disk =
        ::fstat(fd, &st) == 0 && st.st_nlink > 0; // not an in-memory file
    if (b >= 0 && on_disk) {
        if (static_cast<long long>(n) > b) {
            pwrite_budget = 0;
            errno = ENOSPC;
            return -1;
        }
        pwrite_budget -= static_cast<long long>(n);
    }
    return real(fd, buf, n, off);
}

namespace {

// Oversampled QPSK (8 samples per symbol, low-pass shaped: ~20 % of the band)
// plus white noise at a per-sample SNR of snr_db over the whole band.
std::vector<gr_complex> qpsk_frame(size_t L, double snr_db, std::mt19937& rng)
{
    const int sps = 8, taps = 65;
    std::vector<float> h(taps);
    double hs = 0;
    for (int i = 0; i < taps; i++) {
        const double t = i - (taps - 1) / 2.0, fc = 0.09;
        const double sinc = t == 0 ? 2 * fc : std::sin(2 * M_PI * fc * t) / (M_PI * t);
        h[i] = float(sinc * (0.54 - 0.46 * std::cos(2 * M_PI * i / (taps - 1))));
        hs += h[i];
    }
    std::uniform_int_distribution<int> bit(0, 1);
    std::vector<gr_complex> up(L + taps, 0);
    for (size_t i = 0; i < up.size(); i += sps)
        up[i] = gr_complex(bit(rng) ? 1.f : -1.f, bit(rng) ? 1.f : -1.f);
    std::vector<gr_complex> s(L);
    for (size_t n = 0; n < L; n++) {
        gr_complex acc = 0;
        for (int k = 0; k < taps; k++)
            acc += up[n + k] * h[k];
        s[n] = acc * float(sps / hs);
    }
    double p = 0;
    for (auto v : s)
        p += std::norm(v);
    p /= L;
    std::normal_distribution<float> g(
        0, float(std::sqrt(p / std::pow(10, snr_db / 10) / 2)));
    for (auto& v : s)
        v += gr_complex(g(rng), g(rng));
    return s;
}

writer_settings settings(const std::string& path, size_t L = 32)
{
    writer_settings s;
    s.path = path;
    s.info.classes = { "a", "b" };
    s.info.frame_length = L;
    s.flush_frames = 4;
    s.flush_seconds = 0.05;
    return s;
}

std::vector<gr_complex> ramp(size_t L, int64_t first)
{
    std::vector<gr_complex> x(L);
    for (size_t i = 0; i < L; i++)
        x[i] = gr_complex(float(first + int64_t(i)), 1.0f);
    return x;
}

frame_meta meta(int label, int64_t id, double snr = 5)
{
    frame_meta m;
    m.label = label;
    m.snr_db = snr;
    m.id = id;
    m.time = 1000.0 + id;
    m.center_freq = 915e6;
    return m;
}

void push_frames(capture_writer& w, size_t n, size_t L, int64_t first_id = 0)
{
    for (size_t i = 0; i < n; i++) {
        const int64_t id = first_id + int64_t(i * L);
        CPPUNIT_ASSERT(w.push(ramp(L, id).data(), meta(int(i % 2), id)));
    }
}

} // namespace

class capture_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(capture_test);
    CPPUNIT_TEST(label_precedence_and_release);
    CPPUNIT_TEST(tag_snr_belongs_to_its_label_and_mixed_frames);
    CPPUNIT_TEST(gate_opens_above_the_noise_floor);
    CPPUNIT_TEST(snr_estimates_track_known_snr);
    CPPUNIT_TEST(writer_writes_every_frame_with_metadata);
    CPPUNIT_TEST(writer_flushes_on_time_without_more_frames);
    CPPUNIT_TEST(limits_rotate_or_end_the_capture);
    CPPUNIT_TEST(classes_grow_and_files_append);
    CPPUNIT_TEST(nan_frames_and_bad_paths);
    CPPUNIT_TEST(full_disk_keeps_flushed_frames);
    CPPUNIT_TEST(capture_file_takes_its_name_after_the_first_flush);
    CPPUNIT_TEST(full_queue_drops_and_counts);
    CPPUNIT_TEST_SUITE_END();

    test::temp_dir tmp;

public:
    void label_precedence_and_release()
    {
        label_state s;
        CPPUNIT_ASSERT(s.label_for(0, 8).source == label_source::none);
        s.set_parameter({ "p", 3.0 });
        auto l = s.label_for(0, 8);
        CPPUNIT_ASSERT(l.source == label_source::parameter && l.label == "p");
        CPPUNIT_ASSERT_DOUBLES_EQUAL(3.0, l.snr_db, 0);
        s.set_message({ "m", NAN });
        l = s.label_for(8, 8);
        CPPUNIT_ASSERT(l.source == label_source::message && l.label == "m");
        CPPUNIT_ASSERT(std::isnan(l.snr_db));
        s.add_label_tag(16, "t");
        l = s.label_for(16, 8);
        CPPUNIT_ASSERT(l.source == label_source::tag && l.label == "t");
        l = s.label_for(100, 8); // a tag stays in force
        CPPUNIT_ASSERT(l.label == "t");
        s.add_label_tag(108, ""); // released: back to the message
        CPPUNIT_ASSERT(s.label_for(108, 8).label == "m");
        s.set_message({ "", NAN }); // released: back to the parameter
        CPPUNIT_ASSERT(s.label_for(116, 8).label == "p");
        s.set_parameter({ "", NAN });
        CPPUNIT_ASSERT(s.label_for(124, 8).source == label_source::none);
    }

    void tag_snr_belongs_to_its_label_and_mixed_frames()
    {
        label_state s;
        s.set_parameter({ "p", 1.0 });
        s.add_label_tag(0, "x");
        s.add_snr_tag(0, 12.0);
        s.add_label_tag(8, "y"); // no SNR tag of its own: estimate
        s.add_label_tag(20, "z");
        s.add_snr_tag(20, -4.0);
        auto l = s.label_for(0, 8);
        CPPUNIT_ASSERT(l.label == "x" && l.snr_db == 12.0 && !l.mixed);
        l = s.label_for(8, 8);
        CPPUNIT_ASSERT(l.label == "y" && std::isnan(l.snr_db) && !l.mixed);
        l = s.label_for(16, 8); // z starts at 20, inside [16, 24)
        CPPUNIT_ASSERT(l.label == "y" && l.mixed);
        l = s.label_for(24, 8);
        CPPUNIT_ASSERT(l.label == "z" && l.snr_db == -4.0 && !l.mixed);
        s.add_label_tag(36, "z"); // the same label again is no change
        CPPUNIT_ASSERT(!s.label_for(32, 8).mixed);
    }

    void gate_opens_above_the_noise_floor()
    {
        energy_gate g(6.0, 50);
        std::mt19937 rng(1);
        std::normal_distribution<float> n(0, float(M_SQRT1_2));
        const size_t L = 128;
        std::vector<gr_complex> x(L);
        auto frame_power = [&](double power) {
            for (auto& v : x)
                v = gr_complex(n(rng), n(rng)) * float(std::sqrt(power));
            return mean_power(x.data(), L);
        };
        int open_noise = 0, open_signal = 0;
        for (int i = 0; i < 200; i++)
            open_noise += g.open(frame_power(1.0));
        for (int i = 0; i < 40; i++) // 10 dB up, shorter than the window
            open_signal += g.open(frame_power(10.0));
        CPPUNIT_ASSERT(open_noise <= 2);
        CPPUNIT_ASSERT_EQUAL(40, open_signal);
        CPPUNIT_ASSERT(g.floor() > 0.7 && g.floor() < 1.0);
        // A noise floor that rises 10 dB for good becomes the floor after the window.
        int open_late = 0;
        for (int i = 0; i < 200; i++) {
            bool o = g.open(frame_power(10.0));
            if (i >= 60)
                open_late += o;
        }
        CPPUNIT_ASSERT(open_late <= 2);
        CPPUNIT_ASSERT(g.floor() > 7.0);
        CPPUNIT_ASSERT_THROW(energy_gate(NAN, 10), input_error);
        CPPUNIT_ASSERT_THROW(energy_gate(3, 0), input_error);
    }

    void snr_estimates_track_known_snr()
    {
        std::mt19937 rng(7);
        for (size_t L : { 128, 1024 }) {
            snr_estimator est(L);
            for (double snr : { 0.0, 10.0, 20.0 }) {
                double sum = 0;
                const int n = 200;
                for (int i = 0; i < n; i++)
                    sum += est.estimate_db(qpsk_frame(L, snr, rng).data());
                const double mean = sum / n;
                CPPUNIT_ASSERT_MESSAGE("L=" + std::to_string(L) + " SNR " +
                                           std::to_string(snr) + " estimated " +
                                           std::to_string(mean),
                                       std::abs(mean - snr) < 1.5);
            }
            // Noise alone reads far below 0 dB; a zero frame at the floor of the range.
            std::normal_distribution<float> g(0, 1);
            std::vector<gr_complex> noise(L);
            for (auto& v : noise)
                v = gr_complex(g(rng), g(rng));
            CPPUNIT_ASSERT(est.estimate_db(noise.data()) < -5);
            std::vector<gr_complex> zero(L, 0);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(-30.0, est.estimate_db(zero.data()), 0);
        }
        CPPUNIT_ASSERT_THROW(snr_estimator(8), input_error);
    }

    void writer_writes_every_frame_with_metadata()
    {
        const size_t L = 32;
        auto s = settings(tmp.file("all.h5"), L);
        s.normalisation = "none";
        {
            capture_writer w(s);
            push_frames(w, 10, L);
            frame_meta est = meta(1, 999);
            est.estimate_snr = true;
            CPPUNIT_ASSERT(w.push(ramp(L, 999).data(), est));
            w.stop();
            CPPUNIT_ASSERT_EQUAL(uint64_t(11), w.counts().written);
            CPPUNIT_ASSERT_EQUAL(uint64_t(11), w.counts().flushed);
            CPPUNIT_ASSERT(w.status() == capture_writer::state::stopped);
        }
        dataset_reader r(s.path);
        CPPUNIT_ASSERT_EQUAL(size_t(11), r.size());
        CPPUNIT_ASSERT(r.has_frame_metadata() && r.has_radio_metadata());
        auto b = r.read(0, 11);
        for (size_t i = 0; i < 10; i++) {
            CPPUNIT_ASSERT_EQUAL(int32_t(i % 2), b.labels[i]);
            CPPUNIT_ASSERT_EQUAL(int64_t(i * L), b.capture_id[i]);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(1000.0 + i * L, b.capture_time[i], 0);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(915e6, b.center_freq[i], 0);
            CPPUNIT_ASSERT_EQUAL(uint8_t(0), b.snr_estimated[i]);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(5.0, b.snr_db[i], 0);
            // The samples are the ramp: frame i starts at sample i * L.
            CPPUNIT_ASSERT_DOUBLES_EQUAL(double(i * L + 7), b.frame(i)[2 * 7], 0);
        }
        CPPUNIT_ASSERT_EQUAL(uint8_t(1), b.snr_estimated[10]);
        CPPUNIT_ASSERT(std::isfinite(b.snr_db[10]));
    }

    void writer_flushes_on_time_without_more_frames()
    {
        auto s = settings(tmp.file("time.h5"));
        s.flush_frames = 1000;
        s.flush_seconds = 0.05;
        capture_writer w(s);
        push_frames(w, 3, 32);
        wait_for([&] { return w.counts().flushed >= 3; });
        CPPUNIT_ASSERT_EQUAL(uint64_t(3), w.counts().flushed);
        w.stop();
    }

    void limits_rotate_or_end_the_capture()
    {
        const size_t L = 32;
        auto s = settings(tmp.file("rot.h5"), L);
        s.max_frames_per_file = 10;
        s.rotate = true;
        {
            capture_writer w(s);
            push_frames(w, 25, L);
            w.stop();
            auto f = w.files();
            CPPUNIT_ASSERT_EQUAL(size_t(3), f.size());
            CPPUNIT_ASSERT(f[0] == tmp.file("rot_0000.h5") &&
                           f[2] == tmp.file("rot_0002.h5"));
            CPPUNIT_ASSERT_EQUAL(size_t(10), dataset_reader(f[1]).size());
            CPPUNIT_ASSERT_EQUAL(size_t(5), dataset_reader(f[2]).size());
            // The second file starts where the first ended.
            CPPUNIT_ASSERT_EQUAL(int64_t(10 * L), dataset_reader(f[1]).capture_id()[0]);
        }
        {
            capture_writer again(s); // numbering goes on after existing files
            CPPUNIT_ASSERT(again.files()[0] == tmp.file("rot_0003.h5"));
            again.stop();
        }
        // Without rotation the capture is full at the limit, by frames or by bytes.
        s.path = tmp.file("full.h5");
        s.rotate = false;
        capture_writer w(s);
        push_frames(w, 10, L);
        wait_for([&] {
            w.push(ramp(L, 0).data(), meta(0, 0));
            return w.status() != capture_writer::state::running;
        });
        CPPUNIT_ASSERT(w.status() == capture_writer::state::full);
        CPPUNIT_ASSERT(!w.push(ramp(L, 0).data(), meta(0, 0)));
        w.stop();
        CPPUNIT_ASSERT_EQUAL(size_t(10), dataset_reader(s.path).size());

        auto sb = settings(tmp.file("bytes.h5"), L);
        sb.max_bytes_per_file = 2000; // 32 * 8 + 2 * 8 + 12 + 16 + 9 = 309 bytes a frame
        sb.flush_frames = 0; // one batch at stop(), so all ten pushes are accepted
        sb.flush_seconds = 60;
        capture_writer wb(sb);
        push_frames(wb, 10, L);
        wb.stop();
        CPPUNIT_ASSERT_EQUAL(size_t(6), dataset_reader(sb.path).size());
    }

    // Polls until cond() holds, for long enough that a loaded CI machine
    // cannot make a correct writer look wrong.
    template <typename Cond>
    static void wait_for(Cond cond, double seconds = 30)
    {
        const auto end =
            std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (!cond() && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

    static void wait_flushed(const capture_writer& w, uint64_t n)
    {
        wait_for([&] { return w.counts().flushed >= n; });
        CPPUNIT_ASSERT(w.counts().flushed >= n);
    }

    void classes_grow_and_files_append()
    {
        const size_t L = 32;
        auto s = settings(tmp.file("grow.h5"), L);
        // The five frames below make one batch, however the threads are scheduled.
        s.flush_frames = 5;
        s.flush_seconds = 60;
        {
            capture_writer w(s);
            // Before the first flush the file holds nothing: a class is added in place.
            CPPUNIT_ASSERT_EQUAL(-1, w.label_of("c", false));
            const int c = w.label_of("c", true);
            CPPUNIT_ASSERT_EQUAL(2, c);
            push_frames(w, 4, L);
            CPPUNIT_ASSERT(w.push(ramp(L, 500).data(), meta(c, 500)));
            wait_flushed(w, 5);
            // Once it holds frames its list is fixed: a new class goes on in the next
            // file.
            const int d = w.label_of("d", true);
            CPPUNIT_ASSERT(w.push(ramp(L, 900).data(), meta(d, 900)));
            w.stop();
            CPPUNIT_ASSERT_EQUAL(size_t(2), w.files().size());
            CPPUNIT_ASSERT(w.files()[1] == tmp.file("grow_0001.h5"));
        }
        {
            dataset_reader r(s.path);
            CPPUNIT_ASSERT(r.info().classes ==
                           std::vector<std::string>({ "a", "b", "c" }));
            CPPUNIT_ASSERT_EQUAL(size_t(5), r.size());
            CPPUNIT_ASSERT_EQUAL(int32_t(2), r.labels()[4]);
            dataset_reader next(tmp.file("grow_0001.h5"));
            CPPUNIT_ASSERT(next.info().classes ==
                           std::vector<std::string>({ "a", "b", "c", "d" }));
            CPPUNIT_ASSERT_EQUAL(size_t(1), next.size());
            CPPUNIT_ASSERT_EQUAL(int32_t(3), next.labels()[0]);
        }
        // Appending keeps the file's classes in its order; frames of a class it
        // lacks go to the next numbered file.
        s.info.classes = { "e", "a" };
        s.flush_frames = 1;
        {
            capture_writer w(s);
            CPPUNIT_ASSERT(w.classes() ==
                           std::vector<std::string>({ "a", "b", "c", "e" }));
            CPPUNIT_ASSERT(w.push(ramp(L, 1000).data(), meta(0, 1000)));
            wait_flushed(w, 1);
            CPPUNIT_ASSERT(w.push(ramp(L, 1100).data(), meta(3, 1100)));
            w.stop();
            CPPUNIT_ASSERT(w.files().back() == tmp.file("grow_0002.h5"));
        }
        CPPUNIT_ASSERT_EQUAL(size_t(6), dataset_reader(s.path).size());
        CPPUNIT_ASSERT_EQUAL(int32_t(3),
                             dataset_reader(tmp.file("grow_0002.h5")).labels()[0]);
        // Another frame length cannot be appended; if_exists=fail refuses the file.
        auto other = settings(s.path, 64);
        CPPUNIT_ASSERT_THROW(capture_writer{ other }, input_error);
        other = settings(s.path, L);
        other.if_exists = "fail";
        CPPUNIT_ASSERT_THROW(capture_writer{ other }, input_error);
        other.if_exists = "sometimes";
        CPPUNIT_ASSERT_THROW(capture_writer{ other }, input_error);
        // A file in another layout (amr gen, amr subset) is not appended to.
        {
            dataset_writer plain(tmp.file("plain.h5"), test::make_info(L, 2));
            plain.append(test::make_frames(3, L, 2, 1));
        }
        try {
            capture_writer w(settings(tmp.file("plain.h5"), L));
            CPPUNIT_FAIL("a file in another layout must be refused");
        } catch (const input_error& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("not written by a capture") !=
                           std::string::npos);
        }
    }

    void capture_file_takes_its_name_after_the_first_flush()
    {
        const size_t L = 32;
        auto s = settings(tmp.file("staged.h5"), L);
        capture_writer w(s);
        // The file's chunks are allocated by its first flush with frames; until
        // then it is PATH.part, so a kill in that flush cannot tear a visible file.
        CPPUNIT_ASSERT(!std::filesystem::exists(s.path));
        CPPUNIT_ASSERT(std::filesystem::exists(s.path + ".part"));
        push_frames(w, 4, L);
        wait_flushed(w, 4);
        CPPUNIT_ASSERT(std::filesystem::exists(s.path));
        CPPUNIT_ASSERT(!std::filesystem::exists(s.path + ".part"));
        w.stop();
        dataset_reader r(s.path);
        CPPUNIT_ASSERT_EQUAL(size_t(4), r.size());
    }

    void nan_frames_and_bad_paths()
    {
        const size_t L = 32;
        auto s = settings(tmp.file("nan.h5"), L);
        s.normalisation = "l1";
        {
            capture_writer w(s);
            auto bad = ramp(L, 0);
            bad[3] = gr_complex(NAN, 0);
            CPPUNIT_ASSERT(w.push(bad.data(), meta(0, 0)));
            CPPUNIT_ASSERT(w.push(ramp(L, 32).data(), meta(1, 32)));
            w.stop();
            CPPUNIT_ASSERT_EQUAL(uint64_t(1), w.counts().nonfinite);
            CPPUNIT_ASSERT_EQUAL(uint64_t(1), w.counts().written);
        }
        dataset_reader r(s.path);
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.size());
        CPPUNIT_ASSERT(r.info().normalisation == "l1");
        auto b = r.read(0, 1);
        double l1 = 0;
        for (size_t i = 0; i < L; i++)
            l1 += std::hypot(b.iq[2 * i], b.iq[2 * i + 1]);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, l1, 1e-5);

        try {
            capture_writer w(settings("/nonexistent-dir/x.h5"));
            CPPUNIT_FAIL("a missing directory must be refused");
        } catch (const input_error& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("No such file or directory") !=
                           std::string::npos);
        }
    }

    void full_disk_keeps_flushed_frames()
    {
        const size_t L = 256;
        auto s = settings(tmp.file("full.h5"), L);
        s.flush_frames = 16;
        uint64_t flushed_before = 0;
        std::string error;
        {
            capture_writer w(s);
            push_frames(w, 64, L);
            wait_flushed(w, 64);
            pwrite_budget = 200 * 1024; // the disk fills up now
            for (int i = 64; i < 2000 && w.status() == capture_writer::state::running;
                 i++) {
                w.push(ramp(L, i * int64_t(L)).data(), meta(i % 2, i * int64_t(L)));
                if (i % 16 == 15)
                    std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
            wait_for([&] { return w.status() != capture_writer::state::running; });
            w.stop();
            pwrite_budget = -1;
            CPPUNIT_ASSERT(w.status() == capture_writer::state::failed);
            const writer_counts c = w.counts();
            flushed_before = c.flushed;
            error = w.error();
            CPPUNIT_ASSERT(c.lost > 0);
            // Every accepted frame is on disk, lost or refused: none counted twice.
            CPPUNIT_ASSERT_EQUAL(c.queued, c.flushed + c.lost + c.rejected + c.nonfinite);
            CPPUNIT_ASSERT_EQUAL(c.flushed, c.written);
        }
        CPPUNIT_ASSERT_MESSAGE(error, error.find("disk full") != std::string::npos);
        dataset_reader r(s.path); // opens, and holds exactly what was flushed
        CPPUNIT_ASSERT(flushed_before > 64);
        CPPUNIT_ASSERT_EQUAL(size_t(flushed_before), r.size());
        auto b = r.read(0, r.size());
        for (size_t i = 0; i < r.size(); i++)
            CPPUNIT_ASSERT_DOUBLES_EQUAL(double(i * L), b.frame(i)[0], 0);
    }

    void full_queue_drops_and_counts()
    {
        const size_t L = 32;
        auto s = settings(tmp.file("drops.h5"), L);
        s.queue_frames = 4;
        s.flush_frames = 0; // the writer thread waits for the interval
        s.flush_seconds = 10;
        capture_writer w(s);
        int accepted = 0;
        for (int i = 0; i < 10; i++)
            accepted += w.push(ramp(L, i * 32).data(), meta(0, i * 32));
        CPPUNIT_ASSERT_EQUAL(4, accepted);
        CPPUNIT_ASSERT_EQUAL(uint64_t(6), w.counts().dropped);
        CPPUNIT_ASSERT_EQUAL(size_t(4), w.counts().queue_high);
        w.stop(); // the queued frames are written at stop
        CPPUNIT_ASSERT_EQUAL(uint64_t(4), w.counts().written);
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(capture_test, "capture");

/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The job graph the benchmarks run (apps/amr/job_pool): a job starts only
 * after its dependencies succeeded, its argv can be completed from their
 * output at that moment, and a failure skips everything downstream of it
 * without stopping what does not depend on it.
 */
#include "amr/job_pool.h"
#include <cppunit/extensions/HelperMacros.h>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;
using amr::job;
using amr::job_skipped;
using amr::run_jobs;

namespace {

class scratch
{
public:
    scratch()
        : dir(fs::temp_directory_path() / ("amr_job_pool_" + std::to_string(::getpid())))
    {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~scratch() { fs::remove_all(dir); }
    std::string path(const std::string& name) const { return (dir / name).string(); }

    //! A job running `script` in sh, appending to the file "order".
    job shell(const std::string& script, std::vector<size_t> after = {}) const
    {
        job j{ "/bin/sh", { "sh", "-c", script }, path("log") };
        j.after = std::move(after);
        return j;
    }
    std::string read(const std::string& name) const
    {
        std::ifstream f(path(name));
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }

private:
    fs::path dir;
};

} // namespace

class job_pool_test : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(job_pool_test);
    CPPUNIT_TEST(test_dependency_runs_after_its_prerequisite);
    CPPUNIT_TEST(test_ready_jobs_start_in_list_order);
    CPPUNIT_TEST(test_failure_skips_only_its_dependents);
    CPPUNIT_TEST(test_prepare_reads_a_prerequisite_output);
    CPPUNIT_TEST(test_prepare_can_decline);
    CPPUNIT_TEST(test_forward_dependency_is_refused);
    CPPUNIT_TEST(test_started_is_reported_before_done_and_never_for_a_skip);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_dependency_runs_after_its_prerequisite()
    {
        // Two slots: b waits for the slow a although a slot is free; c,
        // independent, takes that slot meanwhile.
        scratch s;
        const std::string f = s.path("order");
        std::vector<job> jobs = { s.shell("sleep 0.3; echo a >> " + f),
                                  s.shell("echo b >> " + f, { 0 }),
                                  s.shell("echo c >> " + f) };
        CPPUNIT_ASSERT_EQUAL(size_t(0), run_jobs(jobs, 2, nullptr));
        CPPUNIT_ASSERT_EQUAL(std::string("c\na\nb\n"), s.read("order"));
    }

    void test_ready_jobs_start_in_list_order()
    {
        // One slot: after a, the earliest ready job (b) goes before c, and
        // d, which needs c, comes last although it is listed before e.
        scratch s;
        const std::string f = s.path("order");
        std::vector<job> jobs = { s.shell("echo a >> " + f),
                                  s.shell("echo b >> " + f, { 0 }),
                                  s.shell("echo c >> " + f),
                                  s.shell("echo d >> " + f, { 2 }),
                                  s.shell("echo e >> " + f) };
        std::vector<size_t> done;
        CPPUNIT_ASSERT_EQUAL(size_t(0), run_jobs(jobs, 1, [&](size_t i, int code) {
                                 CPPUNIT_ASSERT_EQUAL(0, code);
                                 done.push_back(i);
                             }));
        CPPUNIT_ASSERT_EQUAL(std::string("a\nb\nc\nd\ne\n"), s.read("order"));
        CPPUNIT_ASSERT_EQUAL(size_t(5), done.size());
    }

    void test_failure_skips_only_its_dependents()
    {
        scratch s;
        const std::string f = s.path("order");
        std::vector<job> jobs = { s.shell("exit 3"),
                                  s.shell("echo b >> " + f, { 0 }),
                                  s.shell("echo c >> " + f, { 1 }),
                                  s.shell("echo d >> " + f),
                                  s.shell("kill -9 $$") };
        std::map<size_t, int> status;
        const size_t failed =
            run_jobs(jobs, 2, [&](size_t i, int code) { status[i] = code; });
        CPPUNIT_ASSERT_EQUAL(size_t(4), failed);
        CPPUNIT_ASSERT_EQUAL(size_t(5), status.size()); // every job reported once
        CPPUNIT_ASSERT_EQUAL(3, status[0]);
        CPPUNIT_ASSERT_EQUAL(job_skipped, status[1]);
        CPPUNIT_ASSERT_EQUAL(job_skipped, status[2]);
        CPPUNIT_ASSERT_EQUAL(0, status[3]);
        CPPUNIT_ASSERT_EQUAL(128 + 9, status[4]);
        CPPUNIT_ASSERT_EQUAL(std::string("d\n"), s.read("order"));
    }

    void test_prepare_reads_a_prerequisite_output()
    {
        // The benchmark's baselines take FCOS's reduction from its report,
        // which exists only once FCOS has finished.
        scratch s;
        const std::string x = s.path("x"), y = s.path("y");
        std::vector<job> jobs = { s.shell("sleep 0.2; echo 0.625 > " + x),
                                  s.shell("echo \"$0\" > " + y, { 0 }) };
        jobs[1].prepare = [&](std::vector<std::string>& argv) {
            std::ifstream in(x);
            std::string v;
            in >> v;
            argv.push_back(v); // $0 of the script
            return !v.empty();
        };
        CPPUNIT_ASSERT_EQUAL(size_t(0), run_jobs(jobs, 2, nullptr));
        CPPUNIT_ASSERT_EQUAL(std::string("0.625\n"), s.read("y"));
    }

    void test_prepare_can_decline()
    {
        scratch s;
        const std::string f = s.path("order");
        std::vector<job> jobs = { s.shell("echo a >> " + f),
                                  s.shell("echo b >> " + f),
                                  s.shell("echo c >> " + f, { 1 }) };
        jobs[1].prepare = [](std::vector<std::string>&) { return false; };
        std::map<size_t, int> status;
        CPPUNIT_ASSERT_EQUAL(
            size_t(2), run_jobs(jobs, 2, [&](size_t i, int code) { status[i] = code; }));
        CPPUNIT_ASSERT_EQUAL(0, status[0]);
        CPPUNIT_ASSERT_EQUAL(job_skipped, status[1]);
        CPPUNIT_ASSERT_EQUAL(job_skipped, status[2]);
        CPPUNIT_ASSERT_EQUAL(std::string("a\n"), s.read("order"));
    }

    void test_started_is_reported_before_done_and_never_for_a_skip()
    {
        // What a long benchmark prints between completions: each job that
        // runs is announced once, before its result; a skipped one never.
        scratch s;
        std::vector<job> jobs = { s.shell("true"),
                                  s.shell("false"),
                                  s.shell("true", { 1 }) };
        std::vector<std::string> events;
        run_jobs(
            jobs,
            1,
            [&](size_t i, int code) {
                events.push_back("done " + std::to_string(i) + " " +
                                 std::to_string(code));
            },
            [&](size_t i) { events.push_back("start " + std::to_string(i)); });
        const std::vector<std::string> expected = {
            "start 0", "done 0 0", "start 1", "done 1 1", "done 2 -1"
        };
        CPPUNIT_ASSERT(events == expected);
    }

    void test_forward_dependency_is_refused()
    {
        scratch s;
        std::vector<job> jobs = { s.shell("true", { 1 }), s.shell("true") };
        CPPUNIT_ASSERT_THROW(run_jobs(jobs, 2, nullptr), std::logic_error);
        std::vector<job> self = { s.shell("true", { 0 }) };
        CPPUNIT_ASSERT_THROW(run_jobs(self, 1, nullptr), std::logic_error);
    }
};

CPPUNIT_TEST_SUITE_NAMED_REGISTRATION(job_pool_test, "job_pool");

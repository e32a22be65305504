/*
 * Copyright 2026 gr-amrcompress authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CppUnit runner: `amrcompress_unit_tests [suite]` runs one registered suite
 * (or all), printing CppUnit's summary; exit code 0 only if all passed.
 */
#include <cppunit/CompilerOutputter.h>
#include <cppunit/TestResult.h>
#include <cppunit/TestResultCollector.h>
#include <cppunit/TestRunner.h>
#include <cppunit/TextTestProgressListener.h>
#include <cppunit/extensions/TestFactoryRegistry.h>
#include <iostream>

int main(int argc, char** argv)
{
    std::string suite = argc > 1 ? argv[1] : "All Tests";
    CppUnit::TestFactoryRegistry& reg = CppUnit::TestFactoryRegistry::getRegistry(suite);
    CppUnit::TestRunner runner;
    runner.addTest(reg.makeTest());
    CppUnit::TestResult controller;
    CppUnit::TestResultCollector result;
    controller.addListener(&result);
    CppUnit::TextTestProgressListener progress;
    controller.addListener(&progress);
    runner.run(controller);
    CppUnit::CompilerOutputter out(&result, std::cerr);
    out.write();
    if (result.runTests() == 0) {
        std::cerr << "no tests in suite '" << suite << "'\n";
        return 1;
    }
    return result.wasSuccessful() ? 0 : 1;
}

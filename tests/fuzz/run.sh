#!/usr/bin/env bash
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds the libFuzzer targets of tests/fuzz with clang and runs each for a
# while on a fresh copy of its seed corpus. Exits non-zero if any target
# found a crash, a sanitizer error, a leak, a timeout or an out-of-memory.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [BUILD_DIR]
#
#   SECONDS_PER_TARGET  default 30
#   BUILD_DIR           default <repo>/build/fuzz (its own CMake tree; the
#                       main build is not touched)
#
# Environment:
#   FUZZ_TARGETS="fuzz_pickle fuzz_sigmf"  run only these (default: all
#                       judged targets, see <build>/targets.txt)
#   FUZZ_EXTRA=1        also run the measurement-only targets
#                       (fuzz_dataset_reader_unguarded); reported, not judged
#   FUZZ_KEEP_CORPUS=1  start from the corpus the last run grew instead of
#                       the seeds
#   FUZZ_ARGS="..."     more libFuzzer flags (e.g. -jobs=2 -workers=2, -max_len=N)
#   FUZZ_BUILD_JOBS=N   parallel compile jobs (default 2)
#
# Per target, <build>/runs/<target>/ holds corpus/ (the grown corpus) and
# fuzz.log; artefacts (crash-*, leak-*, timeout-*, oom-*, slow-unit-*) go to
# <build>/artifacts/<target>/ and are never deleted by this script.
set -u
secs=${1:-30}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
src="$repo/tests/fuzz"
build=${2:-$repo/build/fuzz}
jobs=${FUZZ_BUILD_JOBS:-2}

case "$secs" in
    '' | *[!0-9]*) echo "run.sh: SECONDS_PER_TARGET must be a whole number" >&2; exit 2 ;;
esac

mkdir -p "$build"
build=$(cd "$build" && pwd)
echo "== configure + build ($build)"
if ! CC=clang CXX=clang++ cmake -S "$src" -B "$build" >"$build/configure.log" 2>&1; then
    cat "$build/configure.log" >&2
    echo "run.sh: configure failed" >&2
    exit 2
fi
grep -E 'hdf5_guard' "$build/configure.log" | sed 's/^-- /   /'
if ! cmake --build "$build" -j"$jobs" >"$build/build.log" 2>&1; then
    grep -E 'error|undefined reference' "$build/build.log" | head -30 >&2
    echo "run.sh: build failed (full log: $build/build.log)" >&2
    exit 2
fi

judged=${FUZZ_TARGETS:-$(cat "$build/targets.txt")}
extra=""
if [ "${FUZZ_EXTRA:-0}" = 1 ]; then
    extra=$(cat "$build/extra_targets.txt")
fi

dict_of() {
    case "$1" in
        fuzz_pickle) echo pickle ;;
        fuzz_sigmf) echo sigmf ;;
        fuzz_dataset_reader*) echo hdf5 ;;
        fuzz_model_meta) echo model_meta ;;
        fuzz_torchscript) echo torchscript ;;
    esac
}
seeds_of() {
    case "$1" in
        fuzz_dataset_reader*) echo "$src/corpus/fuzz_dataset_reader" ;;
        *) echo "$src/corpus/$1" ;;
    esac
}

# Stack traces for UBSan findings. allocator_may_return_null=1: a request
# too big for ASan's allocator fails as in production (malloc returns NULL,
# new throws std::bad_alloc) instead of aborting; libhdf5 asks for absurd
# sizes on corrupt metadata and checks the NULL. A single malloc of 2 GiB
# (-rss_limit_mb, which is also libFuzzer's -malloc_limit_mb) or more that
# succeeds is still reported as out-of-memory.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1}

# Flags for one target on top of the common ones.
args_of() {
    case "$1" in
        # Measurement of libhdf5's own robustness: libhdf5 leaks on its error
        # paths, which would stop the run before it finds a crash.
        fuzz_dataset_reader_unguarded) echo "-detect_leaks=0" ;;
    esac
}

# The targets' scratch files (on tmpfs when there is one), removed at the
# end: a target that crashes cannot remove its own.
scratch=$(mktemp -d /dev/shm/amr-fuzz-run.XXXXXX 2>/dev/null || mktemp -d)
export AMR_FUZZ_TMPDIR="$scratch"
trap 'rm -rf "$scratch"' EXIT

failures=0
summary="$build/summary.txt"
: >"$summary"

run_target() { # target judged(0/1)
    local t=$1 judge=$2
    local exe="$build/$t"
    local dir="$build/runs/$t" art="$build/artifacts/$t"
    local log="$dir/fuzz.log" dict seeds
    dict="$src/dict/$(dict_of "$t").dict"
    seeds=$(seeds_of "$t")
    if [ ! -x "$exe" ]; then
        printf '%-32s NOT BUILT\n' "$t" | tee -a "$summary"
        [ "$judge" = 1 ] && failures=$((failures + 1))
        return
    fi
    mkdir -p "$dir" "$art"
    if [ "${FUZZ_KEEP_CORPUS:-0}" != 1 ] || [ ! -d "$dir/corpus" ]; then
        rm -rf "$dir/corpus"
        mkdir -p "$dir/corpus"
        cp "$seeds"/* "$dir/corpus/" 2>/dev/null
    fi
    local dict_arg=()
    [ -f "$dict" ] && dict_arg=(-dict="$dict")
    local marker="$dir/.started"
    touch "$marker"
    local t0 t1 rc
    t0=$(date +%s)
    echo "== $t: ${secs} s"
    # timeout(1) runs in a process group of its own (its pid), with the
    # fuzzer and whatever it forks: what is left in it afterwards (a guard
    # child orphaned when the fuzzer stopped) is killed, and reported.
    # shellcheck disable=SC2086
    timeout -k 10 $((secs * 2 + 120)) "$exe" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$art/" "${dict_arg[@]}" \
        $(args_of "$t") ${FUZZ_ARGS:-} "$dir/corpus" >"$log" 2>&1 &
    local tpid=$!
    wait "$tpid"
    rc=$?
    t1=$(date +%s)
    # (Not counted: zombies, and the llvm-symbolizer that ASan/libFuzzer
    # start, which exits when its pipe closes.)
    local leftover="" p
    for p in $(pgrep -g "$tpid" 2>/dev/null); do
        if ps -o stat=,comm= -p "$p" 2>/dev/null | grep -q -v -E '^Z|llvm-symbolizer'; then
            leftover="$leftover $p"
        fi
    done
    kill -KILL -- "-$tpid" 2>/dev/null
    [ -n "$leftover" ] && leftover="; left processes behind (killed:$leftover)"

    local execs rate secs_done
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    secs_done=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 | awk '{print $5}')
    [ -n "$secs_done" ] || secs_done=$((t1 - t0))
    [ "$secs_done" -gt 0 ] 2>/dev/null || secs_done=1
    execs=${execs:-0}
    rate=$((execs / secs_done))
    local new_art
    new_art=$(find "$art" -maxdepth 1 -type f -newer "$marker" 2>/dev/null | sort)

    local result
    if [ "$rc" = 0 ]; then
        result="ok"
        # The reader's guard forks a child to open the file; a child that
        # dies under libFuzzer's/ASan's handlers prints a report and may
        # leave an artefact while the parent goes on (the guard turns the
        # child's death into input_error). Counted, not a failure.
        local child
        child=$(grep -c -E '^==[0-9]+==ERROR: |deadly signal' "$log")
        if [ "$child" -gt 0 ] || [ -n "$new_art" ]; then
            result="ok (fuzzer did not stop; $child sanitizer report(s) and $(echo "$new_art" | grep -c .) artefact(s) from guard child processes)"
        fi
    else
        if grep -q 'ERROR: libFuzzer: timeout' "$log"; then
            result="TIMEOUT"
        elif grep -q 'ERROR: libFuzzer: out-of-memory' "$log"; then
            result="OUT-OF-MEMORY"
        elif grep -q 'ERROR: LeakSanitizer' "$log"; then
            result="LEAK"
        elif grep -q '==amr_fuzz==' "$log"; then
            result="CRASH (harness check: $(grep -m1 '==amr_fuzz==' "$log" | cut -c1-160))"
        elif grep -q 'runtime error:' "$log"; then
            result="UBSAN ($(grep -m1 'runtime error:' "$log" | sed 's/^.*runtime error: //' | cut -c1-120))"
        elif grep -q 'ERROR: AddressSanitizer' "$log"; then
            result="ASAN ($(grep -m1 'ERROR: AddressSanitizer' "$log" | sed 's/^.*AddressSanitizer: //' | cut -c1-100))"
        elif grep -q 'deadly signal' "$log"; then
            result="CRASH (deadly signal)"
        elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
            result="HUNG (killed by the script's wall-clock timeout)"
        else
            result="FAILED (exit $rc)"
        fi
        # The first frame in the project's own code, if the report has one.
        # (In lib/ if any, else in the harness; the name without its arguments.)
        local frame frames
        frames=$(grep -E '^ *#[0-9]+ 0x[0-9a-f]+ in .*(/lib/|/tests/fuzz/)' "$log" |
            grep -v -E 'fuzz_common.h|LLVMFuzzerTestOneInput' |
            sed -E 's/^ *#[0-9]+ 0x[0-9a-f]+ in //' |
            sed -E 's/^(([a-zA-Z0-9_:~]|\(anonymous namespace\))+)(\[abi:cxx11\])?\(.* (\/[^ ]+)$/\1() \4/')
        frame=$(echo "$frames" | grep -m1 "$repo/lib/")
        [ -n "$frame" ] || frame=$(echo "$frames" | head -1)
        frame=$(echo "$frame" | sed "s|$repo/||" | cut -c1-200)
        [ -n "$frame" ] && result="$result; at $frame"
        [ "$judge" = 1 ] && failures=$((failures + 1))
    fi
    local tag=""
    [ "$judge" = 1 ] || tag=" [not judged]"
    printf '%-32s %9s execs %7s/s  %s%s%s\n' "$t" "$execs" "$rate" "$result" "$leftover" "$tag" |
        tee -a "$summary"
    if [ -n "$new_art" ]; then
        echo "$new_art" | sed 's/^/    artefact: /' | tee -a "$summary"
    fi
    echo "    log: $log" | tee -a "$summary"
}

for t in $judged; do
    run_target "$t" 1
done
for t in $extra; do
    run_target "$t" 0
done

echo "== summary ($summary)"
cat "$summary"
if [ "$failures" -gt 0 ]; then
    echo "run.sh: $failures target(s) found problems"
    exit 1
fi
echo "run.sh: no target found a problem"
exit 0

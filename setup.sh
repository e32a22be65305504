#!/usr/bin/env bash
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# One entry point for a Debian bookworm machine:
#   ./setup.sh main   install dependencies, build, install, run the main job
#   ./setup.sh test   install dependencies, build, run the whole test suite
# Both are idempotent: installed packages and an existing build are reused.
set -euo pipefail

mode=${1:-}
case "$mode" in
    main|test) ;;
    *) echo "usage: $0 main|test" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
build=${AMR_BUILD_DIR:-$here/build}
prefix=${AMR_PREFIX:-/usr/local}
jobs=$(nproc)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- 1. Dependencies (Debian packages only) ------------------------------
packages=(
    cmake g++ pkg-config ccache
    gnuradio-dev libvolk2-dev libspdlog-dev libfmt-dev libgmp-dev
    libboost-program-options-dev libboost-dev libcppunit-dev
    libhdf5-dev nlohmann-json3-dev pybind11-dev
    libtorch-dev libgloo-dev libopenblas0-pthread libdnnl-dev libzip-dev
    python3-numpy python3-h5py python3-torch python3-matplotlib python3-scipy
    gr-osmosdr
    clang-format pycodestyle clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${#missing[@]} Debian packages: ${missing[*]}"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "== dependencies already installed"
fi

# --- 2. Build --------------------------------------------------------------
# GNU Radio's Python is /usr/bin/python3; another python3 may come first on PATH.
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DPYTHON_EXECUTABLE=/usr/bin/python3 >/dev/null
fi
echo "== building in $build ($jobs jobs)"
cmake --build "$build" -j "$jobs" >/dev/null

# --- 3. Run ----------------------------------------------------------------
if [ "$mode" = test ]; then
    echo "== running the test suite"
    cd "$build"
    exec ctest --output-on-failure -j "$jobs"
fi

echo "== installing to $prefix"
sudo_if_needed cmake --install "$build" >/dev/null
sudo_if_needed ldconfig
out=${AMR_OUT:-$here/amr-out}
# Scale it up without code changes, e.g. the full-size set and the recipe's epochs:
#   AMR_FRAMES=1000 AMR_EPOCHS=30 ./setup.sh main
frames=${AMR_FRAMES:-100}        # frames per (class, SNR): 100 -> 22,000 frames
epochs=${AMR_EPOCHS:-10}         # training epochs (full data and coreset)
rate=${AMR_RATE:-0.2}            # coreset size (fraction of the training split)
nproc=${AMR_NPROC:-1}            # ranks for the full-data training (docs/distributed.md)
pct=$(awk "BEGIN { printf \"%d\", $rate * 100 }")
mkdir -p "$out"
start=$(date +%s)
stage() { echo "== main job $1/10 ($(( $(date +%s) - start )) s): $2"; }
stage 1 "a synthetic RML2016.10a-style dataset (11 classes x 20 SNRs x $frames frames)"
amr gen -o "$out/dataset.h5" -n "$frames" --force --json "$out/dataset.json"
stage 2 "checking it (counts, NaN scan, regenerated labels and measured SNR)"
amr info "$out/dataset.h5" --json "$out/info.json"
stage 3 "training CNN1D on it for $epochs epochs, recording per-sample dynamics"
amr train "$out/dataset.h5" -o "$out/cnn1d" -m cnn1d -e "$epochs" --nproc "$nproc"
stage 4 "evaluating it on the test split (JSON, CSV, plots)"
amr eval "$out/cnn1d/model.pt" "$out/dataset.h5" -o "$out/cnn1d/eval"
stage 5 "a $pct % FoQuS coreset from the recorded dynamics (class-balanced)"
amr select "$out/dataset.h5" --run "$out/cnn1d" --method foqus --rate "$rate" \
    -o "$out/coreset_foqus20.idx" --json "$out/coreset_foqus20.json"
stage 6 "training CNN1D on the coreset only, $epochs epochs"
amr train "$out/dataset.h5" -o "$out/cnn1d_coreset" -m cnn1d -e "$epochs" --index "$out/coreset_foqus20.idx"
stage 7 "the claim's control: a $pct % Uniform coreset, trained the same way"
amr select "$out/dataset.h5" --run "$out/cnn1d" --method uniform --rate "$rate" \
    -o "$out/coreset_uniform20.idx" --json "$out/coreset_uniform20.json"
amr train "$out/dataset.h5" -o "$out/cnn1d_uniform" -m cnn1d -e "$epochs" --index "$out/coreset_uniform20.idx"
stage 8 "FCOS pruning of the full-data CNN1D (half the channels, LaCD, short fine-tuning)"
amr prune "$out/dataset.h5" -m "$out/cnn1d/model.pt" -o "$out/cnn1d_fcos" --channel-keep 0.5 \
    --diagnosis-epochs 3 -e 5
stage 9 "the test split as an index file, for the replay"
amr subset "$out/dataset.h5" --split test --write-index "$out/test.idx"
stage 10 "replaying the test split through the classifier block (4 models) and writing the report"
amr-report "$out"
echo "== done in $(( $(date +%s) - start )) s. Report: $out/report/index.html (index.md, report.json, pictures)"
echo "   other results in $out: dataset.h5, info.json, cnn1d/{model.pt,metrics.json,dynamics.h5,eval/},"
echo "   coreset_{foqus,uniform}20.{idx,json}, cnn1d_coreset/, cnn1d_uniform/,"
echo "   cnn1d_fcos/{model.pt,report.md,report.json}"

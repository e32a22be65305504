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
    libtorch-dev libgloo-dev libopenblas0-pthread
    python3-numpy python3-h5py python3-torch python3-matplotlib
    gr-osmosdr
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
mkdir -p "$out"
echo "== main job 1/7: a synthetic RML2016.10a-style dataset (11 classes x 20 SNRs x 100 frames)"
amr gen -o "$out/dataset.h5" -n 100 --force --json "$out/dataset.json"
echo "== main job 2/7: checking it (counts, NaN scan, regenerated labels and measured SNR)"
amr info "$out/dataset.h5" --json "$out/info.json"
echo "== main job 3/7: training CNN1D on it for 10 epochs, recording per-sample dynamics"
amr train "$out/dataset.h5" -o "$out/cnn1d" -m cnn1d -e 10
echo "== main job 4/7: evaluating it on the test split (JSON, CSV, plots)"
amr eval "$out/cnn1d/model.pt" "$out/dataset.h5" -o "$out/cnn1d/eval"
echo "== main job 5/7: a 20 % FoQuS coreset from the recorded dynamics (class-balanced)"
amr select "$out/dataset.h5" --run "$out/cnn1d" --method foqus --rate 0.2 \
    -o "$out/coreset_foqus20.idx" --json "$out/coreset_foqus20.json"
echo "== main job 6/7: training CNN1D on the coreset only, 10 epochs"
amr train "$out/dataset.h5" -o "$out/cnn1d_coreset" -m cnn1d -e 10 --index "$out/coreset_foqus20.idx"
echo "== main job 7/7: FCOS pruning of the full-data CNN1D (half the channels, LaCD, short fine-tuning)"
amr prune "$out/dataset.h5" -m "$out/cnn1d/model.pt" -o "$out/cnn1d_fcos" --channel-keep 0.5 \
    --diagnosis-epochs 3 -e 5
/usr/bin/python3 -c "from gnuradio import amrcompress; ds = amrcompress.dataset_reader('$out/dataset.h5'); print('python: from gnuradio import amrcompress ->', len(ds), 'frames')"
echo "== results in $out: dataset.h5, info.json, cnn1d/{model.pt,metrics.json,dynamics.h5}, cnn1d/eval/{eval.json,*.csv,*.png}, coreset_foqus20.{idx,json}, cnn1d_coreset/, cnn1d_fcos/{model.pt,report.md,report.json}"

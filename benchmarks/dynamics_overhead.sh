#!/usr/bin/env bash
# Overhead of the training-dynamics record: `amr train` with and without it,
# alternating, several rounds, same data and seed; compares the best
# training-pass seconds per epoch (metrics.json, excluding evaluation).
# Usage: benchmarks/dynamics_overhead.sh DATASET [amr] [model] [rounds]
set -euo pipefail
data=$1
amr=${2:-amr}
model=${3:-cnn1d}
rounds=${4:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
best() { /usr/bin/python3 -c "import json,sys; print(min(min(e['seconds'] for e in json.load(open(f))['epochs'][1:]) for f in sys.argv[1:]))" "$@"; }
for r in $(seq "$rounds"); do
    "$amr" train "$data" -o "$out/off$r" -m "$model" -e 3 --snr-min 10 --no-dynamics >/dev/null 2>&1
    "$amr" train "$data" -o "$out/on$r" -m "$model" -e 3 --snr-min 10 >/dev/null 2>&1
done
off=$(best "$out"/off*/metrics.json)
on=$(best "$out"/on*/metrics.json)
/usr/bin/python3 -c "print('model=$model epoch seconds without record=%.2f with record=%.2f overhead=%+.1f%%' % ($off, $on, 100*($on/$off-1)))"

#!/usr/bin/env bash
# Generator speed: the full RML2016.10a-size set (220,000 frames) at 1 and 2
# threads, one after the other in one run, so the ratio is comparable.
# Usage: benchmarks/gen_speed.sh [path/to/amr] [frames-per-cell]
set -euo pipefail
amr=${1:-amr}
n=${2:-1000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for j in 1 2; do
    /usr/bin/time -f "%e s wall, %M KiB max RSS" "$amr" gen -o "$out/g$j.h5" -n "$n" -j "$j" \
        --json "$out/g$j.json" 2>"$out/time$j" >/dev/null
    fps=$(/usr/bin/python3 -c "import json; print(round(json.load(open('$out/g$j.json'))['frames_per_second']))")
    echo "threads=$j frames/s=$fps $(tail -1 "$out/time$j")"
done
cmp -s <(/usr/bin/python3 -c "import h5py,sys; sys.stdout.buffer.write(h5py.File('$out/g1.h5')['X'][:].tobytes())") \
       <(/usr/bin/python3 -c "import h5py,sys; sys.stdout.buffer.write(h5py.File('$out/g2.h5')['X'][:].tobytes())") \
    && echo "outputs identical across thread counts" || echo "OUTPUTS DIFFER"

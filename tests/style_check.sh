#!/usr/bin/env bash
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The declared style, checked (a ctest, so the README's test command and CI
# run it): C/C++ against .clang-format, Python against setup.cfg's
# pycodestyle section. Fix with `clang-format -i FILE` and by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in clang-format pycodestyle; do
    command -v "$tool" >/dev/null || { echo "style: $tool is not installed (./setup.sh test installs it)" >&2; exit 1; }
done

# Tracked files when this is a git checkout, else everything under the
# source directories (a tarball).
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t cxx < <(git ls-files '*.cc' '*.h' '*.c' ':!:tests/fuzz/corpus/*')
    mapfile -t py < <(git ls-files '*.py'; echo apps/amr-plot; echo apps/amr-report)
else
    mapfile -t cxx < <(find include lib apps tests python -name '*.cc' -o -name '*.h' -o -name '*.c')
    mapfile -t py < <(find python apps benchmarks examples tests -name '*.py'; echo apps/amr-plot; echo apps/amr-report)
fi

status=0
bad=()
for f in "${cxx[@]}"; do
    [ -f "$f" ] || continue
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        bad+=("$f")
    fi
done
if [ ${#bad[@]} -gt 0 ]; then
    echo "style: ${#bad[@]} C/C++ file(s) differ from .clang-format (clang-format -i to fix):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    status=1
fi
existing=()
for f in "${py[@]}"; do [ -f "$f" ] && existing+=("$f"); done
if ! pycodestyle "${existing[@]}"; then
    echo "style: pycodestyle found the problems above (setup.cfg)" >&2
    status=1
fi
[ $status -eq 0 ] && echo "style: ${#cxx[@]} C/C++ and ${#existing[@]} Python files follow the declared style"
exit $status

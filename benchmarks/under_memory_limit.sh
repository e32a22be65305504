#!/usr/bin/env bash
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs a command inside a memory cgroup with a hard limit and reports its
# peak memory, so that "trains in bounded memory" is checked by the kernel,
# not by a reading of RSS alone:
#
#   benchmarks/under_memory_limit.sh LIMIT_MIB SECONDS -- COMMAND [ARG ...]
#
# LIMIT_MIB 0 means no limit (a 1 TiB one: the group still counts). After
# SECONDS (0: none) the command is stopped with SIGINT, for runs whose
# steady state is reached long before they end. Every 5 s a line
# "seconds rss_mib hwm_mib group_mib" goes to stderr (the group's figure
# includes page cache, which the kernel reclaims before it kills). The last
# line says the exit code, the peak VmHWM of the group's processes, the
# group's maximum and whether the OOM killer ran. Needs root and a cgroup v1
# memory controller (/sys/fs/cgroup/memory) or cgroup v2.
set -euo pipefail

[ $# -ge 4 ] && [ "$3" = "--" ] || {
    echo "usage: $0 LIMIT_MIB SECONDS -- COMMAND [ARG ...]" >&2
    exit 2
}
limit_mib=$1
seconds=$2
shift 3
[ "$limit_mib" -gt 0 ] || limit_mib=$((1024 * 1024))
limit=$((limit_mib * 1024 * 1024))

if [ -d /sys/fs/cgroup/memory ]; then
    group=/sys/fs/cgroup/memory/amr_limit_$$
    mkdir "$group"
    echo "$limit" >"$group/memory.limit_in_bytes"
    usage() { cat "$group/memory.usage_in_bytes"; }
    peak() { cat "$group/memory.max_usage_in_bytes"; }
    ooms() { awk '/oom_kill /{print $2}' "$group/memory.oom_control"; }
else
    group=/sys/fs/cgroup/amr_limit_$$
    mkdir "$group"
    echo "$limit" >"$group/memory.max"
    usage() { cat "$group/memory.current"; }
    peak() { cat "$group/memory.peak" 2>/dev/null || echo 0; }
    ooms() { awk '/oom_kill /{print $2}' "$group/memory.events"; }
fi
trap 'rmdir "$group" 2>/dev/null || true' EXIT

sh -c 'echo $$ >"$0/cgroup.procs"; exec "$@"' "$group" "$@" &
pid=$!
start=$(date +%s)
hwm=0
while kill -0 "$pid" 2>/dev/null; do
    t=$(($(date +%s) - start))
    rss=0
    for p in $(cat "$group/cgroup.procs"); do
        r=$(awk '/^VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null || true)
        h=$(awk '/^VmHWM/{print $2}' "/proc/$p/status" 2>/dev/null || true)
        rss=$((rss + ${r:-0}))
        [ "${h:-0}" -gt "$hwm" ] && hwm=${h:-0}
    done
    echo "$t $((rss / 1024)) $((hwm / 1024)) $(($(usage) / 1048576))" >&2
    if [ "$seconds" -gt 0 ] && [ "$t" -ge "$seconds" ]; then
        kill -INT "$pid" 2>/dev/null || true
        sleep 3
        kill "$pid" 2>/dev/null || true
    fi
    sleep 5
done
rc=0
wait "$pid" || rc=$?
echo "exit $rc; peak VmHWM $((hwm / 1024)) MiB; group max $(($(peak) / 1048576)) MiB" \
    "(limit $limit_mib MiB); OOM kills $(ooms)"

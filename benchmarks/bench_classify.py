#!/usr/bin/python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Real-time classification throughput and latency, side by side:

  cpp     amrcompress.classifier (batched LibTorch on its own thread)
  python  a gr.sync_block on /usr/bin/python3 running the same TorchScript
          file with python3-torch, frames delivered as vectors (the usual way
          Python ML blocks are written), same normalisation, same batch size,
          same per-frame PMT message

Both classify a replayed dataset (dataset_source, repeating, unthrottled) for
--seconds per configuration; frames/s = frames classified / wall time; latency
= from the frame entering the classifier (its framing) to its result, p50 and
p99. The classifier runs with backpressure and a queue of one batch, so the
figures are its capacity without drops. Also: this CPU's sgemm GFLOP/s (torch
1024^3, one thread) and each run's share of it (2 x MACs x frames/s).

Variants: cpp (the block on its default engine: the native oneDNN engine
for a zoo model, fp32), cpp_bf16 and cpp_int8 (the block at bf16 and int8;
int8 runs a copy of the model calibrated with `amr quantize` on --data),
cpp_batch, cpp_int8_batch (fp32, int8: one message per batch on the
`classifications` port instead of one per frame), cpp_stream,
cpp_bf16_stream, cpp_int8_stream (class indices on a stream output, no
messages), cpp_libtorch (the block on LibTorch, as before the
native engine), cpp_opt (on LibTorch with optimize=True: frozen +
optimize_for_inference), python (as users run it), python_tuned
(with the process settings the C++ side applies: glibc's malloc thresholds,
as in amr bench train, and one OpenBLAS thread), raw (LibTorch alone, no
flowgraph: the same model on batches of the same frames in a loop, with the
tuned settings; the ceiling of any block on this machine), raw_opt (the
same, frozen + optimize_for_inference). The C++ block's processes do not
import torch, as a GRC flowgraph does not (its import changes OpenMP's
thread setting, which once hid a slow case: docs/inference.md, Threads).

Usage: bench_classify.py --data D.h5 --model NAME=model.pt [--model ...]
       [--threads 1,2] [--batches 1,8,32,128] [--seconds 3] [--repeat 1]
       [--variants ...] [--json out.json]
       bench_classify.py --tables run1.json [run2.json ...]
"""

import argparse
import collections
import json
import os
import sys
import time

import numpy as np
import pmt
from gnuradio import blocks, gr

try:
    from gnuradio import amrcompress
except ImportError:  # running from a build tree
    sys.exit("bench_classify.py: cannot import gnuradio.amrcompress (install, or set PYTHONPATH "
             "to build/test_modules)")


class python_classifier(gr.sync_block):
    """The Python baseline: [B, L] complex vectors in, one message per frame out."""

    def __init__(self, model_path, batch):
        extra = {"amr_meta.json": ""}
        self.model = torch.jit.load(model_path, _extra_files=extra).eval()
        meta = json.loads(extra["amr_meta.json"])
        self.L = int(meta["frame_length"])
        self.classes = meta["classes"]
        self.batch = batch
        gr.sync_block.__init__(self, name="python_classifier",
                               in_sig=[(np.complex64, self.L)], out_sig=None)
        self.message_port_register_out(pmt.intern("classification"))
        self.latencies = []
        self.arrivals = collections.deque()  # arrival time of each frame not yet classified
        self.seen = 0                        # frames offered so far
        self.count = 0
        self.offset = 0

    def work(self, input_items, output_items):
        # Latency as the C++ block counts it: from the frame's first offer to
        # this block (its arrival) to its result, so the wait for a batch to
        # fill and behind earlier batches is included.
        now = time.perf_counter()
        x = input_items[0]
        new = self.nitems_read(0) + len(x) - self.seen
        if new > 0:
            self.arrivals.extend([now] * new)
            self.seen += new
        n = len(x) - len(x) % self.batch if len(x) >= self.batch else 0
        for s in range(0, n, self.batch):
            frames = x[s:s + self.batch]
            frames = frames / np.abs(frames).sum(axis=1, keepdims=True)  # l1, as the model says
            inp = torch.from_numpy(np.stack([frames.real, frames.imag], axis=1).astype(np.float32))
            with torch.no_grad():
                probs = torch.softmax(self.model(inp), dim=1).numpy()
            for p in probs:
                k = int(p.argmax())
                d = pmt.make_dict()
                d = pmt.dict_add(d, pmt.intern("offset"), pmt.from_uint64(self.offset))
                d = pmt.dict_add(d, pmt.intern("class"), pmt.from_long(k))
                d = pmt.dict_add(d, pmt.intern("label"), pmt.intern(self.classes[k]))
                d = pmt.dict_add(d, pmt.intern("confidence"), pmt.from_double(float(p[k])))
                d = pmt.dict_add(d, pmt.intern("probs"), pmt.init_f32vector(len(p), p.tolist()))
                self.message_port_pub(pmt.intern("classification"), d)
                self.offset += self.L
            done = time.perf_counter()
            self.latencies.extend(done - self.arrivals.popleft() for _ in range(len(probs)))
            self.count += len(probs)
        return n


def run_cpp(data, model, batch, threads, seconds):
    """The block; its options come from AMR_BENCH_BLOCK (JSON keyword arguments)."""
    kw = json.loads(os.environ.get("AMR_BENCH_BLOCK", "{}"))
    tb = gr.top_block()
    src = amrcompress.dataset_source(data, "", True, 0)
    clf = amrcompress.classifier(model, 0, batch, threads, batch, True,
                                 optimize=os.environ.get("AMR_BENCH_OPTIMIZE") == "1", **kw)
    sink = blocks.message_debug()
    tb.connect(src, clf)
    if kw.get("class_output"):
        null = blocks.null_sink(gr.sizeof_int)
        tb.connect(clf, null)
    port = "classifications" if kw.get("batch_messages") else "classification"
    if kw.get("batch_messages") or kw.get("frame_messages", True):
        tb.msg_connect(clf, port, sink, "store")
    tb.start()
    time.sleep(0.5)  # warm-up
    c0, t0 = clf.frames_classified(), time.perf_counter()
    m0 = sink.num_messages()
    time.sleep(seconds)
    c1, t1 = clf.frames_classified(), time.perf_counter()
    m1 = sink.num_messages()
    tb.stop()
    tb.wait()
    step = max(1, (m1 - m0) // 5000)
    lat = []
    for i in range(m0, m1, step):
        v = pmt.dict_ref(sink.get_message(i), pmt.intern("latency"), pmt.PMT_NIL)
        lat.extend(pmt.f64vector_elements(v) if pmt.is_f64vector(v) else [pmt.to_double(v)])
    global BACKEND
    BACKEND = clf.backend()
    return (c1 - c0) / (t1 - t0), lat


BACKEND = None  # what ran the block's model, reported with its figures


def run_python(data, model, batch, threads, seconds):
    torch.set_num_threads(threads)
    tb = gr.top_block()
    src = amrcompress.dataset_source(data, "", True, 0)
    blk = python_classifier(model, batch)  # kept in a variable: GNU Radio issue 8137
    s2v = blocks.stream_to_vector(gr.sizeof_gr_complex, blk.L)
    s2v.set_min_output_buffer(4 * batch)  # room for whole batches (default: ~32 frames)
    sink = blocks.message_debug()
    tb.connect(src, s2v, blk)
    tb.msg_connect(blk, "classification", sink, "store")
    tb.start()
    time.sleep(0.5)
    c0, t0, l0 = blk.count, time.perf_counter(), len(blk.latencies)
    time.sleep(seconds)
    c1, t1, l1 = blk.count, time.perf_counter(), len(blk.latencies)
    tb.stop()
    tb.wait()
    torch.set_num_threads(1)
    return (c1 - c0) / (t1 - t0), blk.latencies[l0:l1]


def run_raw(data, model, batch, threads, seconds):
    """LibTorch alone: the same TorchScript on batches of normalised frames
    from the same file, in a loop, no flowgraph. The ceiling for both blocks
    (Python's per-call cost is small next to a batch); latency = the batch's
    compute time."""
    import h5py
    torch.set_num_threads(threads)
    m = torch.jit.load(model).eval()
    if os.environ.get("AMR_BENCH_OPTIMIZE") == "1":  # as the block's optimize=True
        m = torch.jit.optimize_for_inference(torch.jit.freeze(m))
    with h5py.File(data, "r") as f:
        x = f["X"][:4096]  # [N, L, 2]
    c = x[..., 0] + 1j * x[..., 1]
    c = c / np.abs(c).sum(axis=1, keepdims=True)  # l1, as the models say
    frames = torch.from_numpy(np.stack([c.real, c.imag], axis=1).astype(np.float32))
    n = len(frames) - len(frames) % batch
    lat, count, k = [], 0, 0
    with torch.no_grad():
        t_end = time.perf_counter() + 0.5  # warm-up, as the flowgraphs get
        while time.perf_counter() < t_end:
            torch.softmax(m(frames[:batch]), dim=1)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            s = (k * batch) % n
            t = time.perf_counter()
            torch.softmax(m(frames[s:s + batch]), dim=1)
            lat.append(time.perf_counter() - t)
            count += batch
            k += 1
        wall = time.perf_counter() - t0
    torch.set_num_threads(1)
    return count / wall, lat


def sgemm_gflops():
    torch.set_num_threads(1)
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    torch.mm(a, b)
    best = 0
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(5):
            torch.mm(a, b)
        best = max(best, 5 * 2 * 1024 ** 3 / (time.perf_counter() - t))
    return best / 1e9


TUNED = {"MALLOC_MMAP_THRESHOLD_": "268435456", "MALLOC_TRIM_THRESHOLD_": "536870912",
         "OPENBLAS_NUM_THREADS": "1"}


def block(**kw):
    return {"AMR_BENCH_BLOCK": json.dumps(kw)}


VARIANTS = {
    # name: (implementation, extra environment); int8 variants run the
    # calibrated copy of the model
    "cpp": ("cpp", block()),
    "cpp_batch": ("cpp", block(frame_messages=False, batch_messages=True)),
    "cpp_stream": ("cpp", block(frame_messages=False, class_output=True)),
    "cpp_bf16": ("cpp", block(precision="bf16")),
    "cpp_bf16_stream": ("cpp", block(precision="bf16", frame_messages=False,
                                     class_output=True)),
    "cpp_int8": ("cpp", block(precision="int8")),
    "cpp_int8_batch": ("cpp", block(precision="int8", frame_messages=False,
                                    batch_messages=True)),
    "cpp_int8_stream": ("cpp", block(precision="int8", frame_messages=False,
                                     class_output=True)),
    "cpp_libtorch": ("cpp", block(engine="libtorch")),
    "cpp_opt": ("cpp", dict(block(engine="libtorch"), AMR_BENCH_OPTIMIZE="1")),
    "python": ("python", {}),
    "python_tuned": ("python", TUNED),
    "raw": ("raw", TUNED),
    "raw_opt": ("raw", dict(TUNED, AMR_BENCH_OPTIMIZE="1")),
}


def quantised_copy(path, data, tmp):
    """The model calibrated for int8 on --data's training split (amr quantize)."""
    import subprocess
    out = os.path.join(tmp, os.path.basename(os.path.dirname(os.path.abspath(path))) +
                       "_" + os.path.basename(path).replace(".pt", "") + "_int8.pt")
    r = subprocess.run([os.environ.get("AMR_TOOL", "amr"), "quantize", path, data, "-o", out],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError("amr quantize failed: " + r.stderr[-1500:])
    return out


torch = None  # imported where LibTorch runs: a flowgraph of the C++ block does not load it


def import_torch():
    global torch
    import torch as t
    torch = t


def one(a):
    """One measurement in this (fresh) process; prints a JSON line."""
    if a.one != "cpp":
        import_torch()
    run = {"cpp": run_cpp, "python": run_python, "raw": run_raw}[a.one]
    fps, lat = run(a.data, a.model_path, a.batch, a.threads, a.seconds)

    def q(p):
        return 1000 * float(np.percentile(lat, p)) if len(lat) else float("nan")

    out = {"fps": fps, "p50_ms": q(50), "p99_ms": q(99)}
    if BACKEND:
        out["backend"] = BACKEND
    print(json.dumps(out))


def measure(a, variant, path, batch, threads):
    import subprocess
    impl, env = VARIANTS[variant]
    if "int8" in variant:
        path = a.int8_paths[path]
    if "OPENBLAS_NUM_THREADS" in env:  # as the C++ side does: as many as LibTorch's
        env = dict(env, OPENBLAS_NUM_THREADS=str(threads))
    cmd = [sys.executable, os.path.abspath(__file__), "--one", impl, "--model-path", path,
           "--data", a.data, "--batch", str(batch), "--threads", str(threads),
           "--seconds", str(a.seconds), "--model", "x=y"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **env),
                       timeout=600)
    if r.returncode != 0:
        raise RuntimeError(variant + " failed: " + r.stderr[-1500:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data")
    ap.add_argument("--model", action="append", help="NAME=path.pt")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--batches", default="1,8,32,128")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--repeat", type=int, default=1,
                    help="measure every cell this many times, the variants taking turns; "
                         "the tables show the medians")
    ap.add_argument("--variants", default="cpp,cpp_bf16,cpp_int8,cpp_int8_batch,cpp_int8_stream,"
                                          "cpp_libtorch,python,raw")
    ap.add_argument("--json")
    ap.add_argument("--tables", nargs="+", metavar="JSON",
                    help="print the tables of earlier --json runs instead (their cells merged)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--model-path", help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        a.threads = int(a.threads)
        return one(a)
    import_torch()  # sgemm's rate, the models' metadata
    if a.tables:
        rows = merge_runs(a.tables)
        print_rows(rows)
        print_ratios(rows)
        print_budgets(rows)
        return
    if not a.data or not a.model:
        ap.error("--data and --model are needed")
    variants = a.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        ap.error("unknown variants: " + ",".join(unknown) + " (known: " + ",".join(VARIANTS) + ")")
    import tempfile
    tmp = tempfile.TemporaryDirectory()
    a.int8_paths = {}
    if any("int8" in v for v in variants):
        for spec in a.model:
            path = spec.split("=", 1)[1]
            a.int8_paths[path] = quantised_copy(path, a.data, tmp.name)
    gflops = sgemm_gflops()
    print(f"sgemm 1024^3, one thread: {gflops:.1f} GFLOP/s; every cell: frames/s "
          f"(p50 / p99 latency ms), each measured in a fresh process"
          + (f", median of {a.repeat}" if a.repeat > 1 else "") + "\n")
    rows = []
    for spec in a.model:
        name, path = spec.split("=", 1)
        macs = json.loads(amrcompress_meta(path))["flops"]
        for th in [int(t) for t in a.threads.split(",")]:
            for b in [int(x) for x in a.batches.split(",")]:
                runs = {v: [] for v in variants}
                for _ in range(a.repeat):  # in turns, so that a slow spell hits all alike
                    for v in variants:
                        runs[v].append(measure(a, v, path, b, th))
                res = {v: median_run(runs[v]) for v in variants}
                rows.append(dict(model=name, mflops=macs / 1e6, threads=th, batch=b,
                                 results=res, sgemm_gflops=gflops, seconds=a.seconds))
                print_rows(rows[-1:], header=len(rows) == 1)
    print_ratios(rows)
    print_budgets(rows)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


def median_run(runs):
    """Median frames/s, p50 and p99 of repeated measurements of one cell
    (each taken separately), with the single runs kept."""

    def med(k):
        return float(np.median([r[k] for r in runs]))

    out = {"fps": med("fps"), "p50_ms": med("p50_ms"), "p99_ms": med("p99_ms")}
    if "backend" in runs[0]:
        out["backend"] = runs[0]["backend"]
    if len(runs) > 1:
        out["runs"] = runs
    return out


def merge_runs(paths):
    """Rows of several --json runs, the cells of the same model, threads and
    batch merged (a later file's variant replaces an earlier one's)."""
    merged = {}
    for p in paths:
        with open(p) as f:
            for r in json.load(f):
                key = (r["model"], r["threads"], r["batch"])
                if key in merged:
                    merged[key]["results"].update(r["results"])
                else:
                    merged[key] = r
    return list(merged.values())


def print_rows(rows, header=True):
    variants = list(dict.fromkeys(v for r in rows for v in r["results"]))
    if header:
        print("| model | MFLOPs/frame | threads | batch | " + " | ".join(variants) +
              " | best C++ / python | C++ share of sgemm |")
        print("|---|---:|---:|---:|" + "---:|" * (len(variants) + 2))
    for r in rows:
        res = r["results"]
        cpp = max(res[v]["fps"] for v in res if v.startswith("cpp"))
        py = res["python"]["fps"] if "python" in res else float("nan")
        share = 2 * r["mflops"] * 1e6 * cpp / (r["sgemm_gflops"] * 1e9 * r["threads"])
        cells = " | ".join(f"{res[v]['fps']:,.0f} ({res[v]['p50_ms']:.1f} / "
                           f"{res[v]['p99_ms']:.1f})" if v in res else "-" for v in variants)
        print(f"| {r['model']} | {r['mflops']:.2f} | {r['threads']} | {r['batch']} | {cells} | "
              f"{cpp / py:.2f} | {100 * share:.1f} % |", flush=True)


def print_ratios(rows):
    """Each block variant's frames/s over LibTorch alone's (raw) in the same
    cell: the speed-up the native engine gives a flowgraph."""
    variants = [v for v in dict.fromkeys(v for r in rows for v in r["results"])
                if v.startswith("cpp")]
    if not variants or not any("raw" in r["results"] for r in rows):
        return
    print("\n| model | threads | batch | " + " | ".join(v + " / raw" for v in variants) +
          " | backend of cpp |")
    print("|---|---:|---:|" + "---:|" * len(variants) + "---|")
    for r in rows:
        res = r["results"]
        if "raw" not in res:
            continue
        cells = " | ".join(f"{res[v]['fps'] / res['raw']['fps']:.2f}" if v in res else "-"
                           for v in variants)
        print(f"| {r['model']} | {r['threads']} | {r['batch']} | {cells} | "
              f"{res.get('cpp', {}).get('backend', '-').split(' (')[0]} |")


def print_budgets(rows, budgets=(5, 10, 25, 100)):
    """The best frames/s of C++ (either variant), of each Python variant and
    of LibTorch alone among the configurations whose p99 latency fits each
    budget; and what 3x the Python block would be as a share of LibTorch
    alone (over 100 %: out of reach for any block on this machine)."""
    print("\n| model | p99 latency budget | best C++ block | best Python block (as run) | "
          "C++ / Python | best Python, tuned | C++ / Python tuned | LibTorch alone | "
          "C++ / LibTorch alone | 3x Python / LibTorch alone |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    models = list(dict.fromkeys(r["model"] for r in rows))

    def ratio(x, y):
        return f"{x / y:.2f}" if x and y else "-"

    def cell(x):
        return f"{x[0]:,.0f} ({x[1]})" if x[0] else "none"

    for m in models:
        for budget in budgets:
            best = {}
            for r in rows:
                if r["model"] != m:
                    continue
                for v, res in r["results"].items():
                    k = "cpp" if v.startswith("cpp") else "raw" if v.startswith("raw") else v
                    if res["p99_ms"] <= budget and res["fps"] > best.get(k, (0, ""))[0]:
                        best[k] = (res["fps"], ("opt, " if v.endswith("_opt") else "") +
                                   f"b{r['batch']}, {r['threads']}t")
            c, p, pt, raw = (best.get(k, (0, "-"))
                             for k in ("cpp", "python", "python_tuned", "raw"))
            target = f"{100 * 3 * p[0] / raw[0]:.0f} %" if p[0] and raw[0] else "-"
            print(f"| {m} | {budget} ms | {cell(c)} | {cell(p)} | {ratio(c[0], p[0])} | "
                  f"{cell(pt)} | {ratio(c[0], pt[0])} | {cell(raw)} | {ratio(c[0], raw[0])} | "
                  f"{target} |")


def amrcompress_meta(path):
    extra = {"amr_meta.json": ""}
    torch.jit.load(path, _extra_files=extra)
    return extra["amr_meta.json"]


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Data-parallel `amr train` (c10d, Gloo on loopback): two ranks give the
weights and the dynamics record of one process with the same global batch; a
killed or stalled rank ends the job with a clear error within the timeout; a
restarted job resumes from the checkpoint; bad settings are refused."""

import functools
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

import h5py
import numpy as np
import torch
from gnuradio import gr_unittest
from qa_helpers import AMR, amr_run

# No dropout or BatchNorm: the result may then not depend on the rank count.
SPEC = json.dumps({"arch": "cnn1d", "entry_kernel": 3, "kernel": 3, "hidden": 32,
                   "dropout": 0, "stacks": [{"channels": 16, "units": [16]},
                                            {"channels": 16, "units": [16]}]})
run = functools.partial(amr_run, timeout=600)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def weights(out):
    m = torch.jit.load(os.path.join(out, "model.pt"))
    return {k: v.detach().numpy() for k, v in m.named_parameters()}


def record(out):
    with h5py.File(os.path.join(out, "dynamics.h5"), "r") as f:
        return {k: f[k][()] for k in ("index", "label", "pred", "loss", "train_accuracy")}, \
            int(f.attrs["epochs_completed"])


class qa_train_distributed(gr_unittest.TestCase):

    def assert_complete(self, rec, epochs):
        """Every epoch column written: its predictions give its accuracy."""
        self.assertEqual(rec["pred"].shape[1], epochs)
        acc = np.mean(rec["pred"] == rec["label"][:, None], axis=0)
        np.testing.assert_allclose(acc, rec["train_accuracy"], atol=1e-9)
        self.assertTrue(np.all(np.any(rec["loss"] > 0, axis=0)))

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.data = os.path.join(cls.dir, "d.h5")
        r = run("gen", "-o", cls.data, "-n", "40", "--classes", "BPSK,QPSK,8PSK,GFSK,WBFM",
                "--snr-min", "0", "--snr-max", "18", "--snr-step", "6")
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def out(self, name):
        return os.path.join(self.dir, name)

    def train(self, out, *extra, epochs=2):
        r = run("train", self.data, "-o", out, "-m", SPEC, "-e", str(epochs), "-b", "200",
                *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def assert_same_run(self, a, b):
        wa, wb = weights(a), weights(b)
        self.assertEqual(wa.keys(), wb.keys())
        for k in wa:
            np.testing.assert_allclose(wa[k], wb[k], rtol=0, atol=1e-4, err_msg=k)
        (ra, ea), (rb, eb) = record(a), record(b)
        self.assertEqual(ea, eb)
        np.testing.assert_array_equal(ra["index"], rb["index"])
        np.testing.assert_array_equal(ra["label"], rb["label"])
        # every sample's prediction on every epoch, whichever rank trained it
        agree = np.mean(ra["pred"] == rb["pred"])
        self.assertGreaterEqual(agree, 0.999)
        np.testing.assert_allclose(ra["loss"], rb["loss"], rtol=0, atol=1e-3)
        np.testing.assert_allclose(ra["train_accuracy"], rb["train_accuracy"], atol=1e-3)

    def test_001_two_ranks_equal_one_process(self):
        one, two = self.out("one"), self.out("two")
        self.train(one)
        r = self.train(two, "--nproc", "2")
        self.assertIn("2 ranks", r.stdout)
        self.assert_same_run(one, two)
        with open(os.path.join(two, "metrics.json")) as f:
            m = json.load(f)
        self.assertEqual(m["distributed"]["world_size"], 2)
        self.assertGreater(m["distributed"]["allreduce_seconds_per_step"], 0)
        # only rank 0 writes; the record holds all rows, none left unwritten
        (rec, epochs) = record(two)
        self.assertEqual(epochs, 2)
        self.assertTrue(np.all(rec["loss"] > 0))
        self.assert_complete(rec, 2)

        # torchrun's environment variables instead of options
        env_out = self.out("env")
        port = str(free_port())
        procs = []
        for rank in (0, 1):
            env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=port,
                       WORLD_SIZE="2", RANK=str(rank))
            procs.append(subprocess.Popen(
                [AMR, "train", self.data, "-o", env_out, "-m", SPEC, "-e", "2", "-b", "200",
                 "--threads", "1"], env=env, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True))
        for p in procs:
            _, err = p.communicate(timeout=600)
            self.assertEqual(p.returncode, 0, err)
        self.assert_same_run(one, env_out)

    def start_pair(self, out, timeout, epochs=30):
        # small batches: many steps, so the job is still running when hit
        port = str(free_port())
        procs = []
        for rank in (0, 1):
            procs.append(subprocess.Popen(
                [AMR, "train", self.data, "-o", out, "-m", SPEC, "-e", str(epochs), "-b", "8",
                 "--world-size", "2", "--rank", str(rank), "--master", "127.0.0.1:" + port,
                 "--timeout", str(timeout), "--threads", "1"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        # until rank 0 has finished an epoch (its checkpoint exists)
        deadline = time.time() + 300
        while not os.path.exists(os.path.join(out, "checkpoint.pt")):
            self.assertLess(time.time(), deadline)
            if procs[0].poll() is not None:
                self.fail("rank 0 ended early: " + procs[0].communicate()[1])
            time.sleep(0.1)
        return procs

    def test_002_killed_rank_ends_the_job_and_it_resumes(self):
        out = self.out("killed")
        timeout = 20
        r0, r1 = self.start_pair(out, timeout)
        r1.send_signal(signal.SIGKILL)
        t0 = time.time()
        _, err = r0.communicate(timeout=timeout + 30)
        r1.communicate()
        self.assertNotEqual(r0.returncode, 0)
        self.assertLess(time.time() - t0, timeout + 10)
        self.assertIn("another rank stopped", err)
        self.assertNotIn("Traceback", err)
        # the restarted job (now with --nproc) continues from the checkpoint
        r = run("train", self.data, "-o", out, "-m", SPEC, "-e", "30", "-b", "8",
                "--nproc", "2", "--resume")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"resumed after epoch [1-9]")
        with open(os.path.join(out, "metrics.json")) as f:
            m = json.load(f)
        self.assertGreaterEqual(m["resumed_after_epoch"], 1)
        self.assertEqual([e["epoch"] for e in m["epochs"]], list(range(1, 31)))
        rec, epochs = record(out)
        self.assertEqual(epochs, 30)
        self.assert_complete(rec, 30)

    def test_003_stalled_rank_times_out(self):
        out = self.out("stalled")
        timeout = 5
        r0, r1 = self.start_pair(out, timeout)
        r1.send_signal(signal.SIGSTOP)
        try:
            t0 = time.time()
            _, err = r0.communicate(timeout=timeout + 60)
            self.assertNotEqual(r0.returncode, 0)
            self.assertLess(time.time() - t0, timeout + 15)
            self.assertIn("another rank stopped", err)
        finally:
            r1.send_signal(signal.SIGKILL)
            r1.communicate()

    def test_004_refusals(self):
        cases = [
            (["--world-size", "2", "--rank", "2"], "is not in a world of 2"),
            (["--nproc", "2", "--rank", "1"], "leave out --world-size"),
            (["--master", "nohostport"], "expected host:port"),
            (["--resume"], "no checkpoint to resume from"),
            # a rank whose peers never come gives up after the timeout
            (["--world-size", "2", "--rank", "1", "--master",
              "127.0.0.1:%d" % free_port(), "--timeout", "3"], "could not join"),
        ]
        for extra, message in cases:
            out = self.out("refused")
            t0 = time.time()
            r = run("train", self.data, "-o", out, "-m", SPEC, "-e", "1", *extra, timeout=120)
            self.assertNotEqual(r.returncode, 0, extra)
            self.assertIn(message, r.stderr, extra)
            self.assertLess(time.time() - t0, 60)
        # a checkpoint of other settings is refused, not silently mixed in
        out = self.out("other")
        self.train(out, epochs=1)
        r = run("train", self.data, "-o", out, "-m", SPEC, "-e", "1", "-b", "64", "--resume")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("other settings", r.stderr)

    def test_006_two_streaming_ranks_equal_one_streaming_process(self):
        """With a shuffle window smaller than the training split the frames are
        streamed from the file and each rank reads only its slices of every
        global batch: still one process's weights and dynamics record."""
        one, two = self.out("stream_one"), self.out("stream_two")
        self.train(one, "--shuffle-window", "400")
        r = self.train(two, "--shuffle-window", "400", "--nproc", "2")
        self.assertIn("2 ranks", r.stdout)
        self.assert_same_run(one, two)
        for out in (one, two):
            with open(os.path.join(out, "metrics.json")) as f:
                data = json.load(f)["data"]
            self.assertTrue(data["streamed"], out)
            self.assertEqual(data["shuffle_window"], 400)
        (rec, _) = record(two)
        self.assert_complete(rec, 2)

    def test_005_one_process_resume_is_exact(self):
        """A killed single-process run resumed from its checkpoint ends with
        the very weights and record of an uninterrupted run (with dropout)."""
        spec = json.loads(SPEC)
        spec["dropout"] = 0.3
        args = ["-m", json.dumps(spec), "-e", "12", "-b", "8", "--threads", "1"]
        ref = self.out("uninterrupted")
        r = run("train", self.data, "-o", ref, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = self.out("interrupted")
        p = subprocess.Popen([AMR, "train", self.data, "-o", out, *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 300
        while not os.path.exists(os.path.join(out, "checkpoint.pt")):
            self.assertLess(time.time(), deadline)
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.wait()
        self.assertFalse(os.path.exists(os.path.join(out, "model.pt")))
        r = run("train", self.data, "-o", out, *args, "--resume")
        self.assertEqual(r.returncode, 0, r.stderr)
        wa, wb = weights(ref), weights(out)
        for k in wa:
            np.testing.assert_array_equal(wa[k], wb[k], err_msg=k)
        (ra, _), (rb, _) = record(ref), record(out)
        for k in ra:
            np.testing.assert_array_equal(ra[k], rb[k], err_msg=k)
        # a damaged checkpoint is refused with a message, not a crash
        ck = os.path.join(out, "checkpoint.pt")
        with open(ck, "r+b") as f:
            f.truncate(os.path.getsize(ck) // 2)
        r = run("train", self.data, "-o", out, *args, "--resume")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("not a usable training checkpoint", r.stderr)


if __name__ == "__main__":
    gr_unittest.run(qa_train_distributed)

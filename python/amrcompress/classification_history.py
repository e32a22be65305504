#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The Qt-free core of the classification display: parses the classifier's
messages, keeps counts, a short history of label runs and the frame rate, and
rate-limits redraws. Thread-safe (the message thread adds, the GUI thread
takes snapshots); tested without a display (qa_classification_display).

Messages taken by ``add``:

- one frame: a PMT dict (or a Python dict) with the classifier's keys
  ``offset``, ``class``, ``label``, ``confidence``, ``probs``, ``latency``,
  ``model`` and optionally ``rx_time``; only ``label`` or ``class`` is
  required;
- a batch as columns: a dict whose ``class`` is a vector (PMT uniform
  vector, or a Python sequence / numpy array) of n class indices, with
  optional vectors ``confidence``, ``offset``, ``latency``, ``rx_time`` of
  n entries, ``model`` (a number) and ``labels`` (the class names, a list
  or vector of symbols, indexed by class); without ``labels`` a frame is
  named "class N";
- a batch as a list: a PMT list, vector or tuple (or a Python list/tuple) of
  frames, a dict with a ``frames``/``results``/``batch`` entry holding one,
  or a pair whose car and cdr hold frames (a PDU-like (meta . frames));
- anything else is counted in ``ignored`` and otherwise dropped: a malformed
  message never raises.
"""

import collections
import math
import threading
import time

import numpy as np
import pmt

_K_LABEL = pmt.intern("label")
_K_LABELS = pmt.intern("labels")
_K_CLASS = pmt.intern("class")
_K_CONF = pmt.intern("confidence")
_K_OFFSET = pmt.intern("offset")
_K_LATENCY = pmt.intern("latency")
_K_MODEL = pmt.intern("model")
_K_RX_TIME = pmt.intern("rx_time")
_BATCH_KEYS = [pmt.intern(k) for k in ("frames", "results", "batch")]
_PY_BATCH_KEYS = ("frames", "results", "batch")
_NONE = pmt.PMT_NIL
_PMT = type(pmt.PMT_NIL)
_MAX_DEPTH = 4
_NAN = float("nan")

_UVECTORS = [
    (pmt.is_u8vector, pmt.u8vector_elements), (pmt.is_s8vector, pmt.s8vector_elements),
    (pmt.is_u16vector, pmt.u16vector_elements), (pmt.is_s16vector, pmt.s16vector_elements),
    (pmt.is_u32vector, pmt.u32vector_elements), (pmt.is_s32vector, pmt.s32vector_elements),
    (pmt.is_u64vector, pmt.u64vector_elements), (pmt.is_s64vector, pmt.s64vector_elements),
    (pmt.is_f32vector, pmt.f32vector_elements), (pmt.is_f64vector, pmt.f64vector_elements),
]


# How much of a per-frame PMT dict is read on the message thread: everything;
# label, confidence and offset (the rest is read from the kept dict when a
# label run starts or the display draws the frame); the label alone (when
# messages back up).
FULL, LITE, LABEL_ONLY = 2, 1, 0


class Frame(collections.namedtuple("Frame",
                                   "label cls confidence offset latency model rx_time raw")):
    """One classified frame. ``cls``, ``offset``, ``model`` are -1 and
    ``confidence``, ``latency`` NaN when the message did not carry them (or
    were not read yet: then ``raw`` is the PMT dict, see ``complete``);
    ``rx_time`` is seconds (float) or None."""
    __slots__ = ()

    def __new__(cls, label, cls_=-1, confidence=_NAN, offset=-1, latency=_NAN, model=-1,
                rx_time=None, raw=None):
        return super(Frame, cls).__new__(cls, label, cls_, confidence, offset, latency, model,
                                         rx_time, raw)

    def complete(self):
        """This frame with every field read (itself when nothing is left)."""
        if self.raw is None:
            return self
        f = _from_pmt_dict(self.raw, FULL)
        return f if isinstance(f, Frame) else self._replace(raw=None)


class Columns(object):
    """A batch of n frames as arrays (the columnar batch message)."""
    __slots__ = ("names", "cls", "confidence", "offset", "latency", "model", "rx_time")

    def __init__(self, cls, names=None, confidence=None, offset=None, latency=None, model=-1,
                 rx_time=None):
        self.cls = np.asarray(cls, dtype=np.int64).ravel()
        n = len(self.cls)

        def column(v, dtype, fill):
            if v is not None:
                v = np.asarray(v, dtype=dtype).ravel()
                if len(v) == n:
                    return v
            return np.full(n, fill, dtype=dtype)
        self.names = list(names) if names is not None else []
        self.confidence = column(confidence, np.float64, _NAN)
        self.offset = column(offset, np.int64, -1)
        self.latency = column(latency, np.float64, _NAN)
        self.rx_time = None if rx_time is None else column(rx_time, np.float64, _NAN)
        self.model = int(model)

    def __len__(self):
        return len(self.cls)

    def label(self, c):
        c = int(c)
        return self.names[c] if 0 <= c < len(self.names) else "class %d" % c

    def frame(self, i):
        t = None if self.rx_time is None else float(self.rx_time[i])
        return Frame(self.label(self.cls[i]), int(self.cls[i]), float(self.confidence[i]),
                     int(self.offset[i]), float(self.latency[i]), self.model,
                     None if t is None or t != t else t)


class Run(object):
    """Consecutive frames with the same label (one row of the history)."""
    __slots__ = ("label", "count", "first_offset", "last_offset", "conf_sum", "conf_n",
                 "last_conf", "started", "rx_time")

    def __init__(self, label, first_offset, rx_time, now):
        self.label = label
        self.count = 0
        self.first_offset = first_offset
        self.last_offset = first_offset
        self.conf_sum = 0.0
        self.conf_n = 0
        self.last_conf = _NAN
        self.started = now
        self.rx_time = rx_time

    def extend(self, count, conf_sum, conf_n, last_offset, last_conf):
        self.count += count
        self.conf_sum += conf_sum
        self.conf_n += conf_n
        self.last_offset = last_offset
        self.last_conf = last_conf

    @property
    def mean_confidence(self):
        return self.conf_sum / self.conf_n if self.conf_n else _NAN

    def copy(self):
        r = Run.__new__(Run)
        for k in Run.__slots__:
            setattr(r, k, getattr(self, k))
        return r


# Parsing -----------------------------------------------------------------

def _pmt_number(v, default):
    if pmt.is_integer(v):
        return pmt.to_long(v)
    if pmt.is_uint64(v):
        return pmt.to_uint64(v)
    if pmt.is_real(v):
        return pmt.to_double(v)
    if pmt.is_bool(v):
        return int(pmt.to_bool(v))
    return default


def _pmt_rx_time(v):
    if pmt.is_tuple(v) and pmt.length(v) == 2:
        s = _pmt_number(pmt.tuple_ref(v, 0), None)
        f = _pmt_number(pmt.tuple_ref(v, 1), None)
        if s is not None and f is not None:
            return float(s) + float(f)
    n = _pmt_number(v, None)
    return None if n is None else float(n)


def _pmt_array(v):
    """A uniform vector as a numpy array, else None."""
    if not pmt.is_uniform_vector(v):
        return None
    for test, elements in _UVECTORS:
        if test(v):
            return np.asarray(elements(v))
    return None


def _pmt_names(v):
    """Class names from a PMT list, vector or tuple of symbols (or strings)."""
    items = []
    if pmt.is_vector(v):
        items = [pmt.vector_ref(v, i) for i in range(pmt.length(v))]
    elif pmt.is_tuple(v):
        items = [pmt.tuple_ref(v, i) for i in range(pmt.length(v))]
    elif pmt.is_pair(v):
        while pmt.is_pair(v) and len(items) < 1 << 16:
            items.append(pmt.car(v))
            v = pmt.cdr(v)
    return [pmt.symbol_to_string(x) if pmt.is_symbol(x) else str(pmt.to_python(x)) for x in items]


def _is_pmt_dict(m):
    """A PMT dict is a list of (key . value) pairs with symbol keys (a list of
    dicts is a list whose first element is itself a list of pairs)."""
    if not pmt.is_pair(m):
        return False
    first = pmt.car(m)
    return pmt.is_pair(first) and pmt.is_symbol(pmt.car(first))


def _from_pmt_dict(d, depth=FULL):
    """A Frame or Columns, or None when the dict carries neither label nor
    class. ``depth``: FULL, LITE or LABEL_ONLY (see above)."""
    v = pmt.dict_ref(d, _K_LABEL, _NONE)
    if pmt.is_symbol(v):  # the classifier's per-frame dict
        label = pmt.symbol_to_string(v)
        if depth == LABEL_ONLY:
            return Frame(label, raw=d)
        conf = float(_pmt_number(pmt.dict_ref(d, _K_CONF, _NONE), _NAN))
        offset = int(_pmt_number(pmt.dict_ref(d, _K_OFFSET, _NONE), -1))
        if depth == LITE:
            return Frame(label, -1, conf, offset, raw=d)
        t = pmt.dict_ref(d, _K_RX_TIME, _NONE)
        return Frame(label, int(_pmt_number(pmt.dict_ref(d, _K_CLASS, _NONE), -1)), conf, offset,
                     float(_pmt_number(pmt.dict_ref(d, _K_LATENCY, _NONE), _NAN)),
                     int(_pmt_number(pmt.dict_ref(d, _K_MODEL, _NONE), -1)),
                     None if pmt.is_null(t) else _pmt_rx_time(t))
    vcls = pmt.dict_ref(d, _K_CLASS, _NONE)
    cls_array = _pmt_array(vcls)
    if cls_array is not None:  # a batch as columns
        t = pmt.dict_ref(d, _K_RX_TIME, _NONE)
        return Columns(cls_array, _pmt_names(pmt.dict_ref(d, _K_LABELS, _NONE)),
                       _pmt_array(pmt.dict_ref(d, _K_CONF, _NONE)),
                       _pmt_array(pmt.dict_ref(d, _K_OFFSET, _NONE)),
                       _pmt_array(pmt.dict_ref(d, _K_LATENCY, _NONE)),
                       _pmt_number(pmt.dict_ref(d, _K_MODEL, _NONE), -1),
                       None if pmt.is_null(t) else _pmt_array(t))
    cls = _pmt_number(vcls, -1)
    if pmt.is_integer(v) or pmt.is_uint64(v):  # a class index in the label slot
        cls = _pmt_number(v, -1)
    if cls < 0:
        return None
    t = pmt.dict_ref(d, _K_RX_TIME, _NONE)
    return Frame("class %d" % cls, int(cls),
                 float(_pmt_number(pmt.dict_ref(d, _K_CONF, _NONE), _NAN)),
                 int(_pmt_number(pmt.dict_ref(d, _K_OFFSET, _NONE), -1)),
                 float(_pmt_number(pmt.dict_ref(d, _K_LATENCY, _NONE), _NAN)),
                 int(_pmt_number(pmt.dict_ref(d, _K_MODEL, _NONE), -1)),
                 None if pmt.is_null(t) else _pmt_rx_time(t))


def _py_number(v, default):
    try:
        if isinstance(v, (tuple, list)) and len(v) == 2:  # rx_time (secs, frac)
            return float(v[0]) + float(v[1])
        return float(v)
    except (TypeError, ValueError):
        return default


def _from_py_dict(d):
    cls = d.get("class", -1)
    if isinstance(cls, (list, tuple, np.ndarray)):
        names = d.get("labels")
        if names is not None:
            names = [n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n)
                     for n in names]
        return Columns(cls, names, d.get("confidence"), d.get("offset"), d.get("latency"),
                       _py_number(d.get("model"), -1), d.get("rx_time"))
    label = d.get("label")
    if isinstance(label, bytes):
        label = label.decode("utf-8", "replace")
    try:
        cls = int(cls)
    except (TypeError, ValueError):
        cls = -1
    if not isinstance(label, str):
        if isinstance(label, int) and not isinstance(label, bool):
            cls = label
        if cls < 0:
            return None
        label = "class %d" % cls
    t = d.get("rx_time")
    return Frame(label, cls, _py_number(d.get("confidence"), _NAN),
                 int(_py_number(d.get("offset"), -1)), _py_number(d.get("latency"), _NAN),
                 int(_py_number(d.get("model"), -1)), None if t is None else _py_number(t, None))


def parse_frames(msg, read=FULL, out=None, _depth=0):
    """The frames in one message (see the module's doc), appended to ``out``
    (a list of Frame and Columns, returned). Returns (out, ignored):
    ``ignored`` counts the parts that were neither frames nor batches.
    ``read``: how much of a per-frame PMT dict to read (FULL, LITE,
    LABEL_ONLY)."""
    if out is None:
        out = []
    ignored = 0
    depth = _depth
    if depth > _MAX_DEPTH:
        return out, 1
    if isinstance(msg, dict):
        f = _from_py_dict(msg)
        if f is not None:
            out.append(f)
            return out, 0
        for k in _PY_BATCH_KEYS:
            if k in msg:
                return parse_frames(msg[k], read, out, depth + 1)
        return out, 1
    if isinstance(msg, (list, tuple)):
        for m in msg:
            ignored += parse_frames(m, read, out, depth + 1)[1]
        return out, ignored
    if not isinstance(msg, _PMT):
        return out, 1
    if pmt.is_null(msg):
        return out, 0
    if _is_pmt_dict(msg):
        f = _from_pmt_dict(msg, read)
        if f is not None:
            out.append(f)
            return out, 0
        for k in _BATCH_KEYS:
            v = pmt.dict_ref(msg, k, _NONE)
            if not pmt.is_null(v):
                return parse_frames(v, read, out, depth + 1)
        return out, 1
    if pmt.is_vector(msg):
        for i in range(pmt.length(msg)):
            ignored += parse_frames(pmt.vector_ref(msg, i), read, out, depth + 1)[1]
        return out, ignored
    if pmt.is_tuple(msg):
        for i in range(pmt.length(msg)):
            ignored += parse_frames(pmt.tuple_ref(msg, i), read, out, depth + 1)[1]
        return out, ignored
    if pmt.is_pair(msg):  # a list of frames, or (meta . frames)
        x = msg
        n = 0
        while pmt.is_pair(x) and n < 1 << 20:
            ignored += parse_frames(pmt.car(x), read, out, depth + 1)[1]
            x = pmt.cdr(x)
            n += 1
        if not pmt.is_null(x):
            ignored += parse_frames(x, read, out, depth + 1)[1]
        return out, ignored
    return out, 1


# The history ---------------------------------------------------------------

class ClassificationHistory(object):
    """Counts, label runs, frames/s and the redraw rate limit.

    ``history``: rows kept (label runs: a new row when the label changes).
    ``update_rate``: redraws per second at most (``add`` returns True for
    at most one call per 1/update_rate seconds; ``redraw_due`` catches up
    with frames that came in between). ``clock``: a monotonic time in
    seconds (tests pass a fake one). ``rate_window``: seconds over which
    frames/s is measured.
    """

    def __init__(self, history=10, update_rate=10.0, clock=time.monotonic, rate_window=1.0):
        if int(history) < 1:
            raise ValueError("history must be at least 1, not %r" % (history,))
        self._lock = threading.Lock()
        self._clock = clock
        self._runs = collections.deque(maxlen=int(history))
        self._counts = collections.Counter()
        self._rate_window = float(rate_window)
        self._samples = collections.deque()  # (time, frames), at most every window/10
        self.set_update_rate(update_rate)
        self.frames = 0
        self.ignored = 0
        self.skipped = 0
        self.messages = 0
        self.changes = 0
        self.last = None
        self.redraws = 0
        self._last_draw = -math.inf
        self._pending = False
        self._started = None

    # Settings ---------------------------------------------------------

    def set_update_rate(self, update_rate):
        update_rate = float(update_rate)
        if not update_rate > 0:
            raise ValueError("update_rate must be > 0, not %r" % (update_rate,))
        self.update_rate = update_rate
        self._interval = 1.0 / update_rate

    def set_history(self, history):
        history = int(history)
        if history < 1:
            raise ValueError("history must be at least 1, not %r" % (history,))
        with self._lock:
            self._runs = collections.deque(self._runs, maxlen=history)

    @property
    def history(self):
        return self._runs.maxlen

    # The message thread ----------------------------------------------

    def add(self, msg, read=LITE):
        """Takes one message; True when a redraw is due now (then the caller
        redraws, or signals the GUI to). Never raises on bad input.
        ``read``: how much of a per-frame dict to read now (LITE: label,
        confidence, offset; the rest when needed; LABEL_ONLY: counts and runs
        only, for a backlog)."""
        try:
            frames, ignored = parse_frames(msg, read)
        except Exception:  # a PMT the parser did not foresee
            frames, ignored = [], 1
        return self.add_frames(frames, ignored, read)

    def skip(self, messages=1):
        """Counts messages dropped unread (a backlog the display shed)."""
        with self._lock:
            self.skipped += messages

    def add_frames(self, frames, ignored=0, read=LITE):
        """Takes parsed frames (Frame and Columns); True when a redraw is due.
        (With ``read`` LABEL_ONLY the time a label run starts at is not
        looked up.)"""
        now = self._clock()
        with self._lock:
            self.messages += 1
            self.ignored += ignored
            if self._started is None:
                self._started = now
            self._sample(now)
            for f in frames:
                if isinstance(f, Frame):
                    c = f.confidence
                    ok = c == c
                    rx = f.rx_time
                    if rx is None and f.raw is not None and read != LABEL_ONLY and (
                            not self._runs or self._runs[-1].label != f.label):
                        rx = f.complete().rx_time  # the time a run starts at
                    self._segment(f.label, 1, c if ok else 0.0, int(ok), f.offset, f.offset, c,
                                  rx, now)
                    self.frames += 1
                    self.last = f
                elif len(f):
                    self._add_columns(f, now)
            return self._claim(now)

    # The GUI thread ---------------------------------------------------

    def redraw_due(self):
        """True when frames came in since the last redraw and the rate allows
        one now (for a GUI timer: the trailing edge of a burst)."""
        now = self._clock()
        with self._lock:
            if not self._pending:
                return False
            return self._claim(now)

    def snapshot(self):
        """A consistent copy of what the display shows, as a dict: frames,
        ignored, skipped, messages, changes, rate (frames/s), last (Frame or None),
        runs (newest first, Run copies), counts ((label, frames), most first),
        elapsed (s since the first message)."""
        now = self._clock()
        with self._lock:
            self._sample(now)
            if self.last is not None and self.last.raw is not None:
                self.last = self.last.complete()
            return {
                "frames": self.frames,
                "ignored": self.ignored,
                "skipped": self.skipped,
                "messages": self.messages,
                "changes": self.changes,
                "rate": self._rate(now),
                "last": self.last,
                "runs": [r.copy() for r in reversed(self._runs)],
                "counts": self._counts.most_common(),
                "elapsed": 0.0 if self._started is None else now - self._started,
            }

    def counts(self):
        with self._lock:
            return dict(self._counts)

    def summary(self):
        """One line: frames, rate, changes and the share of each label."""
        s = self.snapshot()
        n = s["frames"]
        parts = ["%s %d (%.1f %%)" % (label, c, 100.0 * c / n) for label, c in s["counts"]]
        avg = n / s["elapsed"] if s["elapsed"] > 0 else 0.0
        last = s["last"]
        return ("classification_display: frames=%d messages=%d ignored=%d skipped=%d changes=%d "
                "seconds=%.1f frames_per_s=%.0f last=%s; %s" %
                (n, s["messages"], s["ignored"], s["skipped"], s["changes"], s["elapsed"], avg,
                 last.label if last else "-", ", ".join(parts) if parts else "no frames"))

    # Internals (lock held) -------------------------------------------

    def _segment(self, label, count, conf_sum, conf_n, first_offset, last_offset, last_conf,
                 rx_time, now):
        runs = self._runs
        self._counts[label] += count
        if not runs or runs[-1].label != label:
            if runs:
                self.changes += 1
            runs.append(Run(label, first_offset, rx_time, now))
        runs[-1].extend(count, conf_sum, conf_n, last_offset, last_conf)

    def _add_columns(self, f, now):
        cls = f.cls
        n = len(cls)
        starts = np.concatenate(([0], np.flatnonzero(cls[1:] != cls[:-1]) + 1))
        ends = np.append(starts[1:], n)
        conf = f.confidence
        valid = conf == conf
        sums = np.add.reduceat(np.where(valid, conf, 0.0), starts)
        ns = np.add.reduceat(valid.astype(np.int64), starts)
        for s, e, sm, cn in zip(starts.tolist(), ends.tolist(), sums.tolist(), ns.tolist()):
            t = None
            if f.rx_time is not None and f.rx_time[s] == f.rx_time[s]:
                t = float(f.rx_time[s])
            self._segment(f.label(cls[s]), e - s, sm, cn, int(f.offset[s]), int(f.offset[e - 1]),
                          float(conf[e - 1]), t, now)
        self.frames += n
        self.last = f.frame(n - 1)

    def _claim(self, now):
        if now - self._last_draw >= self._interval:
            self._last_draw = now
            self._pending = False
            self.redraws += 1
            return True
        self._pending = True
        return False

    def _sample(self, now):
        s = self._samples
        if not s or now - s[-1][0] >= self._rate_window / 10:
            s.append((now, self.frames))
        while len(s) > 1 and now - s[1][0] >= self._rate_window:
            s.popleft()

    def _rate(self, now):
        s = self._samples
        if not s:
            return 0.0
        t0, n0 = s[0]
        dt = now - t0
        return (self.frames - n0) / dt if dt > 0 else 0.0

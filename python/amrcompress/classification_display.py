#
# Copyright 2026 gr-amrcompress authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QT GUI display of the classifier's results: the current label in large
type, its confidence as a bar, frames/s, a short history of label runs with
their frame counts, and the total per label.

    from gnuradio.amrcompress.classification_display import classification_display
    disp = classification_display(history=10, update_rate=10)
    tb.msg_connect(clf, "classification", disp, "classification")
    layout.addWidget(disp.qwidget())            # needs a QApplication

The message port ``classification`` takes the classifier's per-frame dicts,
and also per-batch messages (a list/vector of such dicts, or one dict of
columns: ``class`` as a vector, ``labels`` the class names); see
classification_history for what is accepted. Messages are handled on the
block's thread by the Qt-free ``ClassificationHistory``; the widget is only
touched on the GUI thread: the message thread emits a Qt signal (queued to
the GUI thread) at most ``update_rate`` times per second, and a GUI timer at
the same rate draws what came in after the last signal and keeps frames/s
current. So 100k frames/s cost at most ``update_rate`` redraws per second.

Load: GNU Radio's hand-over of one message to a Python handler costs about
20 us here (2-core VM), and reading a per-frame dict about 15 us more: the
block took 17-30k per-frame messages/s, depending on the machine's load.
Under a backlog the block sheds work (checked every BACKLOG_CHECK_EVERY
messages): beyond LABEL_ONLY_BACKLOG queued messages it reads only labels,
beyond SKIP_BACKLOG it drops messages unread and counts them as skipped
(shown). Beyond the hand-over's own rate
the queue still grows, so for higher frame rates thin the frames (the
classifier's hop) or feed the display per-batch messages (the classifier's
``classifications`` port): a batch of columns costs about as much as one
frame, whatever its size.
"""

import pmt
from gnuradio import gr
from PyQt5 import QtCore, QtGui, QtWidgets

from .classification_history import LABEL_ONLY, LITE, ClassificationHistory

PORT = "classification"
# Messages queued behind the one in hand from which on only labels are read,
# and from which on messages are dropped unread (counted as skipped): under a
# backlog the display sheds its own work (the module's doc says how far that
# goes); the backlog is looked at every BACKLOG_CHECK_EVERY messages.
LABEL_ONLY_BACKLOG = 2000
SKIP_BACKLOG = 50000
BACKLOG_CHECK_EVERY = 64


def _fmt_count(n):
    return "{:,}".format(n)


def _conf_colour(c):
    if not c == c:
        return "#808080"
    if c >= 0.8:
        return "#2e8b57"
    if c >= 0.5:
        return "#d08000"
    return "#c03030"


class ClassificationWidget(QtWidgets.QFrame):
    """The display. Lives on the GUI thread; ``request_redraw`` may be called
    from any thread (it only emits a signal)."""

    _wake = QtCore.pyqtSignal()
    _interval = QtCore.pyqtSignal(int)
    _title = QtCore.pyqtSignal(str)

    def __init__(self, core, title="", parent=None):
        QtWidgets.QFrame.__init__(self, parent)
        self.core = core
        self.redraws = 0
        self._colour = None
        self.setFrameShape(QtWidgets.QFrame.StyledPanel)

        layout = QtWidgets.QVBoxLayout(self)
        self.title_label = QtWidgets.QLabel(title)
        self.title_label.setVisible(bool(title))
        f = self.title_label.font()
        f.setBold(True)
        self.title_label.setFont(f)
        layout.addWidget(self.title_label)

        self.class_label = QtWidgets.QLabel("-")
        self.class_label.setAlignment(QtCore.Qt.AlignCenter)
        f = self.class_label.font()
        f.setPointSize(max(f.pointSize(), 9) * 3)
        f.setBold(True)
        self.class_label.setFont(f)
        self.class_label.setMinimumWidth(220)
        layout.addWidget(self.class_label)

        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Confidence"))
        self.confidence_bar = QtWidgets.QProgressBar()
        self.confidence_bar.setRange(0, 1000)
        self.confidence_bar.setValue(0)
        self.confidence_bar.setFormat("-")
        self.confidence_bar.setTextVisible(True)
        self.confidence_bar.setAlignment(QtCore.Qt.AlignCenter)
        row.addWidget(self.confidence_bar, 1)
        layout.addLayout(row)

        self.status_label = QtWidgets.QLabel("waiting for classifications")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        lists = QtWidgets.QHBoxLayout()
        col = QtWidgets.QVBoxLayout()
        col.addWidget(QtWidgets.QLabel("Recent (newest first)"))
        self.history_list = QtWidgets.QListWidget()
        self.history_list.setSelectionMode(QtWidgets.QAbstractItemView.NoSelection)
        self.history_list.setFocusPolicy(QtCore.Qt.NoFocus)
        col.addWidget(self.history_list)
        lists.addLayout(col, 3)
        col = QtWidgets.QVBoxLayout()
        col.addWidget(QtWidgets.QLabel("Totals"))
        self.totals_list = QtWidgets.QListWidget()
        self.totals_list.setSelectionMode(QtWidgets.QAbstractItemView.NoSelection)
        self.totals_list.setFocusPolicy(QtCore.Qt.NoFocus)
        col.addWidget(self.totals_list)
        lists.addLayout(col, 2)
        layout.addLayout(lists, 1)
        fixed = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.FixedFont)
        self.history_list.setFont(fixed)
        self.totals_list.setFont(fixed)

        self._wake.connect(self._on_wake, QtCore.Qt.QueuedConnection)
        self._interval.connect(self._on_interval, QtCore.Qt.QueuedConnection)
        self._title.connect(self._on_title, QtCore.Qt.QueuedConnection)
        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start(self._interval_ms(core.update_rate))

    # Any thread --------------------------------------------------------

    def request_redraw(self):
        self._wake.emit()

    def set_update_rate(self, update_rate):
        self._interval.emit(self._interval_ms(update_rate))

    def set_title(self, title):
        self._title.emit(str(title))

    # GUI thread ----------------------------------------------------------

    @staticmethod
    def _interval_ms(update_rate):
        return max(1, int(round(1000.0 / float(update_rate))))

    @QtCore.pyqtSlot()
    def _on_wake(self):
        self.redraw()

    @QtCore.pyqtSlot()
    def _on_tick(self):
        if self.core.redraw_due():
            self.redraw()
        else:  # nothing new: keep frames/s current
            self._draw_status(self.core.snapshot())

    @QtCore.pyqtSlot(int)
    def _on_interval(self, ms):
        self._timer.setInterval(ms)

    @QtCore.pyqtSlot(str)
    def _on_title(self, title):
        self.title_label.setText(title)
        self.title_label.setVisible(bool(title))

    def redraw(self):
        s = self.core.snapshot()
        self.redraws += 1
        last = s["last"]
        if last is not None:
            self.class_label.setText(last.label)
            c = last.confidence
            if c == c:
                self.confidence_bar.setValue(int(round(max(0.0, min(1.0, c)) * 1000)))
                self.confidence_bar.setFormat("%.1f %%" % (100.0 * c))
            else:
                self.confidence_bar.setValue(0)
                self.confidence_bar.setFormat("-")
            colour = _conf_colour(c)
            if colour != self._colour:
                self._colour = colour
                self.class_label.setStyleSheet("color: %s" % colour)
                self.confidence_bar.setStyleSheet(
                    "QProgressBar::chunk { background-color: %s; }" % colour)
        self._draw_status(s)
        self._fill(self.history_list, [self._run_text(r) for r in s["runs"]])
        n = max(1, s["frames"])
        self._fill(self.totals_list, ["%-8s %9s  %5.1f %%" % (label, _fmt_count(c), 100.0 * c / n)
                                      for label, c in s["counts"]])

    def _draw_status(self, s):
        if not s["messages"]:
            return
        parts = ["%s frames/s" % _fmt_count(int(round(s["rate"]))),
                 "%s frames" % _fmt_count(s["frames"]),
                 "%s changes" % _fmt_count(s["changes"])]
        last = s["last"]
        if last is not None:
            if last.latency == last.latency:
                parts.append("latency %.1f ms" % (1e3 * last.latency))
            if last.model >= 0:
                parts.append("model #%d" % last.model)
            if last.rx_time is not None:
                parts.append("rx_time %.6f s" % last.rx_time)
        if s["ignored"]:
            parts.append("%s ignored" % _fmt_count(s["ignored"]))
        if s["skipped"]:
            parts.append("%s skipped (backlog)" % _fmt_count(s["skipped"]))
        self.status_label.setText("  \u00b7  ".join(parts))

    @staticmethod
    def _run_text(r):
        text = "%-8s x%s" % (r.label, _fmt_count(r.count))
        c = r.mean_confidence
        if c == c:
            text += "   conf %.2f" % c
        if r.first_offset >= 0:
            text += "   @%d" % r.first_offset
        if r.rx_time is not None:
            text += "   t=%.3f s" % r.rx_time
        return text

    @staticmethod
    def _fill(widget, rows):
        while widget.count() > len(rows):
            widget.takeItem(widget.count() - 1)
        for i, text in enumerate(rows):
            item = widget.item(i)
            if item is None:
                widget.addItem(text)
            elif item.text() != text:
                item.setText(text)


class classification_display(gr.basic_block):
    """Shows the classifier's results in a QT GUI widget (``qwidget()``).

    history: label runs listed (a new row when the label changes);
    update_rate: redraws per second at most; title: shown above (empty: none).
    gui=False makes the block without a widget (no QApplication needed):
    it still counts, and ``summary()`` reports.
    """

    def __init__(self, history=10, update_rate=10.0, title="", parent=None, gui=True):
        gr.basic_block.__init__(self, name="classification_display", in_sig=None, out_sig=None)
        self.core = ClassificationHistory(history, update_rate)
        self._port = pmt.intern(PORT)
        self.message_port_register_in(self._port)
        self.set_msg_handler(self._port, self._handle)
        self._queue = self.to_basic_block()
        self._read = LITE
        self._since_check = BACKLOG_CHECK_EVERY
        self._widget = None
        if gui:
            if QtWidgets.QApplication.instance() is None:
                raise RuntimeError("classification_display needs a QApplication "
                                   "(a QT GUI flowgraph), or gui=False")
            self._widget = ClassificationWidget(self.core, title, parent)

    def _handle(self, msg):
        self._since_check += 1
        if self._since_check >= BACKLOG_CHECK_EVERY:  # (nmsgs costs about 6 us)
            self._since_check = 0
            backlog = self._queue.nmsgs(self._port)
            self._read = (None if backlog > SKIP_BACKLOG else
                          LABEL_ONLY if backlog > LABEL_ONLY_BACKLOG else LITE)
        if self._read is None:
            self.core.skip()
            return
        if self.core.add(msg, self._read) and self._widget is not None:
            try:
                self._widget.request_redraw()
            except RuntimeError:  # the widget is gone (window closed)
                self._widget = None

    def qwidget(self):
        return self._widget

    def set_update_rate(self, update_rate):
        self.core.set_update_rate(update_rate)
        if self._widget is not None:
            self._widget.set_update_rate(update_rate)

    def set_history(self, history):
        self.core.set_history(history)

    def set_title(self, title):
        if self._widget is not None:
            self._widget.set_title(title)

    def frames(self):
        return self.core.frames

    def counts(self):
        return self.core.counts()

    def snapshot(self):
        return self.core.snapshot()

    def summary(self):
        return self.core.summary()

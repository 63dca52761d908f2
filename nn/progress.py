"""A one-line progress bar on stderr (standard library only).

    epoch 3/10 [##########..........] 63/125  loss 0.2345  1,234 samples/s  ETA 0:05

It redraws the line in place with ``\\r`` at most ten times a second, and only when the stream
is a terminal: in a pipe, a log file or CI it stays silent (the caller prints one line per
epoch instead).
"""

import sys
import time

__all__ = ["ProgressBar", "format_seconds"]


def format_seconds(s):
    """``65.2`` → ``"1:05"``, ``3725`` → ``"1:02:05"``."""
    s = max(0, int(round(s)))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


class ProgressBar:
    """``bar.update(i, total, loss, samples)`` after each batch; ``bar.close()`` at the end."""

    def __init__(self, enabled=True, stream=None, width=20, interval=0.1):
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(enabled) and bool(isatty and isatty())
        self.width = width
        self.interval = interval
        self.prefix = ""
        self._start = self._last = 0.0
        self._drawn = False

    def start(self, prefix):
        """Begin a new pass (e.g. one epoch) labelled ``prefix``."""
        self.prefix = prefix
        self._start = time.perf_counter()
        self._last = 0.0

    def update(self, done, total, loss, samples):
        """``done`` of ``total`` batches finished, running mean ``loss``, ``samples`` seen."""
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < total and now - self._last < self.interval:
            return
        self._last = now
        elapsed = max(now - self._start, 1e-9)
        rate = samples / elapsed
        eta = elapsed * (total - done) / done if done else 0.0
        fill = self.width * done // max(total, 1)
        bar = "#" * fill + "." * (self.width - fill)
        line = (f"{self.prefix} [{bar}] {done}/{total}  loss {loss:.4f}  "
                f"{rate:,.0f} samples/s  ETA {format_seconds(eta)}")
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self):
        """Erase the bar so the next line starts clean."""
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False

"""Atomic file writes, shared by everything in chainrule that saves a file.

A reader (or a crash) never sees half a file: the bytes go to a temporary file in the same
directory, are flushed to disk, and the temporary file is renamed over the target with
``os.replace``, which is atomic on POSIX and Windows.
"""

import os
import secrets


def atomic_write(path, raw):
    """Write ``raw`` bytes (or str, as UTF-8) to ``path`` atomically.

    The temporary file is created with mode 0o666 minus the umask, like a plain ``open``,
    so the result has ordinary permissions. On any error the temporary file is removed and
    the target is left as it was.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    tmp_name = f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    tmp = os.path.join(directory, tmp_name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path

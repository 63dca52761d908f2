"""Run folders of ``chainrule mnist``: numbered, never overwritten, locked while in use.

A *runs folder* (``--out``, default ``runs/mnist``) holds one numbered folder per run::

    runs/mnist/1/   model.json  checkpoint.json  history.json  curve.svg
    runs/mnist/2/   ...
    runs/mnist/latest           the text "2": the newest run that saved an epoch

A new run takes the next number (``os.mkdir`` is atomic, so two runs started at once get two
numbers) and never touches another run's files. ``latest`` is a small text file rather than a
symbolic link because it works everywhere: Windows needs special rights for symlinks, FAT/exFAT
drives and some network and synced folders cannot hold them, and it is replaced atomically like
every other file chainrule writes. :func:`resolve_run` turns what the user names (a run folder,
a runs folder, or a file) into the run it means, for ``--resume`` and ``chainrule predict``.

While a run trains, its folder is locked (:class:`RunLock`): a second ``chainrule mnist
--resume`` of the same run is refused with the holder's pid, host and start time. The lock is a
kernel lock (``flock``) on ``.lock`` in the run folder, so a process that is killed releases it
and the next run takes it over safely; the file itself is removed at the end of a run.
"""

import errno
import json
import os
import socket
import time

from autograd.errors import ChainruleError
from autograd.fileio import atomic_write, read_bytes

try:
    import fcntl
except ImportError:                 # Windows: an exclusive lock file instead (see RunLock)
    fcntl = None

__all__ = ["RunFolderError", "RunLocked", "RunLock", "new_run", "set_latest", "resolve_run",
           "LATEST", "LOCK_NAME"]

LATEST = "latest"
LOCK_NAME = ".lock"


class RunFolderError(ChainruleError, ValueError):
    """A runs folder or run folder that cannot be used as asked (says what to do)."""


class RunLocked(RunFolderError):
    """The run folder is in use by another process (``holder``: what its lock file says)."""


def run_numbers(parent):
    """The numbers of the run folders in ``parent``, ascending."""
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    return sorted(int(n) for n in names
                  if n.isdigit() and n == str(int(n)) and os.path.isdir(os.path.join(parent, n)))


def new_run(parent):
    """Create ``parent/N`` for the next free number N (1 for the first run) and return it."""
    os.makedirs(parent, exist_ok=True)
    n = (run_numbers(parent) or [0])[-1] + 1
    while True:
        folder = os.path.join(parent, str(n))
        try:
            os.mkdir(folder)
        except FileExistsError:           # another run took it first, or a file of that name
            n += 1
            continue
        return folder


def set_latest(parent, folder):
    """Point ``parent/latest`` at the run ``folder`` (atomically)."""
    atomic_write(os.path.join(parent, LATEST), os.path.basename(folder) + "\n")


def _latest(parent):
    """The run folder ``parent/latest`` names, or None if there is no ``latest`` file."""
    pointer = os.path.join(parent, LATEST)
    if not os.path.isfile(pointer):
        return None
    name = read_bytes(pointer, 64, "latest pointer").decode("ascii", "replace").strip()
    folder = os.path.join(parent, name)
    if not name.isdigit() or not os.path.isdir(folder):
        raise RunFolderError(f"{pointer} names run {name!r}, which is not a run folder in "
                             f"{parent}; give the run folder itself (e.g. {parent}/1)")
    return folder


def resolve_run(path, filenames):
    """The file of the run ``path`` names: the first of ``filenames`` (e.g. ``"model.json"``,
    or ``("model.json", "model.safetensors")``) that the run folder holds.

    ``path`` may be that file, a run folder, or a runs folder (its ``latest`` run, even if the
    folder also holds the files of a run from before numbered runs). Returns
    ``(file path, run folder, how)`` where ``how`` is ``"latest"`` when the run was found
    through the ``latest`` pointer, else ``"given"``. Raises FileNotFoundError (with a message
    saying what was looked for) when there is no such run.
    """
    path = os.fspath(path)
    names = (filenames,) if isinstance(filenames, str) else tuple(filenames)
    wanted = " or ".join(names)
    if not os.path.isdir(path):
        if os.path.exists(path):
            return path, os.path.dirname(path) or ".", "given"
        raise FileNotFoundError(f"{path} does not exist (train one with chainrule mnist)")
    folder = _latest(path)
    if folder is None:
        found = _first(path, names)
        if found:
            return found, path, "given"
        runs = run_numbers(path)
        hint = (f"; its runs are {', '.join(map(str, runs))}: give one, e.g. {path}/{runs[-1]}"
                if runs else " (train one with chainrule mnist)")
        raise FileNotFoundError(f"{path} holds no {wanted} and no {LATEST} run{hint}")
    found = _first(folder, names)
    if not found:
        raise FileNotFoundError(f"{folder} (the {LATEST} run of {path}) holds no {wanted}")
    return found, folder, "latest"


def _first(folder, names):
    for name in names:
        candidate = os.path.join(folder, name)
        if os.path.exists(candidate):
            return candidate
    return None


def holds_a_run(folder):
    """True if ``folder`` is a run folder: it holds a run's files and no ``latest`` pointer."""
    return (not os.path.exists(os.path.join(folder, LATEST))
            and any(os.path.exists(os.path.join(folder, f))
                    for f in ("checkpoint.json", "model.json")))


class RunLock:
    """An exclusive lock on a run folder, held from :meth:`acquire` to :meth:`release` (or as
    a context manager). ``RunLock(folder).acquire()`` raises :class:`RunLocked` naming the
    holder when another process (or another lock in this one) holds it.

    With ``fcntl`` (Linux, macOS, BSD): ``flock`` on ``folder/.lock``; the kernel drops it when
    its process ends, however it ends, so a stale file from a killed run is simply locked
    again. After locking, the file is checked to still be the one at that path (a holder that
    released it between our ``open`` and ``flock`` has unlinked it; then try again). Without
    ``fcntl`` the lock file is created exclusively and a stale one must be deleted by hand
    (the message says so).
    """

    def __init__(self, folder, command=""):
        self.folder = os.fspath(folder)
        self.path = os.path.join(self.folder, LOCK_NAME)
        self.command = command
        self.fd = None

    def acquire(self):
        while self.fd is None:
            if fcntl is None:
                self.fd = self._create_exclusive()
                break
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                holder = _holder(fd)
                os.close(fd)
                if e.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                raise RunLocked(self._message(holder)) from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
            else:
                os.close(fd)
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": time.strftime("%Y-%m-%d %H:%M:%S %z"), "command": self.command}
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        os.write(self.fd, json.dumps(info).encode())
        return self

    def _create_exclusive(self):
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            with open(self.path, "rb") as f:
                holder = _describe(f.read(4096))
            raise RunLocked(self._message(holder) + f"; if that process is gone, delete "
                                                    f"{self.path}") from None

    def _message(self, holder):
        return f"{self.folder} is in use by {holder}; wait for it to end, or use another run"

    def release(self):
        if self.fd is not None:
            try:
                os.unlink(self.path)            # while still locked: see acquire
            except OSError:
                pass
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def _holder(fd):
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return _describe(os.read(fd, 4096))
    except OSError:
        return "another process"


def _describe(raw):
    """'pid 123 on host h since 2025-01-01 12:00:00 +0000 (command)' from a lock file."""
    try:
        info = json.loads(raw.decode("utf-8"))
        text = f"pid {int(info['pid'])} on host {info['host']} since {info['started']}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return "another chainrule process (starting up)"
    command = info.get("command")
    return text + (f" ({command})" if isinstance(command, str) and command else "")

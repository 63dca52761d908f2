"""Files: writes that go through to what the user named, reads with a size cap.

Every file chainrule saves (``chainrule graph -o``, ``--frames``, ``Module.save``, the files of
``chainrule mnist``) goes through :func:`atomic_write`, and every file it parses (model files,
checkpoints, IDX datasets, PNG images) is read with :func:`read_bytes`.

Writing: what the path names, changed the way the user means
    * a **symbolic link** is followed (through any chain of links) and its *target* is
      written; the link stays a link.
    * a **regular file** that exists keeps its permission bits (a 0600 file stays 0600) and,
      where the process may set it, its owner and group.
    * anything that is **not a regular file** (a directory, a FIFO, a device such as
      ``/dev/full``, a socket) is refused with :class:`NotRegularFileError`; it is never
      replaced by a regular file.
    * otherwise the bytes go to a temporary file in the target's directory, are flushed to
      disk (``fsync``) and the temporary file is renamed over the target (``os.replace``,
      atomic on POSIX and Windows): a reader, or a crash, sees the old file or the new one,
      never half a file.
    * two cases cannot be atomic, and are written **in place** instead (the same inode:
      truncate and write), after reserving the space with ``posix_fallocate`` where the
      system has it, so a full disk is found before the first byte changes: a file with
      **several hard links** (a rename would give the one name a new file and leave the other
      names on the old content), and a writable file in a **directory the process may not
      write** (where no temporary file can be made). A crash during such a write can leave
      the file partly written.

Temporary files are named ``.NAME.chainrule-HOST-PID-XXXXXXXX.tmp`` (``HOST``, ``PID``: the
machine and the process writing it). A ``kill -9`` during a write leaves one behind;
:func:`remove_stale_temp_files` removes those of this machine whose process is gone, and only
those.

Reading: :func:`read_bytes` refuses what is not a regular file *before* reading (``/dev/zero``
would be read forever, a FIFO would block until a writer comes) and reads at most ``limit``
bytes, checked against the file's size first, so a huge file fails in one line instead of
filling memory.
"""

import errno
import os
import re
import secrets
import socket
import stat

from .errors import ChainruleError

__all__ = ["atomic_write", "read_bytes", "remove_stale_temp_files", "NotRegularFileError",
           "NotRegularDirectoryError", "FileTooLargeError", "TEMP_NAME"]

TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.chainrule-(?P<host>[A-Za-z0-9-]{1,32})-(?P<pid>\d+)"
                       r"-[0-9a-f]{8}\.tmp$")
_O_BINARY = getattr(os, "O_BINARY", 0)
# This machine's name as it appears in temporary file names (letters, digits and '-').
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32] or "host"
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class NotRegularFileError(ChainruleError, OSError):
    """A path that names a directory, a FIFO, a device or a socket where chainrule reads or
    writes a regular file. ``filename`` is the path, ``strerror`` says what it is."""

    def __init__(self, path, kind, target=None):
        via = f" (a link to {target})" if target and os.path.islink(path) else ""
        code = errno.EISDIR if kind == "a directory" else errno.EINVAL
        super().__init__(code, f"it is {kind}{via}, not a regular file", path)

    def __str__(self):
        return f"{self.filename}: {self.strerror}"


class NotRegularDirectoryError(NotRegularFileError, IsADirectoryError):
    """A :class:`NotRegularFileError` for a directory: also an ``IsADirectoryError``, so code
    that catches that keeps working."""


def _not_regular(path, mode, target=None):
    kind = _kind(mode)
    cls = NotRegularDirectoryError if stat.S_ISDIR(mode) else NotRegularFileError
    return cls(path, kind, target)


class FileTooLargeError(ChainruleError, OSError):
    """A file larger than what chainrule reads for its kind (``limit`` bytes)."""

    def __init__(self, path, size, limit, what):
        super().__init__(errno.EFBIG, f"the {what} is {_human(size)}, more than the "
                                      f"{_human(limit)} chainrule reads for a {what}", path)
        self.size, self.limit = size, limit

    def __str__(self):
        return f"{self.filename}: {self.strerror}"


def _human(n):
    for unit, size in (("GB", 10 ** 9), ("MB", 10 ** 6), ("kB", 10 ** 3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def _kind(mode):
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


# ---- writing -----------------------------------------------------------------------------------

def atomic_write(path, raw):
    """Write ``raw`` bytes (or str, as UTF-8) to the file ``path`` names; returns ``path``.

    Symbolic links are followed, an existing file keeps its mode (and owner where allowed), a
    non-regular file raises :class:`NotRegularFileError`; the write is atomic (temporary file,
    ``fsync``, ``os.replace``) except for a file with several hard links or in a read-only
    directory, which is written in place (see the module docstring). On any error the
    temporary file is removed and the target is as it was. Errors name ``path``.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    path = os.fspath(path)
    target = os.path.realpath(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise _not_regular(path, st.st_mode, target)
    if st is not None and st.st_nlink > 1:
        return _write_in_place(target, raw, path)
    directory = os.path.dirname(target)
    tmp = os.path.join(directory, f".{os.path.basename(target)[:100]}.chainrule-{_HOST}-"
                                  f"{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
    except PermissionError as e:
        if st is not None and os.access(target, os.W_OK):      # read-only dir, writable file
            return _write_in_place(target, raw, path)
        raise PermissionError(e.errno, e.strerror, path) from None
    except OSError as e:
        raise type(e)(e.errno, e.strerror, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if st is not None:
                _keep_owner_and_mode(f.fileno(), tmp, st)
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError) and e.filename in (None, tmp):
            raise type(e)(e.errno, e.strerror, path) from None
        raise
    _fsync_directory(directory)
    return path


def _keep_owner_and_mode(fd, tmp, st):
    """Give the temporary file the owner, group and permission bits of the file it replaces
    (owner first: ``chown`` clears set-user-ID bits). An owner the process may not set (not
    root) is left as it is."""
    if hasattr(os, "fchown") and (st.st_uid, st.st_gid) != os.fstat(fd)[4:6]:
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except OSError:
            pass
    mode = stat.S_IMODE(st.st_mode)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:                                   # Windows: only the read-only bit exists
        os.chmod(tmp, mode)


def _write_in_place(target, raw, path):
    """Overwrite ``target`` keeping its inode (hard links, owner, mode stay): reserve the space
    first where ``posix_fallocate`` exists (a full disk fails before anything changes), then
    write, cut to length and ``fsync``. Not atomic."""
    try:
        fd = os.open(target, os.O_WRONLY | _O_BINARY)
    except OSError as e:
        raise type(e)(e.errno, e.strerror, path) from None
    try:
        if hasattr(os, "posix_fallocate") and raw:
            try:
                os.posix_fallocate(fd, 0, len(raw))
            except OSError as e:
                if e.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise
        view = memoryview(raw)
        done = 0
        while done < len(raw):
            done += os.write(fd, view[done:])
        os.ftruncate(fd, len(raw))
        os.fsync(fd)
    except OSError as e:
        raise type(e)(e.errno, e.strerror, path) from None
    finally:
        os.close(fd)
    return path


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temp_files(directory):
    """Delete the temporary files that writes killed mid-way left in ``directory``: names
    matching :data:`TEMP_NAME` written on this machine (``HOST``) by a process ``PID`` that no
    longer runs. Files of running processes or of other machines (a shared folder), and every
    other file, are left alone. Returns the names removed."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    removed = []
    for name in sorted(names):
        m = TEMP_NAME.match(name)
        if m is None or m["host"] != _HOST or _running(int(m["pid"])):
            continue
        full = os.path.join(directory, name)
        try:
            if stat.S_ISREG(os.lstat(full).st_mode):
                os.unlink(full)
                removed.append(name)
        except OSError:
            pass
    return removed


def _running(pid):
    """Whether process ``pid`` exists (signal 0 tests without signalling). Where that test is
    not available (Windows, where ``os.kill`` would end the process), assume it runs."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:                 # EPERM: it exists, under another user
        return True
    return True


# ---- reading -----------------------------------------------------------------------------------

def read_bytes(path, limit, what="file"):
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises :class:`NotRegularFileError` for a directory, FIFO, device or socket (checked before
    opening, and again on the open file, which is opened non-blocking so a FIFO cannot hang
    it), :class:`FileTooLargeError` (``what`` names the kind of file) when the file is larger
    than ``limit`` or grows past it while being read, and the usual ``OSError`` otherwise.
    """
    path = os.fspath(path)
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(path, st.st_mode, os.path.realpath(path))
    if st.st_size > limit:
        raise FileTooLargeError(path, st.st_size, limit, what)
    fd = os.open(path, os.O_RDONLY | _O_BINARY | _O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):         # replaced between the two checks
            raise _not_regular(path, st.st_mode)
        raw = f.read(limit + 1)
    if len(raw) > limit:
        raise FileTooLargeError(path, len(raw), limit, what)
    return raw

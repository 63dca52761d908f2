"""autograd.fileio: writes go through to what the path names (links followed, mode and hard
links kept, non-regular files refused), reads are capped, stale temporary files are removed."""

import errno
import os
import socket
import stat
import subprocess
import sys

import pytest

from autograd.fileio import (TEMP_NAME, FileTooLargeError, NotRegularFileError, atomic_write,
                             read_bytes, remove_stale_temp_files)

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, sockets and modes are POSIX")


def leftovers(directory):
    return [n for n in os.listdir(directory) if TEMP_NAME.match(n)]


def test_a_new_file_is_written_and_no_temporary_file_stays(tmp_path):
    target = tmp_path / "a.txt"
    assert atomic_write(target, "héllo") == os.fspath(target)
    assert target.read_bytes() == "héllo".encode()
    atomic_write(target, b"second")
    assert target.read_bytes() == b"second" and leftovers(tmp_path) == []


@posix_only
def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    chain = tmp_path / "chain.json"
    chain.symlink_to(link)
    atomic_write(chain, "new")
    assert link.is_symlink() and chain.is_symlink()
    assert real.read_text() == "new" and os.readlink(chain) == str(link)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "made-by-the-write")
    atomic_write(dangling, "x")
    assert dangling.is_symlink() and (tmp_path / "made-by-the-write").read_text() == "x"


@posix_only
def test_an_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "secret.json"
    target.write_text("old")
    target.chmod(0o600)
    atomic_write(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_text() == "new"
    target.chmod(0o640)
    atomic_write(target, "newer")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@posix_only
def test_a_new_file_gets_the_umask_mode_like_open(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "n", "x")
        with open(tmp_path / "m", "w") as f:
            f.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "n").stat().st_mode) == stat.S_IMODE(
        (tmp_path / "m").stat().st_mode) == 0o640


@posix_only
def test_hard_links_keep_sharing_the_file(tmp_path):
    a = tmp_path / "a.json"
    a.write_text("old content")
    b = tmp_path / "b.json"
    os.link(a, b)
    inode = a.stat().st_ino
    atomic_write(a, "new")
    assert a.read_text() == b.read_text() == "new"
    assert a.stat().st_ino == b.stat().st_ino == inode and a.stat().st_nlink == 2
    atomic_write(b, "a longer content than before")
    assert a.read_text() == "a longer content than before" and leftovers(tmp_path) == []


@posix_only
def test_a_hard_linked_file_is_unchanged_when_the_space_cannot_be_reserved(tmp_path,
                                                                            monkeypatch):
    a = tmp_path / "a.json"
    a.write_text("old")
    os.link(a, tmp_path / "b.json")

    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full, raising=False)
    with pytest.raises(OSError) as e:
        atomic_write(a, "new")
    assert e.value.errno == errno.ENOSPC and e.value.filename == str(a)
    assert a.read_text() == "old"


@posix_only
@pytest.mark.parametrize("kind", ["fifo", "socket", "directory"])
def test_non_regular_files_are_refused_and_left_as_they_are(kind, tmp_path):
    target = tmp_path / "thing"
    if kind == "fifo":
        os.mkfifo(target)
        check, what = stat.S_ISFIFO, "it is a FIFO (named pipe), not a regular file"
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(target))
        s.close()
        check, what = stat.S_ISSOCK, "it is a socket, not a regular file"
    else:
        target.mkdir()
        check, what = stat.S_ISDIR, "it is a directory, not a regular file"
    link = tmp_path / "link"
    link.symlink_to(target)
    for path in (target, link):
        with pytest.raises(NotRegularFileError) as e:
            atomic_write(path, "data")
        assert isinstance(e.value, OSError) and e.value.filename == str(path)
        assert e.value.strerror.startswith(what.split(", not")[0])
        assert check(os.stat(target).st_mode) and leftovers(tmp_path) == []
    assert str(e.value) == f"{link}: {what.split(', not')[0]} (a link to {target}), " \
                           "not a regular file"


@posix_only
def test_a_device_node_is_refused(tmp_path):
    node = tmp_path / "full"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))      # like /dev/full
    except (PermissionError, OSError) as e:
        pytest.skip(f"cannot make a device node here: {e}")
    with pytest.raises(NotRegularFileError, match="it is a character device, not a regular"):
        atomic_write(node, "svg")
    assert stat.S_ISCHR(node.lstat().st_mode)


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "m.json"
    target.write_text("good")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as e:
        atomic_write(target, "new")
    assert e.value.errno == errno.ENOSPC and e.value.filename == str(target)
    assert target.read_text() == "good" and leftovers(tmp_path) == []


def test_a_writable_file_in_a_read_only_directory_is_written_in_place(tmp_path, monkeypatch):
    target = tmp_path / "m.json"
    target.write_text("old")
    real_open = os.open

    def no_new_files(path, flags, *mode):
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_open(path, flags, *mode)

    monkeypatch.setattr(os, "open", no_new_files)
    atomic_write(target, "new")
    assert target.read_text() == "new"
    with pytest.raises(PermissionError) as e:
        atomic_write(tmp_path / "other.json", "x")
    assert e.value.filename == str(tmp_path / "other.json")       # not the temporary name


def test_module_save_writes_through_a_symlink(tmp_path):
    from nn import MLP

    real = tmp_path / "real.json"
    link = tmp_path / "model.json"
    real.write_text("{}")
    link.symlink_to(real)
    model = MLP(2, [2, 1])
    model.save(link)
    assert link.is_symlink()
    assert MLP(2, [2, 1], seed=5).load(real).state_dict() == model.state_dict()


@posix_only
def test_chainrule_graph_refuses_to_replace_a_fifo(tmp_path, capsys):
    from nn.apps.cli import main

    fifo = tmp_path / "out.dot"
    os.mkfifo(fifo)
    assert main(["graph", "x*x", "--at", "x=2", "-o", str(fifo), "--format", "dot"]) == 2
    err = capsys.readouterr().err
    assert err == (f"chainrule graph: error: {fifo}: it is a FIFO (named pipe), not a regular "
                   "file\n")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


# ---- reading ---------------------------------------------------------------------------------

def test_read_bytes_reads_a_file_up_to_its_limit(tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"12345")
    assert read_bytes(f, 5) == b"12345"
    with pytest.raises(FileTooLargeError) as e:
        read_bytes(f, 4, "model file")
    assert str(e.value) == (f"{f}: the model file is 5 bytes, more than the 4 bytes chainrule "
                            "reads for a model file")
    assert isinstance(e.value, OSError) and e.value.errno == errno.EFBIG


@posix_only
def test_read_bytes_refuses_dev_zero_and_a_fifo_without_hanging(tmp_path):
    with pytest.raises(NotRegularFileError, match="character device"):
        read_bytes("/dev/zero", 100)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFileError, match=r"FIFO \(named pipe\)"):
        read_bytes(fifo, 100)
    with pytest.raises(NotRegularFileError, match="it is a directory") as e:
        read_bytes(tmp_path, 100)
    assert isinstance(e.value, IsADirectoryError)         # what code reading files catches


# ---- stale temporary files -------------------------------------------------------------------

def written_temp_name(directory):
    """The name of the temporary file atomic_write uses in ``directory`` (seen through a
    failing fsync, which leaves nothing behind)."""
    seen = []
    real = os.fsync

    def spy(fd):
        seen.extend(n for n in os.listdir(directory) if TEMP_NAME.match(n))
        return real(fd)

    os.fsync = spy
    try:
        atomic_write(os.path.join(directory, "probe"), "x")
    finally:
        os.fsync = real
    return seen[0]


@posix_only
def test_stale_temporary_files_of_dead_processes_are_removed_and_nothing_else(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    host = TEMP_NAME.match(written_temp_name(tmp_path))["host"]     # this machine's part
    stale = f".model.json.chainrule-{host}-{dead_pid}-0123abcd.tmp"
    live = f".model.json.chainrule-{host}-{os.getpid()}-0123abcd.tmp"
    parent = f".model.json.chainrule-{host}-{os.getppid()}-89abcdef.tmp"
    others = ["model.json", "probe", f".model.json.{dead_pid}.0123abcd.tmp", "notes.tmp",
              f".x.chainrule-{host}-{dead_pid}-XYZ.tmp",
              f".model.json.chainrule-other-machine-{dead_pid}-0123abcd.tmp"]
    for name in (stale, live, parent, *others):
        (tmp_path / name).write_text("x")
    (tmp_path / f".d.chainrule-{host}-{dead_pid}-00000000.tmp").mkdir()   # not a file: kept
    assert remove_stale_temp_files(tmp_path) == [stale]
    assert sorted(os.listdir(tmp_path)) == sorted(
        [live, parent, *others, f".d.chainrule-{host}-{dead_pid}-00000000.tmp"])
    assert remove_stale_temp_files(tmp_path / "missing") == []

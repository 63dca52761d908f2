"""nn.apps.run_folder: numbered run folders, the latest pointer, and the run-folder lock."""

import json
import os
import signal
import socket
import subprocess
import sys

import pytest

import nn.apps.run_folder as rf
from nn.apps.run_folder import (RunFolderError, RunLock, RunLocked, new_run, resolve_run,
                           set_latest)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_runs_are_numbered_and_never_reuse_a_folder(tmp_path):
    runs = tmp_path / "runs"
    assert new_run(runs) == str(runs / "1")
    assert new_run(runs) == str(runs / "2")
    (runs / "7").mkdir()
    (runs / "notes").mkdir()
    (runs / "08").mkdir()                      # not a run number
    assert new_run(runs) == str(runs / "8")
    (runs / "9").write_text("a file in the way")
    assert new_run(runs) == str(runs / "10")


def test_resolve_run_takes_a_file_a_run_folder_or_a_runs_folder(tmp_path):
    runs = tmp_path / "runs"
    one, two = new_run(runs), new_run(runs)
    for folder in (one, two):
        open(os.path.join(folder, "model.json"), "w").close()
    set_latest(runs, one)
    assert (runs / "latest").read_text() == "1\n"
    assert resolve_run(runs, "model.json") == (os.path.join(one, "model.json"), one, "latest")
    assert resolve_run(two, "model.json") == (os.path.join(two, "model.json"), two, "given")
    direct = os.path.join(two, "model.json")
    assert resolve_run(direct, "model.json") == (direct, two, "given")
    open(os.path.join(two, "model.safetensors"), "w").close()
    os.unlink(direct)
    assert resolve_run(two, ("model.json", "model.safetensors"))[0] == os.path.join(
        two, "model.safetensors")


def test_resolve_run_says_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope does not exist \(train one"):
        resolve_run(tmp_path / "nope", "model.json")
    runs = tmp_path / "runs"
    new_run(runs)
    new_run(runs)
    with pytest.raises(FileNotFoundError, match=r"holds no checkpoint.json and no latest run; "
                                                r"its runs are 1, 2: give one, e.g. .*/2"):
        resolve_run(runs, "checkpoint.json")
    set_latest(runs, str(runs / "2"))
    with pytest.raises(FileNotFoundError, match=r"2 \(the latest run of .*\) holds no "
                                                r"checkpoint.json"):
        resolve_run(runs, "checkpoint.json")
    (runs / "latest").write_text("../../etc\n")
    with pytest.raises(RunFolderError, match=r"names run '../../etc', which is not a run "
                                             r"folder"):
        resolve_run(runs, "checkpoint.json")


def test_a_second_lock_says_who_holds_the_first(tmp_path):
    with RunLock(tmp_path, "chainrule mnist --epochs 3"):
        info = json.loads((tmp_path / ".lock").read_text())
        assert info["pid"] == os.getpid() and info["host"] == socket.gethostname()
        with pytest.raises(RunLocked) as e:
            RunLock(tmp_path).acquire()
        assert str(e.value) == (f"{tmp_path} is in use by pid {os.getpid()} on host "
                                f"{socket.gethostname()} since {info['started']} (chainrule "
                                "mnist --epochs 3); wait for it to end, or use another run")
    assert not (tmp_path / ".lock").exists()            # released and removed
    with RunLock(tmp_path):                             # and free again
        pass


@pytest.mark.skipif(os.name != "posix", reason="kill -9 of a child process")
def test_the_lock_of_a_killed_process_is_taken_over(tmp_path):
    code = ("import sys, time; sys.path.insert(0, sys.argv[2]); from nn.apps.run_folder import "
            "RunLock; RunLock(sys.argv[1], 'victim').acquire(); print('locked', flush=True); "
            "time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path), ROOT],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "locked\n"
        with pytest.raises(RunLocked, match=rf"pid {child.pid} on host .* \(victim\)"):
            RunLock(tmp_path).acquire()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert json.loads((tmp_path / ".lock").read_text())["pid"] == child.pid   # left behind
    with RunLock(tmp_path, "next"):
        assert json.loads((tmp_path / ".lock").read_text())["command"] == "next"


def test_without_fcntl_an_exclusive_lock_file_is_used(tmp_path, monkeypatch):
    monkeypatch.setattr(rf, "fcntl", None)
    lock = RunLock(tmp_path, "first").acquire()
    try:
        with pytest.raises(RunLocked, match=r"\(first\); wait for it to end, or use another "
                                            r"run; if that process is gone, delete .*\.lock"):
            RunLock(tmp_path).acquire()
    finally:
        lock.release()
    RunLock(tmp_path).acquire().release()

"""nn.parallel.HiddenSplit and ``chainrule mnist --workers N``: the same training as one
process (bit for bit with one worker, within float rounding with two), checkpoints and resume
in the full model's format, clear errors, and no worker process left behind."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from nn.apps.cli import main
from nn.data import load_mnist
from nn.linear import TensorMLP
from nn.optim import SGD, Adam
from nn.parallel import HiddenSplit, WorkerError, split_sizes
from nn.train import batch_inputs, fit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--limit", "256", "--test-limit", "200", "--hidden", "16", "--batch-size", "64"]
# Two workers sum h·W2 in another order than one process: the logits differ by rounding
# (~1e-16) and training amplifies it. Measured on these runs: loss differences <= 4e-15.
LOSS_TOL = 1e-9


@pytest.fixture(scope="module")
def data():
    return load_mnist("train")[:256], load_mnist("test")[:200]


def children():
    """Pids of this process's live children (Linux /proc); None where there is no /proc."""
    if not os.path.isdir("/proc/self/task"):
        return None
    me, out = os.getpid(), set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            out.add(int(pid))
    return out


def train(data, workers, make_opt, epochs=2, checkpoint=None, resume=False, on_batch=None):
    model = TensorMLP(784, [16], 10, seed=1)
    opt = make_opt(model.parameters())
    if workers == 0:                               # the plain one-process path
        result = fit(model, *data, epochs, 64, opt, progress=False, checkpoint=checkpoint,
                     resume=resume, on_batch=on_batch)
    else:
        with HiddenSplit(model, opt, workers) as hs:
            result = fit(hs.model, *data, epochs, 64, hs.optimizer, progress=False,
                         checkpoint=checkpoint, resume=resume, on_batch=on_batch)
            hs.sync()
    return result, [list(p.data) for p in model.parameters()], opt.state_dict()


OPTIMIZERS = {"sgd-momentum": lambda p: SGD(p, lr=0.1, momentum=0.9),
              "sgd": lambda p: SGD(p, lr=0.1),
              "adam": lambda p: Adam(p, lr=0.003)}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_one_worker_is_the_one_process_arithmetic_bit_for_bit(data, name):
    plain = train(data, 0, OPTIMIZERS[name])
    split = train(data, 1, OPTIMIZERS[name])
    assert split[1] == plain[1] and split[2] == plain[2]
    assert [r["loss"] for r in split[0].history] == [r["loss"] for r in plain[0].history]


@pytest.mark.parametrize("name", ["sgd-momentum", "adam"])
def test_two_workers_follow_the_same_loss_curve(data, name):
    before = children()
    one = train(data, 0, OPTIMIZERS[name])
    two = train(data, 2, OPTIMIZERS[name])
    for a, b in zip(one[0].history, two[0].history):
        assert abs(a["loss"] - b["loss"]) <= LOSS_TOL
        assert abs(a["test_loss"] - b["test_loss"]) <= LOSS_TOL
        assert a["test_acc"] == b["test_acc"] and a["train_acc"] == b["train_acc"]
    assert max(abs(x - y) for p, q in zip(one[1], two[1]) for x, y in zip(p, q)) < 1e-9
    assert two[2]["steps"] == one[2]["steps"] == 8
    if before is not None:
        assert children() == before                # the worker exited with the with-block


def test_checkpoints_resume_exactly_and_across_worker_counts(data, tmp_path):
    make = OPTIMIZERS["sgd-momentum"]
    full = train(data, 2, make, epochs=3)
    ck = tmp_path / "ck.json"
    train(data, 2, make, epochs=2, checkpoint=ck)
    doc = json.loads(ck.read_text())                # the full model's format
    assert doc["model"]["architecture"] == TensorMLP(784, [16], 10).architecture()
    assert len(doc["optimizer"]["buffers"]["velocity"][0]) == 784 * 16
    resumed = train(data, 2, make, epochs=3, checkpoint=ck, resume=True)
    assert resumed[1] == full[1] and resumed[2] == full[2]
    ck2 = tmp_path / "ck2.json"
    train(data, 2, make, epochs=2, checkpoint=ck2)
    one = train(data, 1, make, epochs=3, checkpoint=ck2, resume=True)    # 2 workers, then 1
    assert abs(one[0].history[-1]["loss"] - full[0].history[-1]["loss"]) <= LOSS_TOL


def test_a_failing_worker_is_reported_and_the_pipes_stay_in_step(data):
    model = TensorMLP(784, [16], 10, seed=1)
    with HiddenSplit(model, SGD(model.parameters(), lr=0.1), 2) as hs:
        with pytest.raises(WorkerError, match=r"(?s)worker 1 failed:.*SparseRows"):
            hs._all("forward", [(("sparse", [("bad",)], 784), True)], local=False)
        logits = hs.model(batch_inputs(data[0], range(8)))
        assert logits.shape == (8, 10)              # the next request still works
        hs.procs[0].kill()
        hs.procs[0].wait()
        with pytest.raises(WorkerError, match="worker 1 exited unexpectedly|is gone"):
            hs.model(batch_inputs(data[0], range(8)))
    assert all(p.poll() is not None for p in hs.procs)


def test_ctrl_c_in_fit_stops_the_workers(data):
    before = children()

    def interrupt(epoch, batch, loss):
        if batch == 2:
            raise KeyboardInterrupt

    result = train(data, 2, OPTIMIZERS["sgd"], on_batch=interrupt)[0]
    assert result.interrupted
    if before is not None:
        assert children() == before


def test_bad_worker_counts_are_refused(tmp_path, capsys):
    for bad in ("0", "-1", "1.5", "two"):
        assert_exit = pytest.raises(SystemExit)
        with assert_exit as e:
            main(["mnist", *TINY, "--workers", bad, "--out", str(tmp_path / "r")])
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert "--workers" in err and "positive integer" in err and repr(bad) in err
    assert main(["mnist", *TINY, "--hidden", "16", "8", "--workers", "2",
                 "--out", str(tmp_path / "r")]) == 2
    assert "--hidden 16 8 has 2 layers: use --workers 1" in capsys.readouterr().err
    assert main(["mnist", *TINY, "--workers", "17", "--out", str(tmp_path / "r")]) == 2
    assert "the hidden layer has 16 units" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "r")        # refused before any run folder
    with pytest.raises(ValueError, match="positive int"):
        HiddenSplit(TensorMLP(784, [16], 10), SGD(TensorMLP(784, [16], 10).parameters(), 0.1), 0)


def test_split_sizes():
    assert split_sizes(128, 2) == [64, 64]
    assert split_sizes(10, 4) == [3, 3, 2, 2]
    assert sum(split_sizes(7, 7)) == 7


def test_cli_two_workers_match_one_and_resume(tmp_path, capsys):
    hist = {}
    for n in ("1", "2"):
        out = tmp_path / n
        assert main(["mnist", *TINY, "--epochs", "2", "--out", str(out), "--workers", n]) == 0
        text = capsys.readouterr().out
        assert ("2 worker processes, the hidden units split 8 + 8" in text) == (n == "2")
        hist[n] = json.loads((out / "1" / "history.json").read_text())["history"]
    for a, b in zip(hist["1"], hist["2"]):
        assert abs(a["loss"] - b["loss"]) <= LOSS_TOL and a["test_acc"] == b["test_acc"]
    out = tmp_path / "2"
    assert main(["mnist", "--resume", "--epochs", "3", "--out", str(out / "1"), "--workers", "2",
                 "--quiet"]) == 0
    again = json.loads((out / "1" / "history.json").read_text())["history"]
    assert len(again) == 3 and again[:2] == hist["2"]


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_no_orphan_workers_after_sigint_or_sigkill(tmp_path, sig):
    """A real run interrupted by Ctrl-C (SIGINT: exit 130, workers stopped) or killed (SIGKILL:
    the workers see their pipe close and exit)."""
    shm = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    proc = subprocess.Popen([sys.executable, "-m", "nn.apps", "mnist", "--limit", "1500",
                             "--epochs", "5", "--workers", "2", "--out", str(tmp_path / "r")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        while not line.startswith("epoch  1/5"):         # in training: epoch 2 has begun
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
        deadline = time.monotonic() + 60
        kids = set()
        while not kids and time.monotonic() < deadline:
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == proc.pid:
                            kids.add(int(pid))
                except OSError:
                    pass
            time.sleep(0.1)
        assert kids, "no worker process started"
        proc.send_signal(sig)
        proc.communicate(timeout=60)
        if sig == signal.SIGINT:
            assert proc.returncode == 130
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{k}") for k in kids):
            time.sleep(0.1)
        alive = [k for k in kids if os.path.exists(f"/proc/{k}")
                 and open(f"/proc/{k}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"]
        assert not alive, f"worker processes left running: {alive}"
        if os.path.isdir("/dev/shm"):            # no shared memory is used: none is left
            new = set(os.listdir("/dev/shm")) - shm
            assert not [n for n in new if n.startswith(("psm_", "mp-"))], new
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()

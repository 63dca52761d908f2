"""``chainrule mnist``/``predict`` never lose a run and never say something wrong: numbered
run folders, a locked run folder, damaged checkpoints and model files refused in one line,
failed writes reported in one line with the last good files kept."""

import errno
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from nn.apps.cli import main
from nn.data import load_mnist
from nn.model_file import load_model
from png_encoder import encode_png

TINY = ["--limit", "200", "--test-limit", "100", "--hidden", "16", "--batch-size", "32"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(args, capsys):
    try:
        code = main(args)
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(args, capsys, command="mnist"):
    code, _, err = run(args, capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith(f"chainrule {command}: error: "), err
    return err[len(f"chainrule {command}: error: "):-1]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A runs folder holding one tiny 1-epoch run (copy it before changing anything)."""
    runs = tmp_path_factory.mktemp("trained")
    assert main(["mnist", *TINY, "--epochs", "1", "--out", str(runs), "--quiet"]) == 0
    return runs


def copy_run(trained, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(trained / "1", folder)
    return folder


# ---- issue 15: a run never destroys an earlier run's files -----------------------------------

def test_two_runs_in_a_row_keep_both_models_and_predict_uses_the_one_asked(tmp_path, capsys,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)                      # the default --out runs/mnist is relative
    for seed in ("1", "2"):
        assert main(["mnist", *TINY, "--epochs", "1", "--seed", seed, "--quiet"]) == 0
    capsys.readouterr()
    runs = tmp_path / "runs" / "mnist"
    assert sorted(os.listdir(runs)) == ["1", "2", "latest"]
    first, _ = load_model(runs / "1" / "model.json")
    second, _ = load_model(runs / "2" / "model.json")
    assert first.state_dict() != second.state_dict()          # both runs' models are there

    def predict(*model):
        code, out, err = run(["predict", *model, "--index", "4", "--no-preview"], capsys)
        assert code == 0, err
        return out, err

    latest, note = predict()                                   # default: the latest run
    assert note == f"using {os.path.join('runs/mnist', '2', 'model.json')} (the latest run)\n"
    assert predict("runs/mnist/2") == (latest, "")
    assert predict(str(runs / "2" / "model.safetensors"))[0] == latest
    older, _ = predict("runs/mnist/1")
    assert older != latest and older.splitlines()[0] == latest.splitlines()[0]
    png = tmp_path / "digit.png"
    img = load_mnist("test").image(4)
    png.write_bytes(encode_png(bytes(255 - p for p in img), 28, 28))
    code, out, _ = run(["predict", str(png), "--no-preview"], capsys)  # a .png alone: the image
    assert code == 0 and out.splitlines()[1:] == latest.splitlines()[1:]


def test_out_naming_a_run_folder_is_refused_unless_resuming(trained, tmp_path, capsys):
    folder = copy_run(trained, tmp_path)
    before = (folder / "model.json").read_bytes()
    assert one_line_error(["mnist", *TINY, "--out", str(folder)], capsys) == (
        f"--out {folder} holds a run (checkpoint.json or model.json): continue it with --out "
        f"{folder} --resume, or give a runs folder for a new run")
    assert (folder / "model.json").read_bytes() == before


def test_a_new_run_that_saves_nothing_leaves_no_folder(tmp_path, capsys, monkeypatch):
    import nn.apps.mnist as cli

    def interrupt(*a):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_write_outputs", interrupt)
    monkeypatch.setattr("nn.train.save_checkpoint", interrupt)
    code, _, err = run(["mnist", *TINY, "--epochs", "1", "--out", str(tmp_path / "runs")], capsys)
    assert code == 130 and "no epoch was completed, nothing was saved" in err
    assert "to resume" not in err                  # there is no run folder left to resume
    assert os.listdir(tmp_path / "runs") == []


# ---- issue 15: the default learning rate follows the batch size ------------------------------

@pytest.mark.parametrize("batch, lr, note", [
    (64, 0.05, " (0.2 at batch 256, scaled linearly to batch 64)"),
    (256, 0.2, ""),
    (1024, 0.2, " (0.2 at batch 256, not scaled up for batch 1024)")])
def test_the_default_sgd_learning_rate_follows_the_batch_size(batch, lr, note, tmp_path, capsys):
    limit = ["--limit", "100", "--test-limit", "50", "--hidden", "8"]
    code, out, _ = run(["mnist", *limit, "--batch-size", str(batch), "--epochs", "1",
                        "--out", str(tmp_path)], capsys)
    assert code == 0
    assert f", SGD lr {lr:g}{note} momentum 0.9 (constant), batch {batch}, 1 epoch," in out
    hist = json.loads((tmp_path / "1" / "history.json").read_text())
    assert hist["settings"]["lr"] == lr and hist["history"][0]["lr"] == lr


def test_an_explicit_lr_is_used_as_given(tmp_path, capsys):
    code, out, _ = run(["mnist", *TINY, "--lr", "0.3", "--epochs", "1", "--out", str(tmp_path)],
                       capsys)
    assert code == 0 and ", SGD lr 0.3 momentum 0.9 (constant), batch 32," in out


# ---- issue 17 item 9: --resume checks the stored settings as the flags are checked -----------

def damage(folder, change):
    path = folder / "checkpoint.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    return path


def setting(key, value):
    def change(doc):
        doc["extra"]["settings"][key] = value
    return change


@pytest.mark.parametrize("change, message", [
    (setting("batch_size", 0), "setting 'batch_size' is 0; expected a positive integer"),
    (setting("activation", "bogus"), "setting 'activation' is 'bogus'; expected one of tanh, "
                                     "relu, sigmoid"),
    (setting("limit", "5"), "setting 'limit' is '5'; expected a positive integer or null"),
    (setting("optimizer", "bogus"), "setting 'optimizer' is 'bogus'; expected one of sgd, adam"),
    (setting("lr", -1), "setting 'lr' is -1; expected a finite number >= 0"),
    (setting("hidden", []), "setting 'hidden' is []; expected a list of positive integers"),
    (setting("dataset", ["cifar"]), "setting 'dataset' is ['cifar']; expected a dataset"),
    (setting("epochs", True), "setting 'epochs' is True; expected a positive integer"),
])
def test_resume_refuses_damaged_settings_in_one_line(change, message, trained, tmp_path, capsys):
    path = damage(copy_run(trained, tmp_path), change)
    err = one_line_error(["mnist", "--resume", "--out", str(path.parent)], capsys)
    assert err.startswith(f"--resume: {path}: {message}")
    assert err.endswith("(the file is damaged or was not written by chainrule mnist)")


def test_resume_refuses_a_damaged_history_and_missing_settings(trained, tmp_path, capsys):
    folder = copy_run(trained, tmp_path)

    def history(doc):
        doc["history"] = ["x"]

    path = damage(folder, history)
    assert one_line_error(["mnist", "--resume", "--out", str(folder)], capsys) == (
        f"{path}: damaged checkpoint (history record 1 is str 'x', not an object)")

    def string_loss(doc):
        doc["history"] = json.loads((tmp_path / "h.json").read_text())
        doc["history"][0]["loss"] = "0.5"
        doc["history"][0]["test_acc"] = [1]

    (tmp_path / "h.json").write_text(json.dumps(
        json.loads((trained / "1" / "checkpoint.json").read_text())["history"]))
    damage(folder, string_loss)
    assert one_line_error(["mnist", "--resume", "--out", str(folder)], capsys) == (
        f"{path}: damaged checkpoint (history record 1 needs finite numbers for loss, test_acc)")

    def no_settings(doc):
        doc["history"] = json.loads((tmp_path / "h.json").read_text())
        del doc["extra"]["settings"]["seed"]

    (tmp_path / "h.json").write_text(json.dumps(
        json.loads((trained / "1" / "checkpoint.json").read_text())["history"]))
    damage(folder, no_settings)
    assert one_line_error(["mnist", "--resume", "--out", str(folder)], capsys) == (
        f"--resume: {path} was not written by chainrule mnist (its settings are missing or "
        "incomplete)")


def test_a_checkpoint_asking_for_a_huge_network_is_refused_before_building(trained, tmp_path,
                                                                           capsys, monkeypatch):
    import nn.linear

    def no_building(*a, **k):
        raise AssertionError("built the model")

    monkeypatch.setattr(nn.linear, "TensorMLP", no_building)
    path = damage(copy_run(trained, tmp_path), setting("hidden", [10 ** 6]))
    assert one_line_error(["mnist", "--resume", "--out", str(path.parent)], capsys) == (
        f"--resume: {path}: the network 784-1000000-10 would have 795,000,010 parameters; "
        "chainrule mnist trains at most 10,000,000 (pure Python: ~100 bytes and ~1 us per "
        "parameter and sample)")
    assert one_line_error(["mnist", "--hidden", "1000000", "--out", str(tmp_path / "n")],
                          capsys).startswith("the network 784-1000000-10 would have ")


# ---- issue 17 items 2 and 10: model files and checkpoints that are not what they say --------

def test_json_nested_a_thousand_levels_is_one_line_everywhere(trained, tmp_path, capsys):
    deep = "[" * 1000 + "]" * 1000
    model = tmp_path / "model.json"
    model.write_text(deep)
    assert one_line_error(["predict", str(model), "--index", "0"], capsys, "predict") == (
        f"{model}: not a valid model file (JSON nested more than 32 levels deep)")
    folder = copy_run(trained, tmp_path)
    (folder / "checkpoint.json").write_text(deep)
    assert one_line_error(["mnist", "--resume", "--out", str(folder)], capsys) == (
        f"{folder / 'checkpoint.json'}: not a valid checkpoint (JSON nested more than 32 levels "
        "deep)")


@pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")
def test_a_fifo_or_dev_zero_as_a_model_is_refused_without_hanging(trained, tmp_path, capsys):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    assert one_line_error(["predict", str(fifo), "--index", "0"], capsys, "predict") == (
        f"cannot read {fifo}: it is a FIFO (named pipe), not a regular file")
    assert one_line_error(["predict", "/dev/zero", "--index", "0"], capsys, "predict") == (
        "cannot read /dev/zero: it is a character device, not a regular file")
    folder = copy_run(trained, tmp_path)
    (folder / "checkpoint.json").unlink()
    os.mkfifo(folder / "checkpoint.json")
    assert one_line_error(["mnist", "--resume", "--out", str(folder)], capsys) == (
        f"--resume: {folder / 'checkpoint.json'}: cannot read it: it is a FIFO (named pipe), "
        "not a regular file")


def test_idx_content_errors_are_one_line(tmp_path, capsys):
    from nn.data import write_idx

    for prefix in ("train", "t10k"):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", (2, 28, 28), bytes(2 * 784))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", (2,), bytes([3, 11]))
    assert one_line_error(["mnist", "--dataset", "mnist-dir", str(tmp_path), "--out",
                           str(tmp_path / "runs")], capsys) == (
        "mnist-train: label 11 (image 1) is out of range for 10 classes (labels are 0..9)")


# ---- issue 17 item 8: output failures --------------------------------------------------------

def test_a_full_disk_is_one_line_exit_2_and_keeps_the_last_epoch(tmp_path, capsys, monkeypatch):
    import nn.apps.mnist as cli

    real = cli._write_outputs

    def full_in_epoch_2(out, model, meta, result, settings, name):
        if result.epochs_done == 2:
            def no_space(fd):
                raise OSError(errno.ENOSPC, "No space left on device")
            monkeypatch.setattr(os, "fsync", no_space)
        real(out, model, meta, result, settings, name)

    monkeypatch.setattr(cli, "_write_outputs", full_in_epoch_2)
    runs = tmp_path / "runs"
    err = one_line_error(["mnist", *TINY, "--epochs", "3", "--out", str(runs), "--quiet"],
                         capsys)
    folder = runs / "1"
    assert err == (f"cannot write {folder / 'model.json'}: No space left on device; the files "
                   f"written before are kept, {folder / 'checkpoint.json'} holds epoch 2 "
                   f"(continue with: chainrule mnist --out {folder} --resume)")
    monkeypatch.undo()
    model, _ = load_model(folder / "model.json")              # epoch 1's model, intact
    assert json.loads((folder / "history.json").read_text())["history"][-1]["epoch"] == 1
    assert [n for n in os.listdir(folder) if n.endswith(".tmp")] == []
    assert main(["mnist", "--resume", "--out", str(folder), "--quiet"]) == 0   # and it goes on
    assert json.loads((folder / "history.json").read_text())["history"][-1]["epoch"] == 3


def test_an_unwritable_run_folder_is_found_before_training(tmp_path, capsys, monkeypatch):
    import autograd.fileio

    def refused(path, raw):
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(autograd.fileio, "atomic_write", refused)
    runs = tmp_path / "runs"
    code, out, err = run(["mnist", *TINY, "--epochs", "1", "--out", str(runs)], capsys)
    assert code == 2 and "epoch" not in out
    assert err == (f"chainrule mnist: error: cannot write to {runs / '1'}: Permission denied; "
                   "nothing was trained\n")
    assert os.listdir(runs) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions that apply (not root)")
def test_a_read_only_runs_folder_is_refused_before_training(tmp_path, capsys):
    runs = tmp_path / "runs"
    runs.mkdir()
    runs.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert one_line_error(["mnist", *TINY, "--out", str(runs)], capsys) == (
            f"cannot create a run folder in --out {runs}: Permission denied")
    finally:
        runs.chmod(0o755)


# ---- issue 17 item 11: locks and stale temporary files ---------------------------------------

def test_a_run_folder_in_use_is_refused_with_its_holder(trained, tmp_path, capsys):
    from nn.apps.run_folder import RunLock

    folder = copy_run(trained, tmp_path)
    with RunLock(folder, "chainrule mnist --resume"):
        err = one_line_error(["mnist", "--resume", "--epochs", "2", "--out", str(folder)],
                             capsys)
    assert err.startswith(f"{folder} is in use by pid {os.getpid()} on host ")
    assert err.endswith("(chainrule mnist --resume); wait for it to end, or use another run")
    assert json.loads((folder / "checkpoint.json").read_text())["epoch"] == 1   # untouched


@pytest.mark.skipif(os.name != "posix", reason="kill -9 of a child process")
def test_stale_temporary_files_of_a_killed_run_are_removed(trained, tmp_path, capsys):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    from test_fileio import TEMP_NAME, written_temp_name

    host = TEMP_NAME.match(written_temp_name(tmp_path))["host"]
    runs = tmp_path / "runs"
    killed = runs / "1"
    shutil.copytree(trained / "1", killed)
    stale = killed / f".checkpoint.json.chainrule-{host}-{int(dead.stdout)}-0badf00d.tmp"
    stale.write_bytes(bytes(1000))
    (killed / "notes.tmp").write_text("not ours")
    assert main(["mnist", "--resume", "--epochs", "2", "--out", str(killed), "--quiet"]) == 0
    assert not stale.exists() and (killed / "notes.tmp").exists()
    assert not (killed / ".lock").exists()
    stale.write_bytes(bytes(1000))                # a new run sweeps the other runs' folders too
    assert main(["mnist", *TINY, "--epochs", "1", "--out", str(runs), "--quiet"]) == 0
    assert not stale.exists() and sorted(os.listdir(runs)) == ["1", "2", "latest"]


def test_a_runs_folder_from_before_numbered_runs_keeps_its_files(trained, tmp_path, capsys,
                                                                 monkeypatch):
    """runs/mnist holding model.json etc. directly (an older chainrule): a new run goes into
    runs/mnist/1 next to them, predict then answers from the latest run, the old files stay."""
    monkeypatch.chdir(tmp_path)
    legacy = tmp_path / "runs" / "mnist"
    shutil.copytree(trained / "1", legacy)
    before = {n: (legacy / n).read_bytes() for n in os.listdir(legacy)}
    code, out, err = run(["predict", "--index", "0", "--no-preview"], capsys)
    assert code == 0 and err == ""                           # the old model, as before
    assert main(["mnist", *TINY, "--epochs", "1", "--seed", "5", "--quiet"]) == 0
    assert {n: (legacy / n).read_bytes() for n in before} == before
    assert (legacy / "latest").read_text() == "1\n"
    code, _, err = run(["predict", "--index", "0", "--no-preview"], capsys)
    assert code == 0 and err == f"using {os.path.join('runs/mnist', '1', 'model.json')} " \
                                "(the latest run)\n"


def test_a_checkpoint_of_fit_without_a_test_set_or_metric_reads_back(tmp_path):
    from autograd import Tensor
    from nn.linear import Linear
    from nn.optim import SGD
    from nn.train import ArrayDataset, fit, read_checkpoint

    model = Linear(2, 1, seed=0)
    data = ArrayDataset(Tensor([0.0, 1.0, 1.0, 0.0], (2, 2)), Tensor([1.0, 2.0], (2, 1)))
    path = tmp_path / "checkpoint.json"

    def squared(out, y):
        return ((out - y) ** 2).mean()

    fit(model, data, None, 2, 1, SGD(model.parameters(), lr=0.1), loss=squared,
        checkpoint=path, progress=False)
    history = read_checkpoint(path)["history"]        # test_loss, accuracies: null
    assert [(r["epoch"], r["train_acc"], r["test_loss"], r["test_acc"]) for r in history] == [
        (1, None, None, None), (2, None, None, None)]

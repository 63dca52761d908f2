"""``chainrule mnist`` and ``chainrule predict``: outputs, resume, Ctrl-C, PNG and index
predictions, and one-line errors with exit code 2."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from nn.apps.cli import main
from nn.data import load_mnist
from nn.model_file import load_model
from png_encoder import encode_png

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--limit", "200", "--test-limit", "100", "--hidden", "16", "--batch-size", "32"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """The run folder of one tiny run: ``RUNS/1`` of a fresh runs folder."""
    out = tmp_path_factory.mktemp("run")
    code = main(["mnist", *TINY, "--epochs", "1", "--out", str(out), "--quiet"])
    assert code == 0
    return out / "1"


def test_mnist_writes_model_checkpoint_history_and_curve(run_dir):
    assert sorted(os.listdir(run_dir.parent)) == ["1", "latest"]
    assert (run_dir.parent / "latest").read_text() == "1\n"
    assert sorted(os.listdir(run_dir)) == ["checkpoint.json", "curve.svg", "history.json",
                                           "model.json", "model.safetensors"]
    model, meta = load_model(run_dir / "model.json")
    assert model.config() == {"nin": 784, "hidden": [16], "nout": 10, "activation": "tanh"}
    assert meta["classes"] == [str(d) for d in range(10)]
    assert meta["dataset"] == ["bundled"] and meta["image_shape"] == [28, 28]
    hist = json.loads((run_dir / "history.json").read_text())
    assert len(hist["history"]) == 1 and hist["settings"]["hidden"] == [16]
    assert hist["settings"]["lr"] == 0.2 * 32 / 256 and hist["settings"]["optimizer"] == "sgd"
    ET.parse(run_dir / "curve.svg")                 # well-formed XML


def test_mnist_prints_settings_epochs_and_summary(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["mnist", *TINY, "--epochs", "1", "--out", str(out), "--optimizer", "adam",
                 "--activation", "relu", "--loss", "squared-error", "--seed", "3"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("training 784-16-10 relu (12,730 parameters) on mnist-bundled-train "
                           "(200 train / 100 test), squared-error, Adam lr 0.001 (constant), "
                           "batch 32, "
                           "1 epoch, seed 3\n")
    assert "\nepoch  1/1  loss " in text and " samples/s\n" in text
    assert "final test accuracy " in text and " after 1 epoch; " in text
    assert f"wrote {out}/1/model.json" in text


def test_resume_continues_to_more_epochs_and_refuses_other_settings(tmp_path, capsys):
    out = str(tmp_path / "r")
    assert main(["mnist", *TINY, "--epochs", "1", "--out", out, "--quiet"]) == 0
    assert main(["mnist", "--resume", "--epochs", "2", "--out", out]) == 0
    text = capsys.readouterr().out
    assert "epoch  2/2" in text and "epoch  1/2" not in text
    hist = json.loads((tmp_path / "r" / "1" / "history.json").read_text())["history"]
    assert [r["epoch"] for r in hist] == [1, 2]
    assert main(["mnist", "--resume", "--out", out]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert main(["mnist", "--resume", "--hidden", "32", "--out", out]) == 2
    err = capsys.readouterr().err
    assert err == ("chainrule mnist: error: --resume continues with the checkpoint's settings; "
                   "drop --hidden (only --epochs may change)\n")


def test_ctrl_c_keeps_the_last_epoch_and_says_how_to_resume(tmp_path, capsys, monkeypatch):
    import nn.apps.mnist as cli

    real = cli._write_outputs

    def interrupt_in_epoch_2(out, model, meta, result, settings, name):
        real(out, model, meta, result, settings, name)
        if result.epochs_done == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_write_outputs", interrupt_in_epoch_2)
    out = tmp_path / "r"
    assert main(["mnist", *TINY, "--epochs", "3", "--out", str(out), "--quiet"]) == 130
    err = capsys.readouterr().err
    assert f"{out}/1/checkpoint.json holds epoch 2 of 3" in err
    assert f"to resume: chainrule mnist --out {out}/1 --resume" in err
    doc = json.loads((out / "1" / "checkpoint.json").read_text())
    assert doc["epoch"] == 2


def _predict_lines(args, capsys):
    assert main(["predict", *args]) == 0
    return capsys.readouterr().out.splitlines()


def test_predict_by_index_prints_top3_and_preview(run_dir, capsys):
    lines = _predict_lines([str(run_dir / "model.json"), "--index", "3"], capsys)
    assert lines[0] == "#3 of mnist-bundled-test (label 6)"
    art = lines[1:-2]
    assert 10 < len(art) <= 28 and art[0].strip() and art[-1].strip()
    assert set("".join(art)) <= set(" .:-=+*#%@") and max(map(len, art)) <= 28
    assert lines[-2].startswith("predicted: ")
    top = lines[-1].split("  ")
    assert top[0].startswith("top 3: ") and len(top) == 3
    probs = [float(t.split()[-1].rstrip("%")) for t in top]
    assert probs == sorted(probs, reverse=True)
    assert lines[-2] == f"predicted: {top[0].split()[2]} ({top[0].split()[3][:-1]}%)"


def test_predict_png_of_a_test_digit_matches_predict_by_index(run_dir, tmp_path, capsys):
    img = load_mnist("test").image(5)
    rgb = bytes(v for p in img for v in (255 - p, 255 - p, 255 - p))     # dark ink on white
    png = tmp_path / "digit.png"
    png.write_bytes(encode_png(rgb, 28, 28, ctype=2))
    by_png = _predict_lines([str(run_dir / "model.json"), str(png), "--no-preview"], capsys)
    by_index = _predict_lines([str(run_dir / "model.json"), "--index", "5", "--no-preview"],
                              capsys)
    assert by_png[0] == f"{png} (28x28, as 28x28)"
    assert by_png[1:] == by_index[1:]


def test_model_save_load_same_predictions(run_dir):
    from autograd import no_grad
    from nn.train import batch_inputs

    from nn.linear import build_module
    from nn.train import read_checkpoint

    loaded, _ = load_model(run_dir / "model.json")
    # the trained weights, from the other file the run wrote (the checkpoint of its last epoch)
    ckpt = read_checkpoint(run_dir / "checkpoint.json")["model"]
    assert loaded.state_dict() == ckpt["state"]
    trained = build_module(ckpt["architecture"]).load_state_dict(ckpt["state"])
    untrained = build_module(ckpt["architecture"])
    ds = load_mnist("test")[:50]
    x = batch_inputs(ds, range(50))
    with no_grad():
        assert loaded(x).data == trained(x).data
        assert loaded(x).data != untrained(x).data      # the comparison can fail


def test_predict_reads_model_safetensors_exactly_as_model_json(run_dir, capsys):
    from_json = _predict_lines([str(run_dir / "model.json"), "--index", "7"], capsys)
    from_safetensors = _predict_lines([str(run_dir / "model.safetensors"), "--index", "7"],
                                      capsys)
    assert from_safetensors == from_json
    json_model, json_meta = load_model(run_dir / "model.json")
    st_model, st_meta = load_model(run_dir / "model.safetensors")
    assert st_meta == json_meta and st_model.state_dict() == json_model.state_dict()


def test_predict_refuses_a_broken_safetensors_file_in_one_line(tmp_path, capsys):
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(b"\x10" + bytes(7) + b"{}")
    err = _err(["predict", str(bad), "--index", "0"], capsys)
    assert err == (f"chainrule predict: error: {bad}: not a valid safetensors file (the header "
                   f"length 16 is beyond the end of the 10-byte file)\n")
    (tmp_path / "empty").mkdir()
    assert _err(["predict", str(tmp_path / "empty"), "--index", "0"], capsys) == (
        f"chainrule predict: error: {tmp_path / 'empty'} holds no model.json or "
        "model.safetensors and no latest run (train one with chainrule mnist)\n")
    assert f"{bad}: not a valid safetensors file" in _err(     # a run folder: its model
        ["predict", str(tmp_path), "--index", "0"], capsys)


def _err(args, capsys):
    try:
        code = main(args)
    except SystemExit as e:             # argparse errors leave through SystemExit
        code = e.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1, err
    return err


def test_one_line_errors_exit_2(run_dir, tmp_path, capsys):
    model = str(run_dir / "model.json")
    assert "unknown kind 'cifar'" in _err(["mnist", "--dataset", "cifar", "--out",
                                           str(tmp_path)], capsys)
    assert "needs a directory" in _err(["mnist", "--dataset", "mnist-dir"], capsys)
    assert "does not exist" in _err(["mnist", "--dataset", "mnist-dir",
                                     str(tmp_path / "nope")], capsys)
    assert "expected a positive integer, got '0'" in _err(["mnist", "--epochs", "0"], capsys)
    assert "invalid choice: 'swish'" in _err(["mnist", "--activation", "swish"], capsys)
    assert f"--resume: {tmp_path / 'e'} does not exist" in _err(
        ["mnist", "--resume", "--out", str(tmp_path / "e")], capsys)
    assert "does not exist" in _err(["predict", str(tmp_path / "none.json"), "--index", "0"],
                                    capsys)
    assert _err(["predict", model], capsys) == ("chainrule predict: error: give an IMAGE.png "
                                                "or --index N\n")
    png = tmp_path / "d.png"
    png.write_bytes(encode_png(bytes(784), 28, 28))
    assert _err(["predict", model, str(png), "--index", "1"], capsys) == (
        "chainrule predict: error: give an IMAGE.png or --index N, not both\n")
    assert "out of range" in _err(["predict", model, "--index", "99999"], capsys)
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    assert "not a chainrule model file" in _err(["predict", str(junk), "--index", "0"], capsys)
    from nn import MLP

    MLP(2, [2, 1]).save(tmp_path / "value.json")
    assert "scalar-Value network" in _err(["predict", str(tmp_path / "value.json"),
                                           "--index", "0"], capsys)
    bad_png = tmp_path / "p.png"
    bad_png.write_bytes(encode_png(bytes(8), 2, 2, depth=16))
    assert "unsupported PNG" in _err(["predict", model, str(bad_png)], capsys)
    assert "not a PNG file" in _err(["predict", model, str(junk)], capsys)


def test_predict_runs_as_a_real_command(run_dir):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "nn.apps", "predict",
                           str(run_dir / "model.json"), "--index", "0", "--no-preview"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "#0 of mnist-bundled-test (label 4)".replace(
        "4", str(load_mnist("test").label(0)))


def test_download_failure_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    import nn.data

    def offline(dest_dir, log=None, **kw):
        raise nn.data.DownloadError("no mirror reachable (offline?)")

    monkeypatch.setattr(nn.data, "download_mnist", offline)
    err = _err(["mnist", "--download", str(tmp_path / "m"), "--out", str(tmp_path)], capsys)
    assert err == "chainrule mnist: error: no mirror reachable (offline?)\n"
    assert "do not combine it with --dataset" in _err(
        ["mnist", "--download", str(tmp_path), "--dataset", "bundled"], capsys)


def test_mnist_choices_come_from_the_activation_and_loss_tables(monkeypatch):
    """A new activation or loss is offered by the CLI without editing a second list."""
    from autograd.cli import COMMAND_MODULES, build_parser
    from nn import linear, tensor_losses
    from nn.apps.cli import APP_MODULES

    monkeypatch.setitem(linear.ACTIVATION_MODULES, "gelu", linear.Tanh)
    monkeypatch.setitem(tensor_losses.LOSSES, "hinge", tensor_losses.squared_error)
    parser = build_parser(COMMAND_MODULES + APP_MODULES)
    args = parser.parse_args(["mnist", "--activation", "gelu", "--loss", "hinge"])
    assert (args.activation, args.loss) == ("gelu", "hinge")


def test_unknown_activation_init_and_loss_share_one_message():
    from nn.layers import MLP
    from nn.linear import Linear, TensorMLP
    from nn.train import evaluate

    for call, what in ((lambda: MLP(2, [1], activation="gelu"), "activation 'gelu'"),
                       (lambda: TensorMLP(4, [3], 2, activation="gelu"), "activation 'gelu'"),
                       (lambda: Linear(2, 2, init="gelu"), "init 'gelu'"),
                       (lambda: evaluate(None, None, loss="gelu"), "loss 'gelu'")):
        with pytest.raises(ValueError, match=f"^unknown {what}; choose one of "):
            call()

"""The two-moons example: MLP(2, [16, 16, 1]) reaches 100% training accuracy in < 100 steps."""

import importlib.util
import pathlib
import re

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "moons.py"


def load_example():
    spec = importlib.util.spec_from_file_location("moons_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_moons_example_separates_the_training_set(capsys):
    example = load_example()
    assert example.main(["--quiet"]) == 0
    out = capsys.readouterr().out
    final = re.search(r"final: step (\d+), loss ([\d.]+), training accuracy ([\d.]+)%", out)
    assert final, out
    assert int(final.group(1)) < 100
    assert final.group(3) == "100.0"
    assert "MLP(nin=2, sizes=[16, 16, 1], parameters=337)" in out
    plot = out[out.index("+---"):].splitlines()
    assert len(plot) == 26 and all(len(row) == 66 for row in plot)
    assert sum(row.count("x") for row in plot) + sum(row.count("o") for row in plot) > 80


def test_moons_example_logs_loss_and_accuracy_per_step():
    lines = []
    model, X, y, history = load_example().train(steps=2, log=lines.append)
    assert [h[0] for h in history] == [1, 2] and len(X) == len(y) == 100
    assert re.fullmatch(r"step   1  loss \d\.\d{4}  accuracy +\d+\.\d%", lines[0])
    assert history[1][1] < history[0][1]        # the loss went down

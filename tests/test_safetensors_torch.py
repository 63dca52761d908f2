"""chainrule's safetensors files against the real ``safetensors`` and ``torch`` packages, both
ways: a model trained by ``chainrule mnist`` classifies the 2,000 bundled test digits in
``torch.nn.Sequential`` exactly as in chainrule, and a network trained in PyTorch does the same
in chainrule. Skipped when the packages are missing, except under CI (``.ci/run`` installs
them), where a missing package is a failure."""

import importlib
import os
import pathlib
import re
import shutil

import pytest

from autograd.engine import no_grad
from nn.apps.cli import main
from nn import MLP, ModelFileError, TensorMLP, load_model
from nn.data import load_mnist
from nn.safetensors import read_safetensors
from nn.train import batch_inputs


def _need(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        if os.environ.get("CI"):
            raise                         # .ci/run installs it: missing is a CI failure
        pytest.skip(f"{name} is not installed (pip install torch==2.13.0 safetensors); these "
                    "cross-checks run in CI", allow_module_level=True)


torch = _need("torch")
st_torch = _need("safetensors.torch")
safe_open = _need("safetensors").safe_open

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def torch_mlp(nin, hidden, nout, activation=torch.nn.Tanh):
    """The torch.nn.Sequential equivalent to chainrule's ``TensorMLP(nin, hidden, nout)``."""
    dims, layers = [nin, *hidden, nout], []
    for i in range(len(dims) - 1):
        layers.append(torch.nn.Linear(dims[i], dims[i + 1]))
        if i < len(dims) - 2:
            layers.append(activation())
    return torch.nn.Sequential(*layers)


def chainrule_logits(model, ds):
    """(N, classes) logits of ``model`` on all of ``ds``, as a float64 torch tensor."""
    model.eval()
    with no_grad():
        logits = model(batch_inputs(ds, range(len(ds))))
    return torch.tensor(logits.data, dtype=torch.float64).reshape(logits.shape)


def torch_inputs(ds, dtype):
    """The images of ``ds`` as chainrule feeds them: ``b/255``, one row per image."""
    pixels = torch.tensor(list(ds.images), dtype=torch.float64) / 255
    return pixels.reshape(len(ds), ds.rows * ds.cols).to(dtype)


@pytest.fixture(scope="module")
def test_digits():
    return load_mnist("test")


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["mnist", "--limit", "500", "--epochs", "1", "--out", str(out), "--quiet"]) == 0
    return out / "1"                 # the run folder of the first run in a fresh runs folder


def test_safe_open_reads_the_file_chainrule_mnist_wrote(mnist_run):
    model, _ = load_model(mnist_run / "model.json")
    with safe_open(str(mnist_run / "model.safetensors"), "pt") as f:
        assert list(f.keys()) == ["0.bias", "0.weight", "2.bias", "2.weight"]   # sorted
        metadata = f.metadata()
        w0 = f.get_tensor("0.weight")
    assert metadata["format"] == "chainrule.nn" and metadata["layout"] == "torch.nn.Sequential"
    assert w0.dtype == torch.float64 and tuple(w0.shape) == (128, 784)
    chainrule_w0 = torch.tensor(model.layers[0].weight.data, dtype=torch.float64)
    assert torch.equal(w0, chainrule_w0.reshape(784, 128).T)     # (out, in): the transpose


def test_bar_chainrule_mnist_model_classifies_the_test_digits_identically_in_torch(
        mnist_run, test_digits):
    model, _ = load_model(mnist_run / "model.json")
    ours = chainrule_logits(model, test_digits)
    assert len(ours) == 2000
    state = st_torch.load_file(mnist_run / "model.safetensors")
    net, net64 = torch_mlp(784, [128], 10), torch_mlp(784, [128], 10).double()
    net.load_state_dict(state)                # strict; float64 weights rounded to float32
    net64.load_state_dict(state)
    with torch.no_grad():
        theirs32 = net(torch_inputs(test_digits, torch.float32))
        theirs64 = net64(torch_inputs(test_digits, torch.float64))
    # float64 in both: the same sums in another order, ~1e-13 apart (measured 6.9e-14)
    assert (theirs64 - ours).abs().max().item() < 1e-12
    assert torch.equal(theirs64.argmax(1), ours.argmax(1))
    # torch's usual float32: ~1e-6 apart, far below the smallest gap between the top two
    # classes of any digit (~1e-4 for this model), so every digit gets the same class
    assert (theirs32.double() - ours).abs().max().item() < 1e-4
    assert torch.equal(theirs32.argmax(1), ours.argmax(1))
    assert (ours.argmax(1) != torch.tensor(list(test_digits.labels))).any()   # not trivial


def _train_torch(seed=0):
    """A torch.nn.Sequential 784-32-10 trained in PyTorch for one epoch of 500 digits."""
    torch.manual_seed(seed)
    net = torch_mlp(784, [32], 10)
    train = load_mnist("train")[:500]
    x, y = torch_inputs(train, torch.float32), torch.tensor(list(train.labels))
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    for start in range(0, 500, 50):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x[start:start + 50]), y[start:start + 50]).backward()
        opt.step()
    return net


def test_bar_a_torch_trained_sequential_classifies_identically_in_chainrule(tmp_path,
                                                                            test_digits):
    net = _train_torch()
    path = tmp_path / "from_torch.safetensors"
    st_torch.save_file(net.state_dict(), path)
    model = TensorMLP(784, [32], 10, activation="tanh").load(path)
    ours = chainrule_logits(model, test_digits)
    with torch.no_grad():
        theirs32 = net(torch_inputs(test_digits, torch.float32))
        theirs64 = net.double()(torch_inputs(test_digits, torch.float64))
    assert (theirs64 - ours).abs().max().item() < 1e-12
    assert torch.equal(theirs64.argmax(1), ours.argmax(1))
    assert (theirs32.double() - ours).abs().max().item() < 1e-4
    assert torch.equal(theirs32.argmax(1), ours.argmax(1))
    accuracy = (ours.argmax(1) == torch.tensor(list(test_digits.labels))).double().mean()
    assert 0.5 < accuracy < 1.0                          # it learned something, not everything
    with pytest.raises(ModelFileError, match="without chainrule's architecture"):
        load_model(path)                                 # a torch file says nothing of tanh


def test_a_torch_file_loads_into_a_scalar_mlp_with_the_same_outputs(tmp_path):
    torch.manual_seed(3)
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                              torch.nn.ReLU(), torch.nn.Linear(8, 1)).double()
    path = tmp_path / "small.safetensors"
    st_torch.save_file(net.state_dict(), path)
    model = MLP(2, [8, 8, 1], activation=["tanh", "relu", "linear"]).load(path)
    points = [[-1.5, 0.25], [0.0, 0.0], [0.7, -2.0], [3.0, 1.0]]
    with torch.no_grad():
        theirs = net(torch.tensor(points, dtype=torch.float64)).flatten().tolist()
    assert [model(p).data for p in points] == pytest.approx(theirs, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("activation, torch_activation",
                         [("relu", torch.nn.ReLU), ("sigmoid", torch.nn.Sigmoid)])
def test_other_activations_and_depths_match_torch(tmp_path, test_digits, activation,
                                                  torch_activation):
    model = TensorMLP(784, [24, 12], 10, activation=activation, seed=5)
    for p in model.parameters():                  # biases start at 0: make them matter
        p.data[:] = [x + 0.01 * (i % 7 - 3) for i, x in enumerate(p.data)]
    path = tmp_path / f"{activation}.safetensors"
    model.save(path)
    net = torch_mlp(784, [24, 12], 10, torch_activation).double()
    net.load_state_dict(st_torch.load_file(path))
    digits = test_digits[:200]
    with torch.no_grad():
        theirs = net(torch_inputs(digits, torch.float64))
    assert (theirs - chainrule_logits(model, digits)).abs().max().item() < 1e-12


def test_float32_file_holds_torch_float32_values(tmp_path):
    model = TensorMLP(6, [4], 3, seed=2)
    path = tmp_path / "m32.safetensors"
    model.save(path, dtype="float32")
    state = st_torch.load_file(path)
    w = torch.tensor(model.layers[0].weight.data, dtype=torch.float64).reshape(6, 4).T
    assert state["0.weight"].dtype == torch.float32
    assert torch.equal(state["0.weight"], w.to(torch.float32))     # the nearest float32


def test_half_precision_torch_tensors_read_exactly(tmp_path):
    values = [1.0, -2.5, 3.14159, 65504.0, 1e-5, -0.0]
    tensors = {"h": torch.tensor(values, dtype=torch.float16),
               "bf": torch.tensor(values + [1e30], dtype=torch.bfloat16).reshape(7, 1)}
    path = tmp_path / "half.safetensors"
    st_torch.save_file(tensors, path)
    ours, _ = read_safetensors(path)
    for name, t in tensors.items():
        assert ours[name].shape == tuple(t.shape)
        assert ours[name].data == t.double().flatten().tolist()


def test_readme_taking_it_to_pytorch_gets_chainrules_accuracy(mnist_run, tmp_path,
                                                              monkeypatch, capsys,
                                                              test_digits):
    text = README.read_text(encoding="utf-8")
    section = text.split("## Taking it to PyTorch", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    assert len([line for line in code.splitlines()
                if line.strip() and not line.startswith(("import ", "from "))]) == 5
    (tmp_path / "runs" / "mnist" / "1").mkdir(parents=True)     # where the README reads it
    shutil.copy(mnist_run / "model.safetensors", tmp_path / "runs" / "mnist" / "1")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README", "exec"), {})
    printed = capsys.readouterr().out.strip()
    model, _ = load_model(mnist_run / "model.json")
    ours = chainrule_logits(model, test_digits).argmax(1)
    accuracy = (ours == torch.tensor(list(test_digits.labels))).double().mean().item()
    assert printed == f"{accuracy:.2%}"

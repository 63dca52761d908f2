"""nn on Tensors: Linear (dense and sparse batches), TensorMLP, rebuildable model files,
Tensor losses, and the nn optimizers on Tensor parameters."""

import json
import math
import random

import pytest

import nn
import nn.layers
import nn.registry

from autograd import Tensor, no_grad
from autograd.sparse import SparseRows
from nn.linear import (INITS, Linear, ReLU, Sequential, Sigmoid, Tanh, TensorMLP, build_module,
                       init_weights)
from nn.model_file import load_model, save_model
from nn.module import ModelFileError
from nn.optim import SGD, Adam
from nn.tensor_losses import correct, predictions, softmax_cross_entropy, squared_error
from autograd.testing import gradcheck


def test_linear_is_x_times_w_plus_b():
    lin = Linear(2, 3)
    lin.weight.data[:] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    lin.bias.data[:] = [0.5, -0.5, 0.0]
    y = lin(Tensor([[1.0, 1.0], [2.0, 0.0]]))
    # the matmul kernel's dot products go through math.dist: exact to a few ulps, not bits
    assert y.data == pytest.approx([5.5, 6.5, 9.0, 2.5, 3.5, 6.0], rel=1e-14)


def test_linear_layers_built_one_after_another_differ_and_a_seed_reproduces_them():
    # Linear defaulted to seed=0: [Linear(4, 4) for _ in range(3)] were three identical layers.
    from nn import manual_seed

    manual_seed(7)
    first = [Linear(4, 4).weight.data for _ in range(3)]
    assert first[0] != first[1] != first[2] != first[0]
    manual_seed(7)
    assert [Linear(4, 4).weight.data for _ in range(3)] == first       # one seed: the same
    assert Linear(4, 4, seed=3).weight.data == Linear(4, 4, seed=3).weight.data
    assert Linear(4, 4, seed=3).weight.data != Linear(4, 4, seed=4).weight.data
    tiny = Sequential(Linear(2, 2, seed=1))
    manual_seed(7)
    build_module({"type": "Sequential", "config": tiny.config()})       # rebuilding a file's
    assert Linear(4, 4).weight.data == first[0]                         # model draws nothing


def test_linear_sparse_batch_matches_dense_forward_and_gradients():
    rng = random.Random(3)
    dense = [[rng.choice([0.0, 0.0, rng.random()]) for _ in range(12)] for _ in range(5)]
    grads = []
    outs = []
    for x in (Tensor(dense), SparseRows.from_dense(dense)):
        lin = Linear(12, 4, seed=1)
        y = lin(x).tanh()
        outs.append(y.data)
        (y * y).sum().backward()
        grads.append((lin.weight.grad.data, lin.bias.grad.data))
    assert outs[0] == pytest.approx(outs[1], rel=1e-12, abs=1e-12)
    assert grads[0][0] == pytest.approx(grads[1][0], rel=1e-10, abs=1e-12)
    assert grads[0][1] == pytest.approx(grads[1][1], rel=1e-10, abs=1e-12)


def test_linear_rejects_wrong_width():
    with pytest.raises(ValueError, match=r"Linear\(3, 2\) expects a batch of shape \(N, 3\)"):
        Linear(3, 2)(Tensor([[1.0, 2.0]]))


@pytest.mark.parametrize("init", INITS)
def test_init_is_seeded_and_has_the_documented_scale(init):
    a = init_weights(400, 100, init, random.Random(0))
    assert a == init_weights(400, 100, init, random.Random(0))
    assert a != init_weights(400, 100, init, random.Random(1))
    mean = sum(a) / len(a)
    var = sum((x - mean) ** 2 for x in a) / len(a)
    expected = {"uniform": 1 / 400 / 3, "xavier": 6 / 500 / 3, "he": 2 / 400}[init]
    assert abs(mean) < 0.01 * math.sqrt(expected) * 10
    assert var == pytest.approx(expected, rel=0.03)
    if init != "he":
        bound = 1 / 20 if init == "uniform" else math.sqrt(6 / 500)
        assert max(map(abs, a)) <= bound


def test_unknown_init_is_named():
    with pytest.raises(ValueError, match="unknown init 'lecun'; choose one of uniform, xavier, he"):
        Linear(2, 2, init="lecun")


def test_tensor_mlp_layers_parameters_and_config():
    m = TensorMLP(784, [128], 10, activation="tanh", seed=0)
    assert [type(x).__name__ for x in m.layers] == ["Linear", "Tanh", "Linear"]
    assert [n for n, _ in m.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert m.num_parameters() == 784 * 128 + 128 + 128 * 10 + 10
    assert m.config() == {"nin": 784, "hidden": [128], "nout": 10, "activation": "tanh"}
    assert "784-128-10 tanh" in repr(m)
    deep = TensorMLP(4, [3, 2], 2, activation="relu")
    assert [type(x).__name__ for x in deep.layers] == ["Linear", "ReLU", "Linear", "ReLU",
                                                      "Linear"]


def test_same_seed_same_weights_different_seed_different():
    a, b = TensorMLP(6, [5], 3, seed=4), TensorMLP(6, [5], 3, seed=4)
    c = TensorMLP(6, [5], 3, seed=5)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()


@pytest.mark.parametrize("act, fn", [(Tanh, math.tanh), (ReLU, lambda v: max(v, 0.0)),
                                     (Sigmoid, lambda v: 1 / (1 + math.exp(-v)))])
def test_activation_modules_apply_their_function(act, fn):
    x = [-1.5, 0.0, 0.7]
    assert act()(Tensor([x])).data == pytest.approx([fn(v) for v in x], rel=1e-15)
    assert act().parameters() == []


def test_sequential_state_dict_save_load_json(tmp_path):
    m = Sequential(Linear(3, 4, seed=1), ReLU(), Linear(4, 2, seed=2))
    path = tmp_path / "m.json"
    m.save(path)
    other = Sequential(Linear(3, 4, seed=9), ReLU(), Linear(4, 2, seed=9))
    other.load(path)
    assert other.state_dict() == m.state_dict()
    doc = json.loads(path.read_text())
    assert doc["state"]["layers.0.weight"]["shape"] == [3, 4]


def test_model_file_rebuilds_without_knowing_the_architecture(tmp_path):
    m = TensorMLP(8, [6, 5], 3, activation="sigmoid", seed=2)
    path = tmp_path / "model.json"
    save_model(m, path, {"classes": ["a", "b", "c"]})
    loaded, meta = load_model(path)
    assert meta == {"classes": ["a", "b", "c"]}
    assert isinstance(loaded, TensorMLP) and loaded.config() == m.config()
    x = Tensor([[0.1 * i - 0.3 * j for i in range(8)] for j in range(4)])
    with no_grad():
        assert loaded(x).data == m(x).data          # exactly: floats round-trip through repr


def test_build_module_sequential_of_parts():
    m = Sequential(Linear(3, 4), Tanh(), Linear(4, 2))
    rebuilt = build_module(m.architecture())
    assert rebuilt.architecture() == m.architecture()


def test_load_model_rebuilds_a_scalar_mlp_and_a_tensor_mlp_from_their_files_alone(tmp_path):
    from autograd import Value
    from nn import MLP

    scalar = MLP(2, [5, 3, 1], activation="relu", seed=7)
    scalar.save(tmp_path / "moons.json", meta={"dataset": ["moons"]})
    rebuilt, meta = load_model(tmp_path / "moons.json")
    assert type(rebuilt) is MLP and meta == {"dataset": ["moons"]}
    assert rebuilt.config() == scalar.config()
    x = [Value(0.3), Value(-1.1)]
    assert rebuilt(x).data == scalar(x).data                     # bit for bit
    tensor = TensorMLP(4, [6], 3, activation="sigmoid", seed=2)
    tensor.save(tmp_path / "t.json")
    t2, _ = load_model(tmp_path / "t.json")
    assert type(t2) is TensorMLP and t2.state_dict() == tensor.state_dict()
    q = tmp_path / "junk.json"
    q.write_text('{"hello": 1}')
    with pytest.raises(ModelFileError, match="not a chainrule model file"):
        load_model(q)


def test_a_damaged_or_huge_scalar_model_file_is_refused_before_building(tmp_path, monkeypatch):
    from nn import MLP
    MLP(2, [3, 1]).save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    doc["state"]["layers.0.neurons.0.w.0"] = {"shape": [], "data": [1.0]}
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=r"'layers.0.neurons.0.w.0' is a scalar"):
        load_model(tmp_path / "bad.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    doc["architecture"]["config"]["sizes"] = [10 ** 6, 1]
    (tmp_path / "huge.json").write_text(json.dumps(doc))
    monkeypatch.setattr(nn.layers.MLP, "__init__", None)          # building would fail loudly
    with pytest.raises(ModelFileError, match=r"2,000,001 parameters.*before building|disagree"):
        load_model(tmp_path / "huge.json")


def test_a_module_of_ones_own_loads_once_registered(tmp_path):
    from nn import Module, register_module

    class Scale(Module):
        def __init__(self, n):
            self.w = Tensor([2.0] * n, requires_grad=True)

        def config(self):
            return {"n": len(self.w.data)}

        def __call__(self, x):
            return x * self.w

    Scale(3).save(tmp_path / "s.json")
    with pytest.raises(ModelFileError, match=r"unknown module type 'Scale'.*register_module"):
        load_model(tmp_path / "s.json")
    register_module(Scale)
    try:
        m, _ = load_model(tmp_path / "s.json")
        assert type(m) is Scale and m.w.data == [2.0, 2.0, 2.0]
    finally:
        del nn.registry.TYPES["Scale"]


# ---- losses ------------------------------------------------------------------------------

def test_cross_entropy_value_and_gradient():
    z = Tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5]], requires_grad=True)
    loss = softmax_cross_entropy(z, [0, 2])
    lse0 = math.log(math.exp(2) + 1 + math.exp(-1))
    assert loss.item() == pytest.approx(((lse0 - 2.0) + math.log(3)) / 2, rel=1e-14)
    loss.backward()
    s = [math.exp(v - lse0) for v in (2.0, 0.0, -1.0)]
    assert z.grad.data[:3] == pytest.approx([(s[0] - 1) / 2, s[1] / 2, s[2] / 2], rel=1e-12)
    assert z.grad.data[3:] == pytest.approx([1 / 6, 1 / 6, 1 / 6 - 1 / 2], rel=1e-12)


def test_squared_error_on_uniform_softmax_is_exact():
    # softmax of equal logits is 1/C everywhere: |p - onehot|² = (1 - 1/C)² + (C-1)/C²
    z = Tensor([[0.0, 0.0, 0.0, 0.0]] * 2)
    assert squared_error(z, [1, 3]).item() == pytest.approx(0.75 ** 2 + 3 / 16, rel=1e-15)


def test_squared_error_gradient_matches_central_differences():
    z = Tensor([[0.3, -1.2, 2.0], [1.0, 0.1, -0.4]], requires_grad=True)
    gradcheck(lambda t: squared_error(t, [2, 0]), [z], rtol=1e-6, atol=1e-9,
              raise_on_failure=True)


def test_squared_error_rejects_bad_labels():
    with pytest.raises(Exception, match=r"label 1 is 5; labels must be ints in \[0, 3\)"):
        squared_error(Tensor([[0.0] * 3] * 2), [0, 5])


def test_predictions_and_correct():
    z = Tensor([[0.1, 0.9, 0.0], [3.0, 3.0, 1.0]])
    assert predictions(z) == [1, 0]
    assert correct(z, [1, 2]) == 1


# ---- optimizers on Tensor parameters --------------------------------------------------------

def test_sgd_momentum_step_on_tensor_parameters_is_exact():
    w = Tensor([1.0, -2.0], requires_grad=True)
    opt = SGD([w], lr=0.5, momentum=0.5)
    for _ in range(2):
        opt.zero_grad()
        assert w.grad is None
        (w * Tensor([2.0, 4.0])).sum().backward()        # gradient [2, 4]
        opt.step()
    # v1 = g, x1 = x0 - 0.5 g; v2 = 0.5 g + g = 1.5 g, x2 = x1 - 0.75 g
    assert w.data == [1.0 - 0.5 * 2 - 0.75 * 2, -2.0 - 0.5 * 4 - 0.75 * 4]


def test_adam_first_step_moves_each_weight_by_lr():
    m = TensorMLP(3, [2], 2, seed=0)
    before = [list(p.data) for p in m.parameters()]
    opt = Adam(m.parameters(), lr=0.01)
    softmax_cross_entropy(m(Tensor([[1.0, 2.0, 3.0]])), [1]).backward()
    opt.step()
    for p, b in zip(m.parameters(), before):
        for x, x0, g in zip(p.data, b, p.grad.data):
            # first Adam step: m̂ = g, v̂ = g², so x moves by lr·g/(|g| + eps) ≈ lr·sign(g)
            assert x - x0 == pytest.approx(-0.01 * g / (abs(g) + 1e-8), rel=1e-9, abs=1e-15)


def test_tensor_mlp_with_a_bare_hidden_size_says_it_needs_a_list():
    with pytest.raises(TypeError, match=r"TensorMLP: hidden must be a list such as \[128\], got 3"):
        TensorMLP(4, 3, 2)
    with pytest.raises(TypeError, match=r"Adam: pass model.parameters\(\), not the model"):
        Adam(TensorMLP(4, [3], 2))


def test_correct_and_predictions_refuse_mismatched_or_1d_logits():
    from autograd.errors import ShapeError
    logits = Tensor([0.0, 1.0, 1.0, 0.0, 2.0, 0.0], (3, 2))
    assert correct(logits, [1, 0, 0]) == 3
    with pytest.raises(ShapeError, match="correct: 3 rows of logits but 2 labels"):
        correct(logits, [1, 0])
    with pytest.raises(ShapeError, match="correct: 3 rows of logits but 4 labels"):
        correct(logits, [1, 0, 0, 1])
    with pytest.raises(ShapeError,
                       match=r"predictions: logits must be 2-d \(N, C\), got shape \(3,\)"):
        predictions(Tensor([0.0, 1.0, 2.0], (3,)))


def test_save_model_is_module_save_with_meta(tmp_path):
    """One save path: save_model writes exactly what Module.save(path, meta) writes."""
    m = TensorMLP(4, [3], 2, seed=1)
    meta = {"dataset": ["bundled"], "classes": ["a", "b"], "image_shape": [2, 2]}
    save_model(m, tmp_path / "a.json", meta)
    m.save(tmp_path / "b.json", meta=meta)
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text()
    loaded, got = load_model(tmp_path / "b.json")
    assert got == meta and loaded.state_dict() == m.state_dict()
    m.layers[0].bias.data[1] = float("nan")
    with pytest.raises(ModelFileError, match=r"parameters 'layers.0.bias' are NaN"):
        save_model(m, tmp_path / "c.json", meta)
    assert not (tmp_path / "c.json").exists()


def _saved(tmp_path, meta=None):
    path = tmp_path / "m.json"
    save_model(TensorMLP(4, [3], 2), path, meta or {"image_shape": [2, 2]})
    return path, json.loads(path.read_text())


@pytest.mark.parametrize("key, value, message", [
    ("image_shape", [28], "meta 'image_shape' must be 2 positive ints"),
    ("image_shape", [28, 0], "meta 'image_shape' must be 2 positive ints"),
    ("image_shape", [28, "28"], "meta 'image_shape' must be 2 positive ints"),
    ("image_shape", "28x28", "meta 'image_shape' must be 2 positive ints"),
    ("dataset", "bundled", "meta 'dataset' must be a list of strings"),
    ("classes", [0, 1], "meta 'classes' must be a list of strings"),
])
def test_load_model_validates_meta(tmp_path, key, value, message):
    path, doc = _saved(tmp_path)
    doc["meta"][key] = value
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_load_model_checks_sizes_before_building(tmp_path, monkeypatch):
    """A file claiming nin=10**9 must fail from its sizes, not allocate 3·10⁹ weights."""
    import nn.model_file

    path, doc = _saved(tmp_path)
    doc["architecture"]["config"]["nin"] = 10 ** 9
    doc["architecture"]["parameters"]["layers.0.weight"] = [10 ** 9, 3]
    doc["state"]["layers.0.weight"]["shape"] = [10 ** 9, 3]
    path.write_text(json.dumps(doc))

    def no_build(description):
        raise AssertionError("load_model built the module before checking the sizes")
    monkeypatch.setattr(nn.model_file, "build_module", no_build)
    with pytest.raises(ModelFileError, match=r"'layers.0.weight' of shape \[1000000000, 3\] "
                                             r"needs 3000000000 numbers, the state holds 12"):
        load_model(path)
    doc["architecture"]["parameters"]["layers.0.weight"] = [4, 3]      # config disagrees
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="config and parameters disagree"):
        load_model(path)

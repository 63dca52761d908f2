"""nn.Module: parameter discovery, state dicts, JSON save/load, modes, repr."""

import json
import math
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn.module import Module, ModelFileError


class Affine(Module):
    def __init__(self, w=(0.5, -1.0), b=0.25):
        self.w = [Value(x, label=f"w{i}") for i, x in enumerate(w)]
        self.b = Value(b, label="b")
        self.note = "not a parameter"
        self._cache = [Value(9.0)]          # private: never searched

    def config(self):
        return {"nin": len(self.w)}

    def __call__(self, x):
        return sum((wi * xi for wi, xi in zip(self.w, x)), self.b)


class Two(Module):
    def __init__(self):
        self.first = Affine()
        self.blocks = [Affine((1.0, 2.0, 3.0), 0.0), Affine()]
        self.shared = self.first.b          # a second path to the same parameter
        self.scale = Value(2.0)


class FakeTensor:
    """Just enough of a Tensor for Module: flat data, a shape, a grad."""

    def __init__(self, data, shape):
        self.data = list(data)
        self.shape = tuple(shape)
        self.grad = None


class WithTensor(Module):
    def __init__(self):
        self.W = FakeTensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], (2, 3))
        self.b = Value(0.5)

    def config(self):
        return {"rows": 2, "cols": 3}


def test_parameters_deterministic_depth_first_no_duplicates():
    m = Two()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["first.w.0", "first.w.1", "first.b",
                     "blocks.0.w.0", "blocks.0.w.1", "blocks.0.w.2", "blocks.0.b",
                     "blocks.1.w.0", "blocks.1.w.1", "blocks.1.b", "scale"]
    params = m.parameters()
    assert len({id(p) for p in params}) == len(params) == 11
    assert params[0] is m.first.w[0] and params[-1] is m.scale
    assert [p.data for p in Two().parameters()] == [p.data for p in params]
    assert m.num_parameters() == 11


def test_private_and_plain_attributes_are_not_parameters():
    a = Affine()
    assert [n for n, _ in a.named_parameters()] == ["w.0", "w.1", "b"]


def test_zero_grad_resets_scalars_and_tensors():
    m = WithTensor()
    m.b.grad = 3.0
    m.W.grad = FakeTensor([1.0] * 6, (2, 3))
    m.zero_grad()
    assert m.b.grad == 0.0 and m.W.grad is None


def test_train_eval_flags_recurse():
    m = Two()
    assert m.training and m.blocks[1].training
    assert m.eval() is m
    assert not m.training and not m.first.training and not m.blocks[0].training
    m.train()
    assert all(x.training for x in m.modules())


def test_state_dict_is_a_plain_copy():
    m = WithTensor()
    sd = m.state_dict()
    assert sd == {"W": {"shape": [2, 3], "data": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}, "b": 0.5}
    m.W.data[0] = 7.0
    m.b.data = 1.0
    assert sd["W"]["data"][0] == 0.1 and sd["b"] == 0.5
    json.dumps(sd)


def test_load_state_dict_roundtrip_and_in_place_tensor_update():
    m, other = Two(), Two()
    for i, p in enumerate(m.parameters()):
        p.data = math.pi * (i + 1) / 7.0
    other.load_state_dict(m.state_dict())
    assert [p.data for p in other.parameters()] == [p.data for p in m.parameters()]
    t = WithTensor()
    data_list = t.W.data
    t.load_state_dict({"W": {"shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}, "b": -1})
    assert t.W.data is data_list and t.W.data == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert t.b.data == -1.0 and type(t.b.data) is float


@pytest.mark.parametrize("state, message", [
    ({"W": {"shape": [2, 3], "data": [0.0] * 6}}, "missing 'b'"),
    ({"W": {"shape": [2, 3], "data": [0.0] * 6}, "b": 1.0, "c": 2.0}, "unexpected 'c'"),
    ({"W": {"shape": [3, 2], "data": [0.0] * 6}, "b": 1.0}, "has shape [2, 3]"),
    ({"W": {"shape": [2, 3], "data": [0.0] * 5}, "b": 1.0}, "needs 6 numbers, got 5"),
    ({"W": [0.0] * 6, "b": 1.0}, "its state must be"),
    ({"W": {"shape": [2, 3], "data": [0.0] * 6}, "b": "1.0"}, "expected a number"),
    ({"W": {"shape": [2, 3], "data": [0.0] * 5 + [float("nan")]}, "b": 1.0}, "finite"),
    ({"W": {"shape": [2, 3], "data": [0.0] * 6}, "b": True}, "expected a number"),
    ({"W": {"shape": [2, 3], "data": [0.0] * 6}, "b": {"shape": [], "data": []}}, "scalar"),
])
def test_bad_state_dict_raises_and_changes_nothing(state, message):
    m = WithTensor()
    before = m.state_dict()
    with pytest.raises(ModelFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        m.load_state_dict(state)
    assert m.state_dict() == before


def test_load_state_dict_non_strict_loads_the_matching_names():
    m = WithTensor()
    m.load_state_dict({"b": 4.0, "extra": 1.0}, strict=False)
    assert m.b.data == 4.0 and m.W.data[0] == 0.1


def test_save_load_exact_roundtrip(tmp_path):
    m = WithTensor()
    m.W.data[:] = [1 / 3, -2 / 7, 1e-300, 5e-324, -0.0, 12345.678901234567]
    m.b.data = math.e
    path = tmp_path / "model.json"
    m.save(path)
    doc = json.loads(path.read_text())
    assert doc["format"] == "chainrule.nn" and doc["version"] == 1
    assert doc["architecture"] == {"type": "WithTensor", "config": {"rows": 2, "cols": 3},
                                   "parameters": {"W": [2, 3], "b": []}}
    n = WithTensor().load(path)
    assert n.W.data == m.W.data and n.b.data == m.b.data
    assert math.copysign(1.0, n.W.data[4]) == -1.0
    assert [f for f in os.listdir(tmp_path)] == ["model.json"]      # no temporary left behind


def _corrupt_cases(path, good):
    doc = json.loads(good)
    yield "truncated", good[: len(good) // 2], "corrupted JSON"
    yield "not json", "hello", "corrupted JSON"
    yield "list", "[1, 2]", "not a chainrule model file"
    yield "format", json.dumps({**doc, "format": "other"}), "format 'other'"
    yield "version", json.dumps({**doc, "version": 99}), "version 99 is not supported"
    arch = {**doc["architecture"], "config": {"rows": 3, "cols": 2}}
    yield "config", json.dumps({**doc, "architecture": arch}), "different model: config"
    arch = {**doc["architecture"], "type": "MLP"}
    yield "type", json.dumps({**doc, "architecture": arch}), "different model: type 'MLP'"
    state = {**doc["state"], "b": "x"}
    yield "value", json.dumps({**doc, "state": state}), "expected a number"
    yield "nan", good.replace('"b": 0.5', '"b": NaN'), "NaN is not allowed"
    yield "dup", good.replace('"b": 0.5', '"b": 0.5, "b": 0.7'), "duplicate key"
    no_state = {k: v for k, v in doc.items() if k != "state"}
    yield "no state", json.dumps(no_state), "no 'state' object"


def test_corrupted_or_mismatched_file_raises_clearly_and_leaves_model(tmp_path):
    path = tmp_path / "m.json"
    WithTensor().save(path)
    good = path.read_text()
    for name, text, message in _corrupt_cases(path, good):
        path.write_text(text)
        m = WithTensor()
        m.W.data[:] = [9.0] * 6
        m.b.data = 9.0
        with pytest.raises(ModelFileError, match=message):
            m.load(path)
        assert m.W.data == [9.0] * 6 and m.b.data == 9.0, name
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ModelFileError, match="not UTF-8"):
        WithTensor().load(path)


def test_save_refuses_nan_weights_and_keeps_old_file(tmp_path):
    path = tmp_path / "m.json"
    m = WithTensor()
    m.save(path)
    before = path.read_text()
    m.b.data = float("nan")
    with pytest.raises(ModelFileError, match="'b' are NaN or infinite"):
        m.save(path)
    assert path.read_text() == before


def test_repr_shows_config_and_children():
    text = repr(Two())
    assert text.splitlines()[0] == "Two()"
    assert "  (first): Affine(nin=2)" in text
    assert "  (blocks.0): Affine(nin=3)" in text


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=9, max_size=9))
def test_mlp_save_load_roundtrips_every_float_exactly(tmp_path_factory, xs):
    from nn import MLP

    m = MLP(2, [2, 1], seed=3)
    for p, x in zip(m.parameters(), xs, strict=True):
        p.data = x
    path = tmp_path_factory.mktemp("rt") / "mlp.json"
    m.save(path)
    n = MLP(2, [2, 1], seed=4).load(path)
    assert [p.data.hex() for p in n.parameters()] == [x.hex() for x in xs]


def test_mlp_file_for_another_architecture_is_refused(tmp_path):
    from nn import MLP

    path = tmp_path / "mlp.json"
    MLP(2, [3, 1]).save(path)
    other = MLP(2, [4, 1])
    before = other.state_dict()
    with pytest.raises(ModelFileError, match=r"different model: config .*'sizes': \[3, 1\]"):
        other.load(path)
    assert other.state_dict() == before
    tanh = MLP(2, [3, 1], activation="relu")
    with pytest.raises(ModelFileError, match="activations"):
        tanh.load(path)


# ---- bounded, shallow reads ------------------------------------------------------------------

@pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")
def test_load_refuses_dev_zero_and_a_fifo_without_hanging(tmp_path):
    from autograd.fileio import NotRegularFileError

    with pytest.raises(NotRegularFileError, match="/dev/zero: it is a character device"):
        WithTensor().load("/dev/zero")
    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFileError, match=r"it is a FIFO \(named pipe\)"):
        WithTensor().load(fifo)


def test_load_refuses_a_file_above_the_size_cap(tmp_path, monkeypatch):
    import nn.errors
    from autograd.fileio import FileTooLargeError

    path = tmp_path / "m.json"
    WithTensor().save(path)
    monkeypatch.setattr(nn.errors, "MAX_JSON_BYTES", path.stat().st_size - 1)
    with pytest.raises(FileTooLargeError, match="the model file is .*, more than the"):
        WithTensor().load(path)


@pytest.mark.parametrize("depth", [40, 1000, 100_000])
def test_deeply_nested_json_is_one_clear_error(tmp_path, depth):
    path = tmp_path / "m.json"
    path.write_text('{"format": "chainrule.nn", "version": 1, "state": ' + "[" * depth
                    + "]" * depth + "}")
    with pytest.raises(ModelFileError, match=r"not a valid model file \(JSON nested more than "
                                             r"32 levels deep\)$"):
        WithTensor().load(path)


def test_nesting_up_to_the_limit_loads(tmp_path):
    path = tmp_path / "m.json"
    model = WithTensor()
    model.save(path)
    doc = json.loads(path.read_text())
    for lists, ok in ((31, True), (32, False)):    # the top object is level 1
        doc["meta"] = json.loads("[" * lists + "]" * lists)
        path.write_text(json.dumps(doc))
        if ok:
            assert WithTensor().load(path).state_dict() == model.state_dict()
        else:
            with pytest.raises(ModelFileError, match="nested more than 32 levels deep"):
                WithTensor().load(path)

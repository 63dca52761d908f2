"""safetensors files (``nn.safetensors``, ``nn.torch_layout``): the format read and written with
the standard library, round trips through ``Module.save``/``nn.load_model``, PyTorch's names
and (out, in) layout, and hostile files refused with one line, the model untouched. The
cross-checks against the real ``safetensors`` and ``torch`` packages are in
test_safetensors_torch.py."""

import json
import math
import os
import struct

import pytest
from hypothesis import given, strategies as st

from autograd import Tensor
from autograd.fileio import FileTooLargeError, NotRegularFileError
from nn import MLP, Linear, ModelFileError, Sequential, Tanh, TensorMLP, load_model, save_model
from nn.linear import ReLU
from nn.safetensors import MAX_HEADER_BYTES, StoredTensor, read_safetensors, write_safetensors
from nn.torch_layout import torch_tensors


def bits(xs):
    return [struct.pack("<d", x) for x in xs]


def raw_file(path, header, data=b"", header_text=None, length=None):
    """A safetensors file built by hand: ``header`` (dumped as JSON, or ``header_text``) and
    ``data``, with a declared header length of ``length`` (default: the real one)."""
    text = (header_text if header_text is not None else json.dumps(header)).encode("utf-8")
    n = len(text) if length is None else length
    path.write_bytes(struct.pack("<Q", n) + text + data)
    return path


# ---- the format ---------------------------------------------------------------------------

def test_written_file_is_the_documented_layout(tmp_path):
    path = tmp_path / "t.safetensors"
    write_safetensors(path, {"w": ("F64", (2, 3), [1.0, 2.0, 3.0, 4.0, 5.0, 6.5]),
                             "b": ("F32", (3,), [0.5, -0.25, 2.0])}, {"note": "hi"})
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0 and raw[8 + n - 1:8 + n] in (b" ", b"}")     # padded with spaces
    header = json.loads(raw[8:8 + n])
    assert header == {"__metadata__": {"note": "hi"},
                      "w": {"dtype": "F64", "shape": [2, 3], "data_offsets": [0, 48]},
                      "b": {"dtype": "F32", "shape": [3], "data_offsets": [48, 60]}}
    data = raw[8 + n:]
    assert len(data) == 60
    assert struct.unpack("<6d", data[:48]) == (1.0, 2.0, 3.0, 4.0, 5.0, 6.5)
    assert struct.unpack("<3f", data[48:]) == (0.5, -0.25, 2.0)
    tensors, metadata = read_safetensors(path)
    assert metadata == {"note": "hi"}
    assert tensors == {"w": ("F64", (2, 3), [1.0, 2.0, 3.0, 4.0, 5.0, 6.5]),
                       "b": ("F32", (3,), [0.5, -0.25, 2.0])}
    assert isinstance(tensors["w"], StoredTensor) and tensors["w"].dtype == "F64"
    assert repr(tensors["w"]) == "StoredTensor('F64', (2, 3), <6 numbers>)"


def test_reads_f16_and_bf16_exactly(tmp_path):
    # F16 1.5 = 0x3e00, -2.25 = 0xc080; BF16 is a float32's top half: 1.5 = 0x3fc0, -2.25 = 0xc010
    data = struct.pack("<2H", 0x3E00, 0xC080) + struct.pack("<2H", 0x3FC0, 0xC010)
    path = raw_file(tmp_path / "h.safetensors",
                    {"h": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]},
                     "bf": {"dtype": "BF16", "shape": [2], "data_offsets": [4, 8]}}, data)
    tensors, _ = read_safetensors(path)
    assert tensors["h"].data == [1.5, -2.25] and tensors["bf"].data == [1.5, -2.25]


def test_tensors_are_returned_in_data_order_whatever_the_header_order(tmp_path):
    path = raw_file(tmp_path / "o.safetensors",
                    {"late": {"dtype": "F64", "shape": [1], "data_offsets": [8, 16]},
                     "early": {"dtype": "F64", "shape": [], "data_offsets": [0, 8]},
                     "empty": {"dtype": "F32", "shape": [0, 3], "data_offsets": [16, 16]}},
                    struct.pack("<2d", 1.0, 2.0))
    tensors, metadata = read_safetensors(path)
    assert list(tensors) == ["early", "late", "empty"] and metadata == {}
    assert tensors["early"] == ("F64", (), [1.0]) and tensors["empty"].data == []


@pytest.mark.parametrize("tensors, metadata, message", [
    ({"__metadata__": ("F64", (1,), [1.0])}, None, "a tensor name must be a non-empty str"),
    ({"": ("F64", (1,), [1.0])}, None, "a tensor name must be a non-empty str"),
    ({"w": ("I64", (1,), [1.0])}, None, "dtype 'I64'; chainrule writes F64 or F32"),
    ({"w": ("F64", (2, 2), [1.0])}, None, r"shape \[2, 2\] but 1 numbers"),
    ({"w": ("F64", (1,), [1.0])}, {"n": 1}, "metadata must be a dict of str -> str"),
])
def test_write_refuses_malformed_arguments(tmp_path, tensors, metadata, message):
    with pytest.raises(ValueError, match=message):
        write_safetensors(tmp_path / "x.safetensors", tensors, metadata)
    assert os.listdir(tmp_path) == []


def test_f32_overflow_is_refused_and_nothing_is_written(tmp_path):
    with pytest.raises(ModelFileError, match=r"tensor 'w' holds -1e\+300, beyond float32's "
                                             r"range .*save it as float64"):
        write_safetensors(tmp_path / "x.safetensors", {"w": ("F32", (2,), [1.0, -1e300])})
    assert os.listdir(tmp_path) == []


# ---- models: names, layout, round trips -----------------------------------------------------

def test_tensor_mlp_is_written_under_torch_sequential_names_and_layout(tmp_path):
    model = TensorMLP(3, [2], 2, seed=1)
    path = tmp_path / "m.safetensors"
    model.save(path)
    tensors, metadata = read_safetensors(path)
    assert list(tensors) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    w = model.layers[0].weight.data                      # chainrule (3, 2): w[i*2 + j]
    assert tensors["0.weight"] == ("F64", (2, 3), [w[0], w[2], w[4], w[1], w[3], w[5]])
    assert tensors["2.weight"].shape == (2, 2) and tensors["2.bias"].shape == (2,)
    assert metadata["format"] == "chainrule.nn" and metadata["version"] == "1"
    assert metadata["layout"] == "torch.nn.Sequential"
    assert json.loads(metadata["architecture"]) == model.architecture()
    assert "meta" not in metadata


def test_scalar_mlp_names_skip_linear_activations(tmp_path):
    # Linear, Tanh, Linear (linear: no module), Linear, Sigmoid -> indices 0, 2, 3
    model = MLP(2, [3, 2, 1], activation=["tanh", "linear", "sigmoid"], seed=4)
    tensors = torch_tensors(model.architecture(), model.state_dict())
    assert {n: t.shape for n, t in tensors.items()} == {
        "0.weight": (3, 2), "0.bias": (3,), "2.weight": (2, 3), "2.bias": (2,),
        "3.weight": (1, 2), "3.bias": (1,)}
    n = model.layers[1].neurons
    assert tensors["2.weight"].data == [n[0].w[0].data, n[0].w[1].data, n[0].w[2].data,
                                        n[1].w[0].data, n[1].w[1].data, n[1].w[2].data]


def test_nested_sequential_and_a_single_linear_use_torch_names():
    seq = Sequential(Linear(2, 3), Sequential(Tanh(), Linear(3, 1)))
    assert list(torch_tensors(seq.architecture(), seq.state_dict())) == [
        "0.weight", "0.bias", "1.1.weight", "1.1.bias"]
    lin = Linear(4, 2)
    assert {n: t.shape for n, t in torch_tensors(lin.architecture(),
                                                 lin.state_dict()).items()} == {
        "weight": (2, 4), "bias": (2,)}


def _perturbed(model, seed):
    """``model`` with every weight and bias changed (biases start at 0)."""
    import random
    rng = random.Random(seed)
    for p in model.parameters():
        if getattr(p, "shape", None) is None:
            p.data = rng.uniform(-2, 2)
        else:
            p.data[:] = [rng.uniform(-2, 2) for _ in p.data]
    return model


@pytest.mark.parametrize("make", [
    lambda: TensorMLP(5, [4, 3], 2, activation="relu"),
    lambda: Sequential(Linear(2, 3), ReLU(), Sequential(Linear(3, 3), Tanh()), Linear(3, 2)),
    lambda: Linear(3, 2),
], ids=["TensorMLP", "nested-Sequential", "Linear"])
def test_float64_round_trip_through_load_model_is_bit_exact(tmp_path, make):
    model = _perturbed(make(), 7)
    path = tmp_path / "m.safetensors"
    save_model(model, path, {"classes": ["a", "b"], "image_shape": [1, 5]})
    back, meta = load_model(path)
    assert type(back) is type(model) and back.architecture() == model.architecture()
    assert meta == {"classes": ["a", "b"], "image_shape": [1, 5]}
    for (name, p), (_, q) in zip(model.named_parameters(), back.named_parameters()):
        assert bits(p.data) == bits(q.data), name


def test_scalar_mlp_round_trip_is_bit_exact_and_load_model_rebuilds_it(tmp_path):
    model = _perturbed(MLP(3, [4, 4, 1], seed=2), 3)
    path = tmp_path / "v.safetensors"
    model.save(path)
    other = MLP(3, [4, 4, 1], seed=9).load(path)
    assert bits(p.data for p in other.parameters()) == bits(p.data for p in model.parameters())
    rebuilt, _ = load_model(path)
    assert type(rebuilt) is MLP and rebuilt.config() == model.config()
    assert bits(p.data for p in rebuilt.parameters()) == bits(p.data for p in model.parameters())


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=6, max_size=6))
def test_any_finite_double_survives_float64_exactly(tmp_path_factory, values):
    model = Linear(2, 3)
    model.weight.data[:] = values
    path = tmp_path_factory.mktemp("p") / "l.safetensors"
    model.save(path)
    assert bits(load_model(path)[0].weight.data) == bits(values)      # -0.0, subnormals too


def test_float32_rounds_each_weight_to_the_nearest_float32(tmp_path):
    model = _perturbed(TensorMLP(4, [3], 2), 5)
    path = tmp_path / "m32.safetensors"
    model.save(path, dtype="float32")
    assert {t.dtype for t in read_safetensors(path)[0].values()} == {"F32"}
    back, _ = load_model(path)
    for p, q in zip(model.parameters(), back.parameters()):
        nearest = [struct.unpack("<f", struct.pack("<f", x))[0] for x in p.data]
        assert q.data == nearest
        assert all(abs(a - b) <= 2 ** -24 * abs(a) for a, b in zip(p.data, q.data))
    raw = path.read_bytes()
    assert len(raw) - 8 - struct.unpack("<Q", raw[:8])[0] == 4 * model.num_parameters()


def test_format_argument_overrides_the_extension(tmp_path):
    model = _perturbed(TensorMLP(3, [2], 2), 1)
    model.save(tmp_path / "weights.bin", format="safetensors")
    assert read_safetensors(tmp_path / "weights.bin")[0]           # it is a safetensors file
    assert load_model(tmp_path / "weights.bin", format="safetensors")[0].state_dict() == \
        model.state_dict()
    model.save(tmp_path / "odd.safetensors", format="json")
    assert json.loads((tmp_path / "odd.safetensors").read_text())["format"] == "chainrule.nn"
    assert TensorMLP(3, [2], 2, seed=5).load(tmp_path / "odd.safetensors", format="json") \
        .state_dict() == model.state_dict()
    with pytest.raises(ValueError, match="unknown model file format 'pt'"):
        model.save(tmp_path / "x", format="pt")
    with pytest.raises(ValueError, match="dtype= is for .safetensors files"):
        model.save(tmp_path / "x.json", dtype="float32")
    with pytest.raises(ValueError, match="unknown dtype 'float16'"):
        model.save(tmp_path / "x.safetensors", dtype="float16")
    assert sorted(os.listdir(tmp_path)) == ["odd.safetensors", "weights.bin"]


def test_diverged_weights_are_refused_and_nothing_is_written(tmp_path):
    model = TensorMLP(3, [2], 2)
    model.layers[2].bias.data[1] = float("nan")
    with pytest.raises(ModelFileError, match=r"parameters 'layers.2.bias' are NaN or infinite"):
        model.save(tmp_path / "m.safetensors")
    with pytest.raises(ModelFileError, match="NaN or infinite numbers in the meta data"):
        TensorMLP(3, [2], 2).save(tmp_path / "m.safetensors", meta={"x": float("inf")})
    assert os.listdir(tmp_path) == []


def test_a_model_with_no_torch_equivalent_is_refused_on_save(tmp_path):
    from nn import Neuron

    with pytest.raises(ModelFileError, match="a Neuron module has no PyTorch equivalent"):
        Neuron(3).save(tmp_path / "n.safetensors")
    assert os.listdir(tmp_path) == []


# ---- hostile files: one line, the model untouched -------------------------------------------

W = {"dtype": "F64", "shape": [2, 3], "data_offsets": [0, 48]}      # "weight" of Linear(3, 2)
B = {"dtype": "F64", "shape": [2], "data_offsets": [48, 64]}
GOOD_DATA = struct.pack("<8d", *range(8))

HOSTILE = {
    "too short": (None, b"\x01\x02", "3 bytes, shorter than the 8-byte header length"),
    "header length beyond the file": (
        {"weight": W, "bias": B}, GOOD_DATA + struct.pack("<Q", 10 ** 6),
        "the header length 1,000,000 is beyond the end of the"),
    "header length beyond the cap": (
        {"weight": W, "bias": B}, struct.pack("<Q", MAX_HEADER_BYTES + 1),
        "the header length 100,000,001 is more than the 100,000,000 bytes allowed"),
    "not JSON": ("{weight: 1}", b"", "header: Expecting property name"),
    "not UTF-8": (b"{\"w\xff\": 1}", b"", "header: 'utf-8' codec can't decode"),
    "not starting with {": (" {}", b"", "the header does not start with '{'"),
    "non-dict header": ("[1, 2]", b"", "the header does not start with '{'"),
    "NaN in the header": ('{"weight": NaN}', b"", "header: NaN is not allowed in JSON"),
    "duplicate names": ('{"bias": %s, "bias": %s}' % (json.dumps(B), json.dumps(B)),
                        GOOD_DATA, "header: duplicate key 'bias'"),
    "entry not an object": ({"weight": [0, 48]}, b"", "tensor 'weight' must have exactly "
                            "dtype, shape and data_offsets, got list"),
    "entry with an extra key": ({"weight": {**W, "x": 1}, "bias": B}, GOOD_DATA,
                                "got ['data_offsets', 'dtype', 'shape', 'x']"),
    "integer dtype": ({"weight": {**W, "dtype": "I64"}, "bias": B}, GOOD_DATA,
                      "has dtype 'I64', a dtype chainrule does not read: weights must be "
                      "floating point (F64, F32, F16, BF16)"),
    "unknown dtype": ({"weight": {**W, "dtype": "F128"}, "bias": B}, GOOD_DATA,
                      "has dtype 'F128', not a safetensors dtype"),
    "negative shape": ({"weight": {**W, "shape": [-2, -3]}, "bias": B}, GOOD_DATA,
                       "has shape [-2, -3]; a shape is a list of ints >= 0"),
    "bool in shape": ({"weight": {**W, "shape": [True, 3]}, "bias": B}, GOOD_DATA,
                      "has shape [True, 3]"),
    "offsets reversed": ({"weight": {**W, "data_offsets": [48, 0]}, "bias": B}, GOOD_DATA,
                         "data_offsets [48, 0]; they must be two ints 0 <= begin <= end"),
    "offsets out of range": ({"weight": W, "bias": {**B, "data_offsets": [48, 6400]}},
                             GOOD_DATA, "data_offsets [48, 6400) reach beyond the 64 bytes"),
    "10 GB declared shape": ({"weight": {**W, "shape": [100_000, 12_500]}, "bias": B},
                             GOOD_DATA, "shape [100000, 12500] of F64 needs 10,000,000,000 "
                                        "bytes, its data_offsets hold 48"),
    "overlapping offsets": ({"weight": W, "bias": {**B, "data_offsets": [40, 56]}},
                            GOOD_DATA[:56], "tensor 'bias' at bytes [40, 56) overlaps the one "
                                            "before it, which ends at 48"),
    "a gap": ({"weight": {**W, "data_offsets": [8, 56]}, "bias": {**B, "data_offsets":
                                                                 [56, 72]}},
              GOOD_DATA + bytes(8), "tensor 'weight' at bytes [8, 56) leaves bytes [0, 8) "
                                    "unused"),
    "bytes after the last tensor": ({"weight": W, "bias": B}, GOOD_DATA + bytes(5),
                                    "5 bytes after the last tensor's data"),
    "truncated data": ({"weight": W, "bias": B}, GOOD_DATA[:-3],
                       "data_offsets [48, 64) reach beyond the 61 bytes of data (a truncated "
                       "file?)"),
    "metadata not strings": ({"__metadata__": {"format": 1}, "weight": W, "bias": B},
                             GOOD_DATA, "__metadata__ must be an object of strings"),
}


def _hostile(tmp_path, case):
    header, data, _ = HOSTILE[case]
    path = tmp_path / "bad.safetensors"
    if header is None:
        path.write_bytes(b"\x00" * 3)
    elif isinstance(header, bytes):
        path.write_bytes(struct.pack("<Q", len(header)) + header + data)
    elif case.startswith("header length"):
        text = json.dumps(header).encode()
        path.write_bytes(data[-8:] + text + data[:-8])      # declared length, then the rest
    elif isinstance(header, str):
        raw_file(path, None, data, header_text=header)
    else:
        raw_file(path, header, data)
    return path


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_is_refused_in_one_line_and_the_model_is_untouched(tmp_path, case):
    path = _hostile(tmp_path, case)
    model = _perturbed(Linear(3, 2), 1)
    before = model.state_dict()
    with pytest.raises(ModelFileError) as info:
        model.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not a valid safetensors file (")
    assert message.endswith(")") and HOSTILE[case][2] in message and "\n" not in message
    assert model.state_dict() == before
    with pytest.raises(ModelFileError, match="not a valid safetensors file"):
        load_model(path)


def test_the_good_file_the_hostile_ones_are_made_from_loads(tmp_path):
    path = raw_file(tmp_path / "good.safetensors", {"weight": W, "bias": B}, GOOD_DATA)
    model = Linear(3, 2).load(path)
    assert model.weight.data == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]       # (2, 3) transposed
    assert model.bias.data == [6.0, 7.0]


def test_json_file_named_safetensors_gets_a_hint(tmp_path):
    path = tmp_path / "model.safetensors"
    Linear(3, 2).save(path, format="json")
    with pytest.raises(ModelFileError, match="it looks like JSON: a .json model file"):
        load_model(path)


def test_non_finite_weights_in_a_file_are_refused_and_the_model_is_untouched(tmp_path):
    data = struct.pack("<8d", 0, 1, 2, float("inf"), 4, 5, 6, 7)
    path = raw_file(tmp_path / "inf.safetensors", {"weight": W, "bias": B}, data)
    model = _perturbed(Linear(3, 2), 2)
    before = model.state_dict()
    with pytest.raises(ModelFileError) as info:
        model.load(path)
    assert str(info.value) == f"{path}: parameter 'weight'[1]: expected a finite number, got inf"
    assert model.state_dict() == before


def test_fifo_and_directory_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)                         # opening it for reading would wait for a writer
    with pytest.raises(NotRegularFileError, match="it is a FIFO"):
        load_model(fifo)
    with pytest.raises(NotRegularFileError, match="it is a directory"):
        Linear(3, 2).load(tmp_path, format="safetensors")


def test_file_over_the_cap_is_refused_before_reading(tmp_path):
    path = tmp_path / "m.safetensors"
    TensorMLP(3, [2], 2).save(path)
    size = os.path.getsize(path)
    assert read_safetensors(path, limit=size)[0]
    with pytest.raises(FileTooLargeError, match="more than the .* chainrule reads for a "
                                                "safetensors file"):
        read_safetensors(path, limit=size - 1)


def test_a_deeply_nested_header_is_one_clear_error(tmp_path):
    path = raw_file(tmp_path / "deep.safetensors", None,
                    header_text='{"w": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ModelFileError, match=r"not a valid safetensors file \(header: nested "
                                             r"too deeply\)"):
        load_model(path)


# ---- files that are valid safetensors but not this model ------------------------------------

def test_wrong_names_and_shapes_say_what_torch_layout_expects(tmp_path):
    model = _perturbed(TensorMLP(3, [2], 2), 3)
    before = model.state_dict()
    wrong = tmp_path / "names.safetensors"
    write_safetensors(wrong, {"layers.0.weight": ("F64", (2, 3), [0.0] * 6)})
    with pytest.raises(ModelFileError, match=r"not those of this TensorMLP as a "
                                             r"torch.nn.Sequential \(missing '0.weight', "
                                             r"'0.bias', '2.weight', '2.bias'; unexpected "
                                             r"'layers.0.weight'"):
        model.load(wrong)
    transposed = tmp_path / "shape.safetensors"
    write_safetensors(transposed, {"0.weight": ("F64", (3, 2), [0.0] * 6),
                                   "0.bias": ("F64", (2,), [0.0] * 2),
                                   "2.weight": ("F64", (2, 2), [0.0] * 4),
                                   "2.bias": ("F64", (2,), [0.0] * 2)})
    with pytest.raises(ModelFileError, match=r"tensor '0.weight' has shape \[3, 2\], this "
                                             r"TensorMLP needs \[2, 3\] \(PyTorch's layout"):
        model.load(transposed)
    assert model.state_dict() == before


def test_a_chainrule_file_of_another_model_is_refused(tmp_path):
    path = tmp_path / "relu.safetensors"
    TensorMLP(3, [2], 2, activation="relu").save(path)
    model = TensorMLP(3, [2], 2)
    before = model.state_dict()
    with pytest.raises(ModelFileError, match="the file holds a different model: config"):
        model.load(path)
    assert model.state_dict() == before


def test_a_foreign_file_loads_into_a_built_model_but_not_through_load_model(tmp_path):
    model = _perturbed(TensorMLP(3, [2], 2), 4)
    path = tmp_path / "torch.safetensors"
    write_safetensors(path, torch_tensors(model.architecture(), model.state_dict()),
                      {"format": "pt"})                  # what safetensors.torch writes
    assert TensorMLP(3, [2], 2).load(path).state_dict() == model.state_dict()
    with pytest.raises(ModelFileError, match=r"without chainrule's architecture .*build the "
                                             r"model and load the weights into it"):
        load_model(path)


def _with_metadata(tmp_path, **changes):
    model = TensorMLP(3, [2], 2)
    path = tmp_path / "m.safetensors"
    model.save(path)
    tensors, metadata = read_safetensors(path)
    metadata.update(changes)
    write_safetensors(path, tensors, metadata)
    return path


@pytest.mark.parametrize("changes, message", [
    ({"version": "2"}, "chainrule safetensors version '2' is not supported"),
    ({"architecture": "{\"type\": "}, "its chainrule architecture is not valid JSON"),
    ({"architecture": "[]"}, "its chainrule metadata has no 'architecture' object"),
    ({"meta": "{\"a\": 1, \"a\": 2}"}, "its chainrule meta is not valid JSON \\(duplicate key"),
    ({"meta": "{\"image_shape\": [28]}"}, "meta 'image_shape' must be 2 positive ints"),
    ({"architecture": json.dumps({"type": "TensorMLP", "config": {
        "nin": 10 ** 9, "hidden": [2], "nout": 2, "activation": "tanh"},
        "parameters": TensorMLP(3, [2], 2).architecture()["parameters"]})},
     "the architecture's config and parameters disagree"),
])
def test_damaged_chainrule_metadata_is_refused_by_load_model(tmp_path, changes, message):
    path = _with_metadata(tmp_path, **changes)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_loaded_model_predicts_exactly_as_the_saved_one(tmp_path):
    model = _perturbed(TensorMLP(6, [5], 3), 8)
    path = tmp_path / "m.safetensors"
    model.save(path)
    back, _ = load_model(path)
    x = Tensor([math.sin(i) for i in range(24)], (4, 6))
    assert back(x).data == model(x).data

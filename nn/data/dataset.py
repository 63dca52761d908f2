"""ImageDataset: labelled grey-scale images kept as bytes (one unsigned byte per pixel).

A dataset of ``n`` images of ``rows x cols`` pixels is one ``bytes`` object of length
``n*rows*cols`` (row-major: image ``i`` is bytes ``[i*rows*cols, (i+1)*rows*cols)``) and
``n`` label bytes. Pixels become floats only when a batch asks for them:

    pixels(i)       [b/255 for each pixel b]                  (784 floats in [0, 1])
    sparse_rows(ix) for each image, (nonzero pixel indices, their values b/255)

MNIST is about 81% zeros, so a batch as sparse rows is ~5x smaller and lets the first
layer touch only the weight rows of nonzero pixels (x.W = sum over nonzero j of x_j W_j).
"""

import random
from itertools import compress
from operator import index, itemgetter

__all__ = ["ImageDataset", "SCALE", "MAX_IMAGE_PIXELS"]

# The largest image a dataset takes (MNIST's are 28x28 = 784 pixels): a dataset keeps one
# position per pixel, so a file whose header says 100000x100000 must fail before that.
MAX_IMAGE_PIXELS = 2 ** 20

# SCALE[b] = b/255 for every byte value: a lookup replaces a division per pixel, and all
# rows share these 256 float objects instead of allocating a new float per pixel.
SCALE = tuple(b / 255 for b in range(256))


def _scaled(pixel_bytes):
    """``[b/255 for b in pixel_bytes]``, fast: ``itemgetter(*bytes)(SCALE)`` looks up every
    byte in SCALE in one C call (~4x faster than ``map``); it returns a bare value, not a
    tuple, for a single byte, hence the special cases."""
    if len(pixel_bytes) > 1:
        return list(itemgetter(*pixel_bytes)(SCALE))
    return [SCALE[b] for b in pixel_bytes]


_ASCII_RAMP = " .:-=+*#%@"  # from blank to full ink


class ImageDataset:
    """Labelled images: ``images`` (bytes, n*rows*cols), ``labels`` (bytes, n), ``classes``.

    ``len(ds)`` is the number of images; ``ds[i]`` is ``(pixels(i), label(i))``;
    ``ds[a:b]`` or ``ds.subset(indices)`` is a new ImageDataset with those images.
    """

    __slots__ = ("images", "labels", "rows", "cols", "classes", "name", "_size",
                 "_sparse", "_all_positions", "sparse_cache")

    def __init__(self, images, labels, rows, cols, classes, name="dataset"):
        images, labels = bytes(images), bytes(labels)
        size = rows * cols
        if rows < 1 or cols < 1 or size > MAX_IMAGE_PIXELS:
            raise ValueError(f"{name}: images must have 1 to {MAX_IMAGE_PIXELS:,} pixels, got "
                             f"{rows}x{cols}")
        if len(images) % size:
            raise ValueError(
                f"{name}: {len(images)} image bytes is not a whole number of {rows}x{cols} images"
            )
        n = len(images) // size
        if len(labels) != n:
            raise ValueError(f"{name}: {n} images but {len(labels)} labels; they must match")
        classes = tuple(classes)
        if labels and max(labels) >= len(classes):
            raise ValueError(
                f"{name}: label {max(labels)} out of range for {len(classes)} classes {classes}"
            )
        self.images, self.labels = images, labels
        self.rows, self.cols, self.classes, self.name = rows, cols, classes, name
        self._size = size
        # sparse_rows cache, filled image by image on first use: image i's nonzero
        # positions and values as two tuples. Their items are shared objects (the ints of
        # _all_positions, the floats of SCALE), so the cache costs ~16 bytes per nonzero
        # pixel: measured 13 MB for the 8,000 bundled digits (19% nonzero), 266 MB for
        # the 60,000 Fashion-MNIST images (50% nonzero).
        # Set ``ds.sparse_cache = False`` to trade that memory for ~10x slower sparse_rows.
        self._sparse = [None] * n
        self.sparse_cache = True
        self._all_positions = tuple(range(size))

    # ---- size and access -------------------------------------------------------------
    def __len__(self):
        return len(self.labels)

    def __repr__(self):
        return (f"ImageDataset({self.name!r}, n={len(self)}, image={self.rows}x{self.cols}, "
                f"classes={len(self.classes)})")

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self.subset(range(*key.indices(len(self))))
        return self.pixels(key), self.label(key)

    def _check(self, i):
        try:
            i = index(i)         # ints and int-likes (numpy ints); not 2.0, "3" or None
        except TypeError:
            raise TypeError(f"{self.name}: image index must be an integer, got "
                            f"{type(i).__name__} {i!r}") from None
        n = len(self.labels)
        if not -n <= i < n:
            raise IndexError(f"{self.name}: image index {i} out of range for {n} images")
        return i % n if i < 0 else i

    def image(self, i):
        """Image ``i`` as ``rows*cols`` raw bytes (0 = background, 255 = full ink)."""
        i = self._check(i)
        s = self._size
        return self.images[i * s:(i + 1) * s]

    def pixels(self, i):
        """Image ``i`` as a list of ``rows*cols`` floats ``b/255`` in [0, 1], row-major."""
        return _scaled(self.image(i))

    def label(self, i):
        """The class number of image ``i`` (an int; its name is ``classes[label]``)."""
        return self.labels[self._check(i)]

    def label_list(self, indices=None):
        """The labels of ``indices`` (default: all) as a list of ints."""
        if indices is None:
            return list(self.labels)
        return [self.labels[self._check(i)] for i in indices]

    def class_counts(self):
        """``{class number: how many images}`` for every class."""
        counts = [0] * len(self.classes)
        for b in self.labels:
            counts[b] += 1
        return dict(enumerate(counts))

    # ---- batches ---------------------------------------------------------------------
    def dense_rows(self, indices):
        """For each index, the image as ``rows*cols`` floats in [0, 1] (see :meth:`pixels`)."""
        return [self.pixels(i) for i in indices]

    def sparse_rows(self, indices):
        """For each index, ``(idx, vals)``: positions of the nonzero pixels and their values.

        ``idx`` is an increasing list of ints in ``range(rows*cols)``, ``vals`` the floats
        ``b/255`` (all > 0) at those positions, so the dense row is zero except
        ``row[idx[k]] = vals[k]``. The lists are new on every call (safe to modify).

        Fast path: on first use of an image, C-level ``itertools.compress`` keeps the
        positions whose byte is nonzero and ``bytes.translate`` drops the zero bytes; the
        result is cached as tuples, so later calls only copy two tuples into lists.
        """
        s, images, cache = self._size, self.images, self._sparse
        out = []
        for i in indices:
            i = self._check(i)
            entry = cache[i]
            if entry is None:
                img = images[i * s:(i + 1) * s]
                entry = (tuple(compress(self._all_positions, img)),
                         tuple(_scaled(img.translate(None, b"\x00"))))
                if self.sparse_cache:
                    cache[i] = entry
            out.append((list(entry[0]), list(entry[1])))
        return out

    def clear_sparse_cache(self):
        """Free the memory held by the :meth:`sparse_rows` cache."""
        self._sparse = [None] * len(self)

    def batches(self, batch_size, shuffle=True, seed=0):
        """Yield lists of indices covering the dataset once, ``batch_size`` at a time.

        With ``shuffle`` the order is a permutation from ``random.Random(seed)``; the last
        batch may be smaller.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        order = list(range(len(self)))
        if shuffle:
            random.Random(seed).shuffle(order)
        for k in range(0, len(order), batch_size):
            yield order[k:k + batch_size]

    def subset(self, indices, name=None):
        """A new ImageDataset with the images and labels at ``indices``, in that order."""
        indices = [self._check(i) for i in indices]
        s, images = self._size, self.images
        return ImageDataset(
            b"".join([images[i * s:(i + 1) * s] for i in indices]),
            bytes(self.labels[i] for i in indices),
            self.rows, self.cols, self.classes, name or self.name,
        )

    # ---- looking at it -----------------------------------------------------------------
    def ascii_art(self, i, ramp=_ASCII_RAMP):
        """Image ``i`` as text, one character per pixel (``' '`` blank ... ``'@'`` full ink),
        under a title line with its index and label name."""
        img = self.image(i)
        top = len(ramp) - 1
        chars = [ramp[(b * top + 127) // 255] for b in img]
        c = self.cols
        lines = ["".join(chars[r * c:(r + 1) * c]).rstrip() for r in range(self.rows)]
        lab = self.label(i)
        return f"#{i} label {lab} ({self.classes[lab]})\n" + "\n".join(lines)

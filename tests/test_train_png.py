"""nn.apps.png: the stdlib PNG reader (every filter type, grey/RGB/RGBA/grey+alpha, clear refusals)
and the MNIST-style preprocessing to 28×28."""

import pytest

from nn.data import load_mnist
from nn.apps.png import PNGError, read_png, to_mnist
from png_encoder import chunk, encode_png


def _write(tmp_path, data, name="x.png"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_grey_png_round_trips_through_all_five_filters(tmp_path):
    w, h = 7, 10
    px = bytes((x * 37 + y * 91 + x * y) % 256 for y in range(h) for x in range(w))
    path = _write(tmp_path, encode_png(px, w, h, ctype=0))
    assert read_png(path) == (px, w, h)


def test_rgb_is_converted_to_luminance(tmp_path):
    px = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])           # 2x2 RGB
    grey, w, h = read_png(_write(tmp_path, encode_png(px, 2, 2, ctype=2)))
    assert (w, h) == (2, 2)
    # 0.299 R + 0.587 G + 0.114 B, rounded
    assert list(grey) == [76, 150, 29, round(0.299 * 10 + 0.587 * 20 + 0.114 * 30)]


def test_alpha_is_composited_on_white(tmp_path):
    rgba = bytes([0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 128, 200, 200, 200, 255])
    grey, _, _ = read_png(_write(tmp_path, encode_png(rgba, 2, 2, ctype=6)))
    assert list(grey) == [0, 255, round(255 * (1 - 128 / 255)), 200]
    ga = bytes([0, 255, 0, 0])
    grey, _, _ = read_png(_write(tmp_path, encode_png(ga, 2, 1, ctype=4), "ga.png"))
    assert list(grey) == [0, 255]


@pytest.mark.parametrize("kwargs, message", [
    (dict(ctype=3), "unsupported PNG (8-bit palette)"),
    (dict(depth=16), "unsupported PNG (16-bit greyscale)"),
    (dict(interlace=1), "unsupported PNG (8-bit greyscale, interlaced)"),
])
def test_unsupported_pngs_are_refused_with_advice(tmp_path, kwargs, message):
    path = _write(tmp_path, encode_png(bytes(4), 2, 2, **kwargs))
    with pytest.raises(PNGError, match=r"convert it to an 8-bit greyscale or RGB\(A\) PNG") as e:
        read_png(path)
    assert message in str(e.value)


def test_broken_files_are_refused(tmp_path):
    good = encode_png(bytes(16), 4, 4)
    with pytest.raises(PNGError, match="not a PNG file"):
        read_png(_write(tmp_path, b"GIF89a" + good[6:]))
    bad_crc = bytearray(good)
    bad_crc[30] ^= 0xFF                                   # inside IHDR data
    with pytest.raises(PNGError, match="bad CRC in chunk b'IHDR'"):
        read_png(_write(tmp_path, bytes(bad_crc)))
    with pytest.raises(PNGError, match="truncated PNG"):
        read_png(_write(tmp_path, good[:40]))
    no_header = good[:8] + chunk(b"IEND", b"")
    with pytest.raises(PNGError, match="no IHDR"):
        read_png(_write(tmp_path, no_header))
    with pytest.raises(PNGError, match="cannot read"):
        read_png(tmp_path / "missing.png")


def test_a_28x28_image_is_kept_and_only_inverted_when_the_background_is_light():
    img = load_mnist("test").image(0)
    assert to_mnist(img, 28, 28) == img
    assert to_mnist(bytes(255 - v for v in img), 28, 28) == img


def test_an_enlarged_inverted_digit_comes_back_as_the_mnist_digit():
    ds = load_mnist("test")
    for i in range(10):
        img = ds.image(i)
        big = bytes(255 - img[(y // 2) * 28 + x // 2] for y in range(56) for x in range(56))
        back = to_mnist(big, 56, 56)
        assert sum(abs(a - b) for a, b in zip(back, img)) / 784 < 0.5, i


def test_blank_image_gives_blank_digit():
    assert to_mnist(bytes([255]) * 100, 10, 10) == bytes(784)


# ---- bounded reads ---------------------------------------------------------------------------

def test_huge_declared_dimensions_are_refused_before_inflating(tmp_path):
    import struct
    import time
    import zlib

    # 40000x40000 grey: 1.6 GB of pixels declared; the data, 40 MB of zeros, compresses to 40 kB
    ihdr = struct.pack(">IIBBBBB", 40000, 40000, 8, 0, 0, 0, 0)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(bytes(10 ** 6)) for _ in range(40)) + comp.flush()
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    path = _write(tmp_path, png)
    t0 = time.process_time()
    with pytest.raises(PNGError, match=r"the PNG declares 40000x40000 pixels, more than the "
                                       r"2,097,152 read_png accepts; shrink it first"):
        read_png(path)
    assert time.process_time() - t0 < 1.0          # refused from the header (it took 121 s)


def test_image_data_is_inflated_only_as_far_as_the_rows_need(tmp_path, monkeypatch):
    import zlib

    good = encode_png(bytes(range(16)), 4, 4)
    asked = []
    real = zlib.decompressobj

    class Counting:
        def __init__(self, *a):
            self.d = real(*a)

        def decompress(self, data, max_length=0):
            asked.append(max_length)
            return self.d.decompress(data, max_length)

    monkeypatch.setattr(zlib, "decompressobj", Counting)
    assert read_png(_write(tmp_path, good)) == (bytes(range(16)), 4, 4)
    assert asked == [4 * (4 + 1)]               # 4 rows of a filter byte and 4 pixels


@pytest.mark.skipif(__import__("os").name != "posix", reason="FIFOs and /dev/zero are POSIX")
def test_dev_zero_and_a_fifo_are_refused_without_reading(tmp_path):
    import os

    with pytest.raises(PNGError, match="cannot read /dev/zero: it is a character device"):
        read_png("/dev/zero")
    fifo = tmp_path / "p.png"
    os.mkfifo(fifo)
    with pytest.raises(PNGError, match=r"it is a FIFO \(named pipe\), not a regular file"):
        read_png(fifo)

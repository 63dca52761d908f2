"""IDX files: exact round trips, and every kind of corruption rejected with a clear error."""

import gzip
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.data import IDXError, parse_idx, read_idx, write_idx
from nn.data.idx import encode_idx


def header(type_code, dims):
    return bytes((0, 0, type_code, len(dims))) + b"".join(d.to_bytes(4, "big") for d in dims)


@pytest.mark.parametrize("compress", [True, False])
def test_round_trip_gives_exact_bytes(tmp_path, compress):
    data = bytes(range(256)) * 3 + bytes(16)
    path = tmp_path / "x-idx3-ubyte"
    write_idx(path, (2, 28, 14), data, gzip=compress)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == compress
    arr = read_idx(path)
    assert arr.shape == (2, 28, 14)
    assert arr.data == data and isinstance(arr.data, bytes)
    assert len(arr) == 2


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(0, 5), min_size=1, max_size=4), compress=st.booleans(),
       seed=st.integers(0, 255))
def test_round_trip_any_shape(tmp_path_factory, shape, compress, seed):
    n = 1
    for d in shape:
        n *= d
    data = bytes((seed + 7 * k) % 256 for k in range(n))
    path = tmp_path_factory.mktemp("idx") / "f"
    write_idx(path, shape, data, gzip=compress)
    arr = read_idx(path)
    assert arr.shape == tuple(shape) and arr.data == data


def test_gzip_detected_by_magic_not_name(tmp_path):
    data = bytes([1, 2, 3, 4])
    raw_named_gz = tmp_path / "labels.gz"
    raw_named_gz.write_bytes(encode_idx((4,), data))          # raw content, .gz name
    gz_named_raw = tmp_path / "labels"
    gz_named_raw.write_bytes(gzip.compress(encode_idx((4,), data)))  # gzip, plain name
    assert read_idx(raw_named_gz).data == data
    assert read_idx(gz_named_raw).data == data


def test_writer_is_reproducible_and_leaves_no_temp_files(tmp_path):
    write_idx(tmp_path / "a.gz", (3,), b"abc")
    write_idx(tmp_path / "b.gz", (3,), b"abc")
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()
    write_idx(tmp_path / "a.gz", (2,), b"xy")  # overwrite in place
    assert read_idx(tmp_path / "a.gz").data == b"xy"
    assert sorted(os.listdir(tmp_path)) == ["a.gz", "b.gz"]


@pytest.mark.parametrize("raw, words", [
    (b"\x01\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc", ["magic", "01 00 08 01"]),
    (b"PK\x03\x04rest", ["magic", "not an IDX"]),
    (header(0x0D, [2]) + bytes(8), ["type code 0x0d", "float", "0x08"]),
    (header(0x42, [2]) + bytes(2), ["type code 0x42", "unknown"]),
    (header(0x08, [10]) + bytes(9), ["truncated", "10 bytes", "got 9"]),
    (header(0x08, [2, 3]) + bytes(7), ["trailing", "6 bytes", "got 7"]),
    (header(0x08, [2, 3])[:9], ["truncated IDX header", "12 bytes", "got 9"]),
    (b"\x00\x00", ["too short", "got 2"]),
    (b"\x00\x00\x08\x00", ["0 dimensions"]),
    (b"", ["too short", "got 0"]),
])
def test_corruption_is_rejected_with_a_clear_message(tmp_path, raw, words):
    path = tmp_path / "bad-idx-ubyte"
    path.write_bytes(raw)
    with pytest.raises(IDXError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message
    assert isinstance(info.value, ValueError)


def test_truncated_gzip_is_rejected(tmp_path):
    path = tmp_path / "t.gz"
    write_idx(path, (1000,), bytes(range(250)) * 4)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(IDXError, match="cannot be decompressed"):
        read_idx(path)


def test_truncated_payload_inside_valid_gzip_names_sizes(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(header(8, [3, 28, 28]) + bytes(784 * 3 - 5)))
    with pytest.raises(IDXError, match=r"needs a payload of 2352 bytes, got 2347"):
        read_idx(path)


def test_wrong_number_of_dimensions_is_rejected(tmp_path):
    path = tmp_path / "labels"
    write_idx(path, (4,), b"\x00\x01\x02\x03", gzip=False)
    with pytest.raises(IDXError, match="expected 3, got 1"):
        read_idx(path, ndim=3)


def test_missing_file_names_it(tmp_path):
    with pytest.raises(IDXError, match="nope.gz"):
        read_idx(tmp_path / "nope.gz")


@pytest.mark.parametrize("shape, data, words", [
    ((2, 2), b"abc", ["needs 4 bytes", "got 3"]),
    ((2, 2), b"abcde", ["needs 4 bytes", "got 5"]),
    ((), b"", ["1 to 255 dimensions"]),
    ((-1,), b"", ["0..4294967295"]),
    ((2 ** 32,), b"", ["0..4294967295"]),
    ((3,), [1, 2, 3], ["must be bytes", "list"]),
])
def test_writer_rejects_wrong_sizes(tmp_path, shape, data, words):
    path = tmp_path / "out.gz"
    with pytest.raises(IDXError) as info:
        write_idx(path, shape, data)
    for word in words:
        assert word in str(info.value)
    assert not os.listdir(tmp_path)  # nothing written


def test_parse_idx_accepts_bytes_in_memory():
    arr = parse_idx(encode_idx((2, 1), b"\x07\x09"))
    assert arr.shape == (2, 1) and arr.data == b"\x07\x09"


# ---- bounded reads: declared sizes are checked before anything large is made ----------------

def test_a_gzip_bomb_stops_at_the_declared_size(tmp_path, monkeypatch):
    """A header declaring 10 bytes followed by 50 MB of zeros (a 50 kB .gz file) is refused as
    soon as the 11th byte inflates: at most 1 kB inflates for the header, then no more than
    the header declares (plus the one byte that proves there is more)."""
    import zlib

    bomb = tmp_path / "bomb-idx1-ubyte.gz"
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [comp.compress(header(0x08, (10,)))]
    zeros = bytes(10 ** 6)
    parts += [comp.compress(zeros) for _ in range(50)]
    bomb.write_bytes(b"".join(parts) + comp.flush())
    assert bomb.stat().st_size < 100_000
    inflated = []
    real = zlib.decompressobj

    class Counting:
        def __init__(self, *a):
            self.d = real(*a)

        def decompress(self, data, max_length=0):
            out = self.d.decompress(data, max_length)
            inflated.append(len(out))
            return out

        def __getattr__(self, name):
            return getattr(self.d, name)

    monkeypatch.setattr(zlib, "decompressobj", Counting)
    with pytest.raises(IDXError, match=r"trailing data after the payload: shape \(10,\) needs "
                                       r"a payload of 10 bytes, got more than 10"):
        read_idx(bomb)
    assert inflated == [4 + 4 * 255 + 1, 4 + 4 + 10 + 1]    # the header, then the payload


def test_a_header_declaring_too_much_is_refused_before_inflating(tmp_path):
    path = tmp_path / "huge-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header(0x08, (100_000, 100_000, 28)) + bytes(100)))
    with pytest.raises(IDXError, match=r"the header declares shape \(100000, 100000, 28\), "
                                       r"280,000,000,000 bytes of data, more than the "
                                       r"1,000,000,000 bytes"):
        read_idx(path)
    with pytest.raises(IDXError, match="more than the 100 bytes"):
        parse_idx(header(0x08, (200,)) + bytes(200), limit=100)


def test_a_raw_header_is_checked_against_the_real_file_size(tmp_path):
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(header(0x08, (5000, 28, 28)) + bytes(1000))
    with pytest.raises(IDXError, match=r"truncated: shape \(5000, 28, 28\) needs a payload of "
                                       r"3920000 bytes, got 1000"):
        read_idx(path)


@pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")
def test_dev_zero_and_a_fifo_are_refused_without_reading(tmp_path):
    with pytest.raises(IDXError, match="/dev/zero: cannot read IDX file: it is a character "
                                       "device, not a regular file"):
        read_idx("/dev/zero")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(IDXError, match=r"cannot read IDX file: it is a FIFO \(named pipe\)"):
        read_idx(fifo)


def test_multi_member_gzip_is_read_whole(tmp_path):
    raw = header(0x08, (6,)) + bytes(range(6))
    path = tmp_path / "two-members.gz"
    path.write_bytes(gzip.compress(raw[:5]) + gzip.compress(raw[5:]))
    assert read_idx(path).data == bytes(range(6))

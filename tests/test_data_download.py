"""download_mnist against a local HTTP server on 127.0.0.1 (tests never touch the internet)."""

import gzip
import hashlib
import http.server
import os
import socket
import threading

import pytest

from nn.data import DownloadError, download_mnist, load_mnist_dir, write_idx
from nn.data.idx import encode_idx


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """Talk to 127.0.0.1 directly even where an http_proxy variable is set."""
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """Serve a fresh directory over HTTP on 127.0.0.1; yield (that directory, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a, **k: QuietHandler(*a, directory=str(root), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def fixture_files(directory):
    """Write four tiny MNIST-format files into directory; return {name: md5}."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for prefix, n in (("train", 4), ("t10k", 2)):
        for kind, shape, data in (("images-idx3", (n, 28, 28), bytes(range(n * 7)) * 112),
                                  ("labels-idx1", (n,), bytes(range(n)))):
            name = f"{prefix}-{kind}-ubyte.gz"
            write_idx(directory / name, shape, data)
            files[name] = hashlib.md5((directory / name).read_bytes()).hexdigest()
    return files


def unused_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_download_verifies_and_loads(server, tmp_path):
    root, url = server
    files = fixture_files(root / "mnist")
    dest = tmp_path / "dest"
    messages = []
    assert download_mnist(dest, mirrors=[url + "/mnist/"], files=files, timeout=5,
                          log=messages.append) == str(dest)
    assert sorted(os.listdir(dest)) == sorted(files)
    assert len(load_mnist_dir(dest, "train")) == 4 and len(load_mnist_dir(dest, "test")) == 2
    assert all("checksum ok" in m for m in messages)
    # A second call finds the files already there and fetches nothing.
    messages.clear()
    download_mnist(dest, mirrors=["http://127.0.0.1:1/"], files=files, log=messages.append)
    assert all("already present" in m for m in messages)


def test_bad_checksum_is_rejected_and_nothing_written(server, tmp_path):
    root, url = server
    files = fixture_files(root / "mnist")
    name = "train-labels-idx1-ubyte.gz"
    wrong = dict(files, **{name: "0" * 32})
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError) as info:
        download_mnist(dest, mirrors=[url + "/mnist"], files=wrong, timeout=5)
    message = str(info.value)
    assert name in message and f"expected {'0' * 32}" in message and files[name] in message
    assert name not in os.listdir(dest)
    assert not [f for f in os.listdir(dest) if f.endswith(".tmp")]


def test_falls_back_to_next_mirror(server, tmp_path):
    root, url = server
    files = fixture_files(root / "good")
    # A mirror serving corrupt copies, then an unreachable one, then a good one.
    (root / "corrupt").mkdir()
    for name in files:
        (root / "corrupt" / name).write_bytes(gzip.compress(encode_idx((1,), b"\x00")))
    mirrors = [url + "/corrupt/", f"http://127.0.0.1:{unused_port()}/", url + "/missing/",
               url + "/good/"]
    messages = []
    download_mnist(tmp_path / "dest", mirrors=mirrors, files=files, timeout=5,
                   log=messages.append)
    assert sorted(os.listdir(tmp_path / "dest")) == sorted(files)
    assert all("/good/" in m for m in messages)


def test_offline_gives_one_clear_error(tmp_path):
    dead = [f"http://127.0.0.1:{unused_port()}/a/", f"http://127.0.0.1:{unused_port()}/b/"]
    with pytest.raises(DownloadError) as info:
        download_mnist(tmp_path / "dest", mirrors=dead, timeout=2)
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert dead[0] + "train-images-idx3-ubyte.gz" in message and dead[1] in message
    assert "refused" in message.lower()
    assert "load_mnist_dir" in message and "copy them into" in message


def test_http_404_is_reported(server, tmp_path):
    _, url = server
    with pytest.raises(DownloadError, match="404"):
        download_mnist(tmp_path / "d", mirrors=[url + "/nothing/"], files={"x.gz": "0" * 32},
                       timeout=5)


def test_a_single_mirror_string_is_one_mirror(server, tmp_path):
    # before: a str was iterated per character, so "h", "t", "t", "p", ... were tried as mirrors
    root, url = server
    files = fixture_files(root / "mnist")
    dest = tmp_path / "dest"
    assert download_mnist(dest, mirrors=url + "/mnist/", files=files, timeout=5) == str(dest)
    assert sorted(os.listdir(dest)) == sorted(files)


def test_a_failed_download_leaves_no_empty_directory(tmp_path):
    dest = tmp_path / "new" / "mnist"
    with pytest.raises(DownloadError) as info:
        download_mnist(dest, mirrors=[f"http://127.0.0.1:{unused_port()}/"],
                       files={"train-images-idx3-ubyte.gz": "0" * 32}, timeout=5)
    assert "127.0.0.1" in str(info.value)
    assert not dest.exists() and not dest.parent.exists()

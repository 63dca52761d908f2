"""The browser playground without a browser: the calls its page makes (in CPython), the site
that ``chainrule playground --build`` writes, and the 127.0.0.1-only server."""

import hashlib
import base64
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
import zipfile

import pytest

from autograd import no_grad
from nn.apps.cli import main
from nn.apps.playground_cli import serve
from autograd.playground import explain_expression
from nn.apps.playground_site import (DEFAULT_PYODIDE_URL, DEFAULT_VIZ_URL, PYODIDE_FILES,
                                      PlaygroundError, build, check_url, package_files,
                                      wheel_bytes)
from nn.apps.moons_demo import MoonsDemo


def call(expression, at):
    return json.loads(explain_expression(expression, at))


# ---- the page's calls -----------------------------------------------------------------------

def test_explain_expression_gives_the_readme_gradients_exactly():
    r = call("tanh(w*x + b)", "x=0.5 w=-1.2 b=0.3")
    assert r["ok"] is True and r["outName"] == "L"
    assert r["grads"] == {"w": 0.4575684809133146, "x": -1.098164354191955,
                          "b": 0.9151369618266292}
    assert r["gradsText"] == {"w": "0.457568", "x": "-1.09816", "b": "0.915137"}
    assert "∂L/∂w = 0.457568, ∂L/∂x = -1.09816, ∂L/∂b = 0.915137" in r["table"]
    assert len(r["explorer"]["steps"]) == 6
    assert 'id="cr-e3-0"' in r["dot"] or 'id="cr-e' in r["dot"]
    assert r["unused"] == [] and r["note"] is None


def test_values_take_the_cli_syntax_with_spaces_or_commas():
    assert call("x*y", "x=2,y=3")["grads"] == {"x": 3.0, "y": 2.0}
    assert call("x*y", "  x=2   y=3 ")["grads"] == {"x": 3.0, "y": 2.0}
    assert call("x*y", "x=2 y=3 z=4")["unused"] == ["z"]


@pytest.mark.parametrize("expression, at, start", [
    ("__import__('os')", "", "col 1: unknown function '__import__'"),
    ("x.__class__", "x=1", "col 1:"),
    ("open('f')", "", "col 1: unknown function 'open'"),
    ("log(x)", "x=-1", "log() needs a positive input, got -1.0 (node 'x')"),
    ("x*y", "x=1", "no value for y"),
    ("x", "x=abc", "--at x: 'abc' is not a number"),
    ("x*x", "x=1e200", ""),
])
def test_bad_input_is_one_line(expression, at, start):
    r = call(expression, at)
    assert r["ok"] is False
    assert "\n" not in r["error"] and r["error"].startswith(start)


def test_a_graph_too_big_to_step_through_still_gives_the_table():
    expression = " + ".join(f"x*{k}" for k in range(1, 120))
    r = call(expression, "x=1")
    assert r["ok"] is True and r["explorer"] is None and r["dot"] is None
    assert "max_nodes=150" in r["note"]
    assert r["grads"] == {"x": float(sum(range(1, 120)))}


def test_moons_demo_steps_are_the_readme_loop():
    demo = MoonsDemo()
    first = demo.step()
    assert first == {"step": 1, "loss": pytest.approx(0.99089562558918, abs=1e-12),
                     "accuracy": 0.66}
    losses = [first["loss"]] + [demo.step()["loss"] for _ in range(19)]
    assert losses[-1] < 0.2 < losses[0]
    assert [h[0] for h in demo.history] == list(range(1, 21))


def test_moons_boundary_is_the_models_score_on_the_grid():
    demo = MoonsDemo()
    for _ in range(3):
        demo.step()
    g = demo.boundary(5)
    x0, x1, y0, y1 = g["bounds"]
    with no_grad():
        want = [demo.model([x0 + (x1 - x0) * c / 4, y1 - (y1 - y0) * r / 4]).data
                for r in range(5) for c in range(5)]
    assert g["scores"] == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert min(p[0] for p in demo.X) - 0.25 == x0
    assert json.loads(demo.points_json())["y"] == demo.y


# ---- the site -------------------------------------------------------------------------------

def test_build_writes_index_and_the_wheel_and_nothing_else_of_ours(tmp_path):
    paths = build(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chainrule-0.1.0-py3-none-any.whl",
                                                         "index.html"]
    assert [p.name for p in paths] == ["index.html", "chainrule-0.1.0-py3-none-any.whl"]
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    config = json.loads(re.search(r'<script type="application/json" id="pg-config">(.*?)'
                                  "</script>", page).group(1))
    assert config == {"pyodideUrl": DEFAULT_PYODIDE_URL, "vizUrl": DEFAULT_VIZ_URL,
                      "wheel": "chainrule-0.1.0-py3-none-any.whl", "version": "0.1.0"}
    for contract in ("data-chainrule-playground", 'data-ready="false"', '<input name="expression"',
                     '<input name="at"', '<button name="run"', "chainruleExplorer"):
        assert contract in page
    assert not re.search(r"\{\{[A-Z]+\}\}", page)          # every slot filled
    assert "micropip.install" not in page and "loadPackage(" not in page


def test_the_wheel_holds_every_package_file_with_checked_hashes(tmp_path):
    name, raw = wheel_bytes()
    z = zipfile.ZipFile(io.BytesIO(raw))
    names = z.namelist()
    assert "autograd/playground.py" in names and "nn/apps/moons_demo.py" in names
    assert "nn/apps/playground_assets/playground.js" in names
    assert "autograd/explorer_assets/explorer.js" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert set(names) - {n for n in names if ".dist-info/" in n} == \
        {rel for rel, _ in package_files()}
    record = z.read("chainrule-0.1.0.dist-info/RECORD").decode().splitlines()
    for line in record[:-1]:
        path, digest, size = line.rsplit(",", 2)
        data = z.read(path)
        want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert digest == "sha256=" + want and int(size) == len(data)
    assert b"Tag: py3-none-any" in z.read("chainrule-0.1.0.dist-info/WHEEL")
    assert wheel_bytes()[1] == raw                 # deterministic


def test_local_copies_are_vendored_into_the_site(tmp_path):
    pyodide, viz = tmp_path / "pyodide-src", tmp_path / "viz-src" / "dist"
    pyodide.mkdir()
    viz.mkdir(parents=True)
    for n in PYODIDE_FILES:
        (pyodide / n).write_text(n)
    (viz / "viz.js").write_text("export {}")
    site = tmp_path / "site"
    build(site, pyodide_dir=pyodide, viz_dir=viz.parent)
    assert sorted(p.name for p in (site / "pyodide").iterdir()) == sorted(PYODIDE_FILES)
    assert (site / "viz" / "viz.js").read_text() == "export {}"
    page = (site / "index.html").read_text(encoding="utf-8")
    assert '"pyodideUrl":"pyodide/"' in page and '"vizUrl":"viz/"' in page


def test_a_folder_that_is_not_pyodide_is_refused(tmp_path):
    with pytest.raises(PlaygroundError, match="is not a copy of Pyodide: no pyodide.mjs"):
        build(tmp_path / "site", pyodide_dir=tmp_path)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/", "", 'x"/'])
def test_bad_urls_are_refused(url):
    with pytest.raises(PlaygroundError):
        check_url(url, "--pyodide-url")


def test_urls_get_a_trailing_slash():
    assert check_url("https://example.org/pyodide", "u") == "https://example.org/pyodide/"
    assert check_url("vendor/viz/", "u") == "vendor/viz/"


def test_cli_build_prints_what_it_wrote(tmp_path, capsys):
    assert main(["playground", "--build", str(tmp_path / "s"), "--pyodide-url",
                 "https://example.org/py/"]) == 0
    out = capsys.readouterr().out
    assert "index.html" in out and "chainrule-0.1.0-py3-none-any.whl" in out
    assert '"pyodideUrl":"https://example.org/py/"' in (tmp_path / "s" / "index.html").read_text()


def test_cli_bad_url_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["playground", "--build", str(tmp_path), "--viz-url", "javascript:x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("chainrule playground: error: ")


# ---- the server -----------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.2", ""])
def test_serve_refuses_anything_but_loopback(tmp_path, host):
    build(tmp_path)
    with pytest.raises(PlaygroundError, match="only 127.0.0.1"):
        serve(tmp_path, 0, host)


def test_cli_refuses_other_hosts_in_one_line(tmp_path, capsys):
    build(tmp_path)
    assert main(["playground", "--site", str(tmp_path), "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "refusing to serve on '0.0.0.0'" in capsys.readouterr().err


def test_serve_needs_a_built_folder(tmp_path):
    with pytest.raises(PlaygroundError, match="no index.html"):
        serve(tmp_path, 0)


def test_server_gives_the_files_with_the_types_browsers_need(tmp_path):
    build(tmp_path)
    (tmp_path / "pyodide").mkdir()
    (tmp_path / "pyodide" / "pyodide.mjs").write_text("export {}")
    (tmp_path / "a.wasm").write_bytes(b"\0asm")
    server = serve(tmp_path, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address
        assert host == "127.0.0.1"
        base = f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(base, timeout=10) as r:
            assert r.headers["Content-Type"].startswith("text/html")
            assert b"data-chainrule-playground" in r.read()
        for path, kind in [("pyodide/pyodide.mjs", "text/javascript"),
                           ("a.wasm", "application/wasm"),
                           ("chainrule-0.1.0-py3-none-any.whl", "application/zip")]:
            with urllib.request.urlopen(base + path, timeout=10) as r:
                assert r.headers["Content-Type"] == kind
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_cli_serves_on_127_0_0_1_and_prints_the_url(tmp_path):
    build(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "nn.apps", "playground", "--site",
                             str(tmp_path), "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert url, line + proc.stderr.read() if proc.poll() is not None else line
        with urllib.request.urlopen(url.group(0) + "index.html", timeout=10) as r:
            assert b"data-chainrule-playground" in r.read()
        proc.terminate()                                    # SIGTERM stops it as Ctrl-C does
        assert proc.wait(10) == 0 and proc.stdout.read().strip() == "stopped"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_cli_without_a_site_serves_a_fresh_build_of_the_public_urls():
    proc = subprocess.Popen([sys.executable, "-m", "nn.apps", "playground", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line
        with urllib.request.urlopen(url.group(0), timeout=10) as r:
            page = r.read().decode("utf-8")
        assert json.dumps(DEFAULT_PYODIDE_URL) in page and json.dumps(DEFAULT_VIZ_URL) in page
        with urllib.request.urlopen(url.group(0) + "chainrule-0.1.0-py3-none-any.whl",
                                    timeout=10) as r:
            assert zipfile.ZipFile(io.BytesIO(r.read())).testzip() is None
        folder = re.search(r"serving (\S+) at", line).group(1)
        proc.send_signal(signal.SIGINT)                     # Ctrl-C: stops, cleans up
        assert proc.wait(10) == 0
        assert proc.stdout.read().strip() == "stopped"
        assert not os.path.exists(folder)                  # the temporary build is gone
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def test_cli_build_and_site_together_is_one_line(tmp_path, capsys):
    assert main(["playground", "--build", str(tmp_path), "--site", str(tmp_path)]) == 2
    assert "give one of them" in capsys.readouterr().err

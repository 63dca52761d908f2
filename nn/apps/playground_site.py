"""The browser playground as a static folder: ``index.html`` and chainrule's own wheel.

    chainrule playground --build site/            # then publish site/ on any static host

``site/index.html`` is one file (its CSS and scripts inline: the playground's and the
explorer's, :mod:`autograd.explorer`); ``site/chainrule-VERSION-py3-none-any.whl`` is the wheel
of the installed chainrule (``autograd`` and ``nn``, exactly the files this package runs from).
The page loads Pyodide (CPython compiled to WebAssembly) from ``pyodide_url`` and Graphviz
compiled to WebAssembly (``@viz-js/viz``) from ``viz_url``; both default to their official
public distributions, so the folder works as published. It then unpacks the wheel into
Pyodide's ``site-packages`` itself: no ``micropip``, no package index, no other request.

For a site that needs no network at all, ``pyodide_dir``/``viz_dir`` name local copies (the
npm packages' folders: ``npm install pyodide@PYODIDE_VERSION @viz-js/viz@VIZ_VERSION``); the
files the page needs are copied into ``site/pyodide/`` and ``site/viz/``.

Standard library only; nothing here imports ``nn`` (its files are packed, never run).
"""

import base64
import hashlib
import html
import json
import os
import re
import shutil
import zipfile
from importlib import resources
from pathlib import Path

from autograd.errors import ChainruleError
from autograd.fileio import atomic_write

PYODIDE_VERSION = "314.0.7"          # npm pyodide: Python 3.14; checked with this engine
VIZ_VERSION = "3.31.0"               # npm @viz-js/viz: Graphviz in WebAssembly, one ES module
DEFAULT_PYODIDE_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
DEFAULT_VIZ_URL = f"https://cdn.jsdelivr.net/npm/@viz-js/viz@{VIZ_VERSION}/dist/"
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
VIZ_FILES = ("viz.js",)
PACKAGES = ("autograd", "nn")
_ASSETS = "playground_assets"
_SKIP = re.compile(r"(^|/)(__pycache__(/|$)|\.)|\.py[co]$")    # caches, dot files


class PlaygroundError(ChainruleError, ValueError):
    """A playground build or server request that cannot be carried out (a bad URL, a folder
    that is not a Pyodide copy, an address other than 127.0.0.1)."""


def asset(name):
    """The text of one of the page's files (``index.html``, ``playground.js``, ...)."""
    return resources.files(__package__).joinpath(_ASSETS, name).read_text(encoding="utf-8")


def package_files():
    """``[(path inside the wheel, file on disk)]`` for every file of chainrule's packages
    (``autograd`` here and ``nn`` beside it), caches and dot files left out, sorted."""
    root = Path(__file__).resolve().parents[2]          # nn/apps/ -> the packages' folder
    out = []
    for name in PACKAGES:
        top = root / name
        if not (top / "__init__.py").is_file():
            raise PlaygroundError(f"playground: chainrule's package {name!r} is not beside "
                                  f"autograd in {root}: reinstall chainrule")
        for path in sorted(top.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and not _SKIP.search(rel):
                out.append((rel, path))
    return out


def _record_hash(raw):
    digest = base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def wheel_bytes(version=None):
    """``(file name, bytes)`` of a wheel of chainrule's packages (PEP 427: the files, then
    ``METADATA``, ``WHEEL`` and ``RECORD`` with each file's SHA-256). Deterministic: the same
    files give the same bytes (fixed timestamps, sorted names)."""
    import io

    from autograd import __version__

    version = version or __version__
    info = f"chainrule-{version}.dist-info"
    entries = [(rel, path.read_bytes()) for rel, path in package_files()]
    entries.append((f"{info}/METADATA", (
        f"Metadata-Version: 2.1\nName: chainrule\nVersion: {version}\nSummary: Reverse-mode "
        "automatic differentiation you can read (built for the browser playground)\n"
        "License: MIT\nRequires-Python: >=3.10\n").encode()))
    entries.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: chainrule playground\n"
                                     b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    record = "".join(f"{rel},{_record_hash(raw)},{len(raw)}\n" for rel, raw in entries)
    entries.append((f"{info}/RECORD", (record + f"{info}/RECORD,,\n").encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, raw in entries:
            item = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            item.compress_type = zipfile.ZIP_DEFLATED
            item.external_attr = 0o644 << 16
            z.writestr(item, raw)
    return f"chainrule-{version}-py3-none-any.whl", buffer.getvalue()


def check_url(url, what):
    """A base URL for the page to load from: http(s), or relative to the page; ends in ``/``."""
    url = str(url).strip()
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", url)
    if not url or (scheme and scheme.group(1).lower() not in ("http", "https")):
        raise PlaygroundError(f"playground: {what} must be an http(s) URL or a path relative "
                              f"to the page, got {url!r}")
    if any(c.isspace() or c in "\"'<>\\`" for c in url):
        raise PlaygroundError(f"playground: {what} has a space, quote or bracket: {url!r}")
    return url if url.endswith("/") else url + "/"


def _copy_files(source, names, dest, what, hint):
    source = Path(source)
    missing = [n for n in names if not (source / n).is_file()]
    if missing:
        raise PlaygroundError(f"playground: {source} is not a copy of {what}: no "
                              f"{', '.join(missing)} there ({hint})")
    dest.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copyfile(source / n, dest / n)


def _script_json(value):
    """JSON that cannot end the ``<script>`` element it sits in."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page(config):
    """``index.html``'s text for ``config`` (``pyodideUrl``, ``vizUrl``, ``wheel``, ``version``):
    the playground's and the explorer's CSS and scripts inline."""
    from autograd.explorer import asset as explorer_asset, script as explorer_script

    parts = {
        "VERSION": html.escape(config["version"]),
        "CSS": explorer_asset("explorer.css") + "\n" + asset("playground.css"),
        "CONFIG": _script_json(config),
        "EXPLORER": explorer_script(),
        "SCRIPT": asset("playground.js"),
    }
    pieces = re.split(r"\{\{([A-Z]+)\}\}", asset("index.html"))
    return "".join(parts[p] if i % 2 else p for i, p in enumerate(pieces))


def build(dest, pyodide_url=DEFAULT_PYODIDE_URL, viz_url=DEFAULT_VIZ_URL, pyodide_dir=None,
          viz_dir=None):
    """Write the playground into the folder ``dest`` (created if needed): ``index.html`` and
    the wheel, plus ``pyodide/`` and ``viz/`` when local copies are given. Returns the list of
    paths written. An older chainrule wheel in ``dest`` is removed."""
    from autograd import __version__

    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise PlaygroundError(f"playground --build: {dest} exists and is not a folder")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    if pyodide_dir is not None:
        _copy_files(pyodide_dir, PYODIDE_FILES, dest / "pyodide", "Pyodide",
                    f"npm install pyodide@{PYODIDE_VERSION}, then node_modules/pyodide")
        pyodide_url = "pyodide/"
        written.append(dest / "pyodide")
    if viz_dir is not None:
        viz_dir = Path(viz_dir)
        if (viz_dir / "dist" / VIZ_FILES[0]).is_file():     # the npm package's folder
            viz_dir = viz_dir / "dist"
        _copy_files(viz_dir, VIZ_FILES, dest / "viz", "@viz-js/viz",
                    f"npm install @viz-js/viz@{VIZ_VERSION}, then node_modules/@viz-js/viz")
        viz_url = "viz/"
        written.append(dest / "viz")
    name, raw = wheel_bytes(__version__)
    for old in dest.glob("chainrule-*.whl"):
        if old.name != name:
            old.unlink()
    atomic_write(dest / name, raw)
    config = {"pyodideUrl": check_url(pyodide_url, "--pyodide-url"),
              "vizUrl": check_url(viz_url, "--viz-url"), "wheel": name,
              "version": __version__}
    atomic_write(dest / "index.html", page(config))
    return [dest / "index.html", dest / name] + written


def describe(paths):
    """One line per path written, with its size (folders: their total)."""
    lines = []
    for p in paths:
        p = Path(p)
        size = (sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir()
                else p.stat().st_size)
        lines.append(f"  {p}{os.sep if p.is_dir() else ''}  {size / 1e6:.2f} MB")
    return "\n".join(lines)

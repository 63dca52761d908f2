"""``chainrule playground``: build the browser playground, or serve it on 127.0.0.1.

    chainrule playground --build site/ [--pyodide-url URL | --pyodide-dir DIR]
                                       [--viz-url URL | --viz-dir DIR]
    chainrule playground [--site site/] [--port 8000]        # serve; prints the URL

``--build`` writes the static site (:mod:`nn.apps.playground_site`) and exits. Without it, the
command serves ``--site`` (a folder built before), or a fresh build in a temporary folder,
on 127.0.0.1 only (``--host`` accepts nothing else: the playground is for this machine; to
publish it, copy the built folder to a static host). ``--port 0`` picks a free port. Bad input
prints one line and exits with 2; Ctrl-C (or SIGTERM) stops the server (exit 0).
"""

import functools
import http.server
import signal
import sys
import tempfile
import threading
from pathlib import Path

from autograd.errors import ChainruleError

LOOPBACK = {"127.0.0.1": "127.0.0.1", "localhost": "127.0.0.1"}
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript",
         ".wasm": "application/wasm", ".whl": "application/zip", ".zip": "application/zip",
         ".json": "application/json", ".css": "text/css"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types a module script and WebAssembly need, and no log lines."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def log_message(self, format, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


def serve(directory, port=8000, host="127.0.0.1"):
    """A server for the files of ``directory`` on ``host`` (127.0.0.1 or localhost only) and
    ``port`` (0: any free port), not yet serving: call ``serve_forever()`` (and
    ``server_close()``); ``server.server_address`` says the port."""
    from .playground_site import PlaygroundError

    if host not in LOOPBACK:
        raise PlaygroundError(f"playground: refusing to serve on {host!r}: only 127.0.0.1 "
                              "(this machine); to share the playground, publish the folder "
                              "that --build writes on a static host")
    if not (Path(directory) / "index.html").is_file():
        raise PlaygroundError(f"playground: {directory} has no index.html: build it first "
                              "(chainrule playground --build DIR)")
    if not (isinstance(port, int) and 0 <= port <= 65535):
        raise PlaygroundError(f"playground: --port must be 0..65535, got {port!r}")
    handler = functools.partial(_Handler, directory=str(directory))
    return http.server.ThreadingHTTPServer((LOOPBACK[host], port), handler)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop_on_sigterm():
    """``kill`` stops the server as Ctrl-C does (the temporary build is removed); returns the
    handler it replaced, or None off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


def _fail(message, code=2):
    print(f"chainrule playground: error: {message}", file=sys.stderr)
    return code


def register(subparsers):
    p = subparsers.add_parser(
        "playground", help="the browser playground: build the static site, or serve it on "
                           "127.0.0.1",
        description="A web page running chainrule itself in Pyodide: explain an expression "
                    "(table and interactive explorer), train an MLP on two moons, free Python.",
        epilog="example: chainrule playground --build site/  (then publish site/), or "
               "chainrule playground --port 8000")
    p.add_argument("--build", metavar="DIR", help="write the site into DIR and exit")
    p.add_argument("--site", metavar="DIR", help="serve this built folder (default: build "
                                                 "into a temporary folder and serve that)")
    p.add_argument("--port", type=int, default=8000, help="port to serve on (0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="only 127.0.0.1 (or localhost)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--pyodide-url", default=None, metavar="URL",
                       help="base URL of Pyodide (default: its official distribution)")
    where.add_argument("--pyodide-dir", metavar="DIR",
                       help="a local Pyodide (npm's node_modules/pyodide), copied into the site")
    viz = p.add_mutually_exclusive_group()
    viz.add_argument("--viz-url", default=None, metavar="URL",
                     help="base URL of @viz-js/viz's dist/ (default: its public copy)")
    viz.add_argument("--viz-dir", metavar="DIR",
                     help="a local @viz-js/viz (node_modules/@viz-js/viz), copied into the site")
    p.set_defaults(func=run)


def _build(args, dest):
    from .playground_site import DEFAULT_PYODIDE_URL, DEFAULT_VIZ_URL, build

    return build(dest, pyodide_url=args.pyodide_url or DEFAULT_PYODIDE_URL,
                 viz_url=args.viz_url or DEFAULT_VIZ_URL, pyodide_dir=args.pyodide_dir,
                 viz_dir=args.viz_dir)


def run(args):
    from .playground_site import describe

    if args.build and args.site:
        return _fail("--build writes a site and --site serves one: give one of them")
    try:
        if args.build:
            paths = _build(args, args.build)
            print(f"wrote the playground into {args.build}:\n{describe(paths)}\n"
                  f"serve it here with: chainrule playground --site {args.build}")
            return 0
        with tempfile.TemporaryDirectory(prefix="chainrule-playground-") as tmp:
            site = args.site or tmp
            if not args.site:
                _build(args, tmp)
            server = serve(site, args.port, args.host)
            try:
                port = server.server_address[1]
                print(f"chainrule playground: serving {site} at http://127.0.0.1:{port}/ "
                      "(Ctrl-C stops)", flush=True)
                previous = _stop_on_sigterm()
                try:
                    server.serve_forever()
                except KeyboardInterrupt:
                    print("stopped")
                finally:
                    if previous is not None:
                        signal.signal(signal.SIGTERM, previous)
            finally:
                server.server_close()
        return 0
    except ChainruleError as err:
        return _fail(err)
    except OSError as err:          # a port in use, an unwritable folder
        where = f"{err.filename}: " if err.filename else ""
        return _fail(f"{where}{err.strerror or err}", 1)

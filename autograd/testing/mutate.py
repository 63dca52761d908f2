"""Grade a test suite: run it once per mutant and report the mutants it did not catch.

    python -m autograd.testing.mutate -- pytest -x -q tests/
    python -m autograd.testing.mutate --kinds sign dropped --ops mul tanh -- pytest tests/test_my.py
    python -m autograd.testing.mutate --list

First the suite runs as it is (it must pass: a failing suite kills every mutant and proves
nothing). Then, for each mutant of :func:`autograd.testing.mutants`, a fresh Python process
swaps the wrong rule in, runs pytest in-process with a small plugin that records the failing
tests, and reports back. A mutant is *killed* when some test fails, and *survives* when the
whole suite passes with the wrong rule in place: that is a derivative the suite would not
notice. The report names, for each killed mutant, the test(s) that killed it (with ``-x``, the
first one), and lists the survivors. Exit status 0 when every mutant was killed, 1 when some
survived, 2 for a usage error or a suite that fails without mutants.

Subprocesses, so nothing of one mutant leaks into the next; ``--jobs N`` runs N at a time.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from .mutants import KINDS, mutant, mutants

__all__ = ["main", "run_mutant", "pytest_args"]


def pytest_args(command):
    """The pytest arguments of ``pytest ARGS`` or ``python -m pytest ARGS``; clear error else."""
    if command[:1] == ["pytest"]:
        return command[1:]
    if len(command) >= 3 and os.path.basename(command[0]).startswith("python") and \
            command[1:3] == ["-m", "pytest"]:
        return command[3:]
    raise SystemExit("mutate: give the suite after '--' as 'pytest ARGS' or 'python -m pytest "
                     f"ARGS', got {' '.join(command) or 'nothing'!r}")


class _Recorder:
    """A pytest plugin: the node ids of the tests that failed (setup, call or teardown)."""

    def __init__(self):
        self.failed = []

    def pytest_runtest_logreport(self, report):
        if report.failed and report.nodeid not in self.failed:
            self.failed.append(report.nodeid)

    def pytest_collectreport(self, report):
        if report.failed:
            self.failed.append(f"{report.nodeid or '<collection>'} (collection)")


def _child(name, report, args):
    """In the subprocess: run pytest with mutant ``name`` in place; write what failed."""
    import pytest

    recorder = _Recorder()
    m = None if name == "-" else mutant(name)
    if m is None:
        code = pytest.main(args + ["-p", "no:cacheprovider"], plugins=[recorder])
    else:
        with m:
            code = pytest.main(args + ["-p", "no:cacheprovider"], plugins=[recorder])
    with open(report, "w", encoding="utf-8") as fh:
        json.dump({"code": int(code), "failed": recorder.failed}, fh)
    return 0


def run_mutant(name, args, timeout=None):
    """Run the suite (pytest ``args``) with mutant ``name`` (``"-"``: none) in a subprocess.
    Returns ``{"mutant", "status" (killed/survived/error), "killed_by", "seconds"}``."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        command = [sys.executable, "-m", "autograd.testing.mutate", "--child", name, "--report",
                   report, "--"] + list(args)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"mutant": name, "status": "error", "killed_by": [],
                    "detail": f"timed out after {timeout} s", "seconds": timeout}
        seconds = round(time.monotonic() - start, 2)
        if not os.path.exists(report):
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return {"mutant": name, "status": "error", "killed_by": [],
                    "detail": " | ".join(tail), "seconds": seconds}
        with open(report, encoding="utf-8") as fh:
            result = json.load(fh)
    code, failed = result["code"], result["failed"]
    status = "survived" if code in (0, 5) and not failed else "killed" if failed else "error"
    return {"mutant": name, "status": status, "killed_by": failed, "seconds": seconds,
            "detail": "" if status != "error" else f"pytest exit code {code}"}


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m autograd.testing.mutate",
        description="Run a pytest suite once per wrong derivative rule (mutant) and report the "
                    "mutants no test caught.")
    p.add_argument("--list", action="store_true", help="list the mutants and exit")
    p.add_argument("--kinds", nargs="+", choices=KINDS, help="only mutants of these kinds")
    p.add_argument("--ops", nargs="+", metavar="OP", help="only mutants of these ops")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these mutants")
    p.add_argument("--jobs", type=int, default=1, help="mutants run at a time (default 1)")
    p.add_argument("--timeout", type=float, default=600.0,
                   help="seconds one run may take (default 600)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--report", help=argparse.SUPPRESS)
    p.add_argument("command", nargs=argparse.REMAINDER,
                   help="-- pytest ARGS (the suite to grade)")
    return p


def main(argv=None):
    p = _parser()
    ns = p.parse_args(argv)
    command = ns.command[1:] if ns.command[:1] == ["--"] else ns.command
    if ns.child:
        return _child(ns.child, ns.report, command)
    chosen = mutants(kinds=ns.kinds, ops=ns.ops)
    if ns.only:
        unknown = sorted(set(ns.only) - {m.name for m in mutants()})
        if unknown:
            p.error(f"no mutants named {', '.join(unknown)} (see --list)")
        chosen = [m for m in chosen if m.name in ns.only]
    if ns.list:
        for m in chosen:
            print(f"{m.name:24} {m.description}")
        return 0
    if ns.jobs < 1:
        p.error(f"--jobs must be at least 1, got {ns.jobs}")
    args = pytest_args(command)
    start = time.monotonic()
    base = run_mutant("-", args, ns.timeout)
    if base["status"] != "survived":
        print(f"mutate: the suite does not pass without mutants ({base['status']}: "
              f"{', '.join(base['killed_by'][:3]) or base.get('detail', '')}); fix it first",
              file=sys.stderr)
        return 2
    print(f"mutate: the suite passes as it is ({base['seconds']} s); "
          f"{len(chosen)} mutants, {ns.jobs} at a time", flush=True)

    def one(m):
        r = run_mutant(m.name, args, ns.timeout)
        r["description"] = m.description
        by = r["killed_by"][0] if r["killed_by"] else r.get("detail", "")
        more = f" (+{len(r['killed_by']) - 1})" if len(r["killed_by"]) > 1 else ""
        print(f"  {r['status']:8} {m.name:24} {by}{more}  [{r['seconds']} s]", flush=True)
        return r

    with ThreadPoolExecutor(max_workers=ns.jobs) as pool:
        results = list(pool.map(one, chosen))
    survivors = [r for r in results if r["status"] == "survived"]
    errors = [r for r in results if r["status"] == "error"]
    killed = len(results) - len(survivors) - len(errors)
    elapsed = time.monotonic() - start
    print(f"mutate: {len(results)} mutants: {killed} killed, {len(survivors)} survived, "
          f"{len(errors)} errors, in {elapsed:.0f} s")
    for r in survivors:
        print(f"  SURVIVED {r['mutant']}: {r['description']}")
    for r in errors:
        print(f"  ERROR    {r['mutant']}: {r['detail']}")
    if ns.json:
        from ..fileio import atomic_write
        atomic_write(ns.json, json.dumps({"seconds": round(elapsed, 1), "results": results},
                                         indent=1))
    return 1 if survivors or errors else 0


if __name__ == "__main__":
    sys.exit(main())

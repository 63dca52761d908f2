"""Grade a test suite: run it once per mutant and report the mutants it did not catch.

    python -m autograd.testing.mutate -- pytest -x -q tests/
    python -m autograd.testing.mutate --kinds sign dropped --ops mul tanh -- pytest tests/test_my.py
    python -m autograd.testing.mutate --list

First the suite runs as it is: pytest must exit 0 (a failing suite kills every mutant and
proves nothing; one that collects no tests lets every mutant survive). Then, for each mutant of
:func:`autograd.testing.mutants`, a fresh Python process swaps the wrong rule in and runs
pytest in-process with a small plugin that writes each failing test to a report file the
moment it fails. A mutant is *killed* when some test fails (even if the process then crashes
or times out), *survives* when pytest finishes with exit code 0 and nothing failed, and is an
*error* otherwise, reported with what happened: pytest's exit code, or "the test process
exited with N / was killed by signal S / timed out after T s before pytest finished". The
report names, for each killed mutant, the test(s) that killed it (with ``-x``, the first one),
and lists the survivors and the errors. Exit status 0 when every mutant was killed, 1 when some
survived or ended in an error, 2 for a usage error (an unknown op, a selection with no mutant
in it) or a suite that does not pass without mutants.

One process per mutant, so nothing of one mutant leaks into the next: on POSIX each is forked
from the runner after pytest, hypothesis and autograd are imported (``--start fork``, the
default: those imports cost about 2 s of CPU per mutant otherwise); ``--start spawn`` starts a
fresh interpreter for each. ``--jobs N`` runs N at a time.
"""

import argparse
import json
import os
import signal
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
    """A pytest plugin: writes the node id of each test that fails (setup, call or teardown, or
    a collection error) to the report file as soon as it fails, one JSON line each, flushed,
    so a run that crashes later still counts what failed before the crash."""

    def __init__(self, fh):
        self.fh, self.failed = fh, []

    def _record(self, nodeid):
        if nodeid not in self.failed:
            self.failed.append(nodeid)
            _write(self.fh, {"failed": nodeid})

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self._record(report.nodeid)

    def pytest_collectreport(self, report):
        if report.failed:
            self._record(f"{report.nodeid or '<collection>'} (collection)")


def _write(fh, record):
    fh.write(json.dumps(record) + "\n")
    fh.flush()


def _child(name, report, args):
    """In the subprocess: run pytest with mutant ``name`` in place. The report file gets a line
    per failing test as it fails, and a last line ``{"code": N}`` once pytest has finished."""
    import pytest

    with open(report, "a", encoding="utf-8") as fh:
        recorder = _Recorder(fh)
        try:
            m = None if name == "-" else mutant(name)
            if m is None:
                code = pytest.main(args + ["-p", "no:cacheprovider"], plugins=[recorder])
            else:
                with m:
                    code = pytest.main(args + ["-p", "no:cacheprovider"], plugins=[recorder])
        except Exception as e:
            _write(fh, {"error": f"{type(e).__name__}: {e}"})
            raise
        _write(fh, {"code": int(code)})
    return 0


def _ended(code):
    """How the test process ended, from its exit code (negative: the signal that killed it)."""
    if code < 0:
        try:
            return f"the test process was killed by signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"the test process was killed by signal {-code}"
    return f"the test process exited with {code}"


def run_mutant(name, args, timeout=None):
    """Run the suite (pytest ``args``) with mutant ``name`` (``"-"``: none) in a subprocess.
    Returns ``{"mutant", "status" (killed/survived/error), "killed_by", "detail", "code",
    "seconds"}`` (``code``: pytest's exit code, None when pytest did not finish)."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.jsonl")
        command = [sys.executable, "-m", "autograd.testing.mutate", "--child", name, "--report",
                   report, "--"] + list(args)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return _result(name, report, timeout, _TIMED_OUT.format(timeout))
        seconds = round(time.monotonic() - start, 2)
        return _result(name, report, seconds, _ended(done.returncode),
                       (done.stderr or "").strip().splitlines()[-1:])


_TIMED_OUT = "the test process timed out after {} s (killed)"


def _forked(name, args, report):
    """In a forked child: pytest output to /dev/null, run, report, exit without cleanup
    (exit status 3 when the runner itself failed: the report file says why)."""
    code = 3
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        _child(name, report, list(args))
        code = 0
    finally:
        os._exit(code)


def run_forked(names, args, jobs, timeout, done):
    """Like :func:`run_mutant` for each of ``names``, ``jobs`` at a time, in processes forked
    from this one (POSIX): pytest, hypothesis and autograd are imported once, here, instead of
    once per mutant (about 2 s of CPU each). ``done(result)`` is called as each one ends."""
    try:
        import hypothesis  # noqa: F401  (imported once here; the children share it)
    except ImportError:
        pass
    import pytest  # noqa: F401
    queue, running, timed_out = list(names), {}, set()
    with tempfile.TemporaryDirectory() as tmp:
        while queue or running:
            while queue and len(running) < jobs:
                name = queue.pop(0)
                report = os.path.join(tmp, f"{name}.jsonl")
                pid = os.fork()
                if pid == 0:
                    _forked(name, args, report)
                running[pid] = (name, report, time.monotonic())
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                for pid, (_, _, t0) in list(running.items()):
                    if timeout and pid not in timed_out and time.monotonic() - t0 > timeout:
                        os.kill(pid, signal.SIGKILL)
                        timed_out.add(pid)
                time.sleep(0.02)
                continue
            if pid not in running:
                continue
            name, report, t0 = running.pop(pid)
            ended = (_TIMED_OUT.format(timeout) if pid in timed_out else
                     _ended(os.waitstatus_to_exitcode(status)))
            timed_out.discard(pid)
            done(_result(name, report, round(time.monotonic() - t0, 2), ended))


def _read(report):
    """The records of a report file; a last line cut short by a crash is left out."""
    try:
        with open(report, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        return []
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pass
    return records


def _result(name, report, seconds, ended, stderr=()):
    """The verdict on one run from its report and how its process ``ended``. Killed: some test
    failed (even if the run crashed or timed out afterwards); survived: pytest finished with
    exit code 0 and nothing failed; error otherwise (pytest's exit code, or how the process
    ended before pytest finished, and why: the runner's error, or the last line of
    ``stderr``)."""
    records = _read(report)
    failed = [r["failed"] for r in records if "failed" in r]
    codes = [r["code"] for r in records if "code" in r]
    errors = [r["error"] for r in records if "error" in r]
    code = codes[-1] if codes else None
    if failed:
        status = "killed"
        detail = "" if code is not None else f"then {ended} before pytest finished"
    elif code == 0:
        status, detail = "survived", ""
    elif code == 5:
        status, detail = "error", "pytest collected no tests (exit code 5)"
    elif code is not None:
        status, detail = "error", f"pytest exit code {code}"
    else:
        status = "error"
        why = errors or list(stderr)
        detail = f"{ended} before pytest finished" + "".join(f": {e}" for e in why[-1:])
    return {"mutant": name, "status": status, "killed_by": failed, "seconds": seconds,
            "detail": detail, "code": code}


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
    p.add_argument("--start", choices=("fork", "spawn"),
                   default="fork" if hasattr(os, "fork") else "spawn",
                   help="fork: each mutant in a process forked from this one, after the "
                        "imports (default on POSIX); spawn: a fresh interpreter per mutant")
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
    try:
        chosen = mutants(kinds=ns.kinds, ops=ns.ops)
    except ValueError as e:
        p.error(str(e))
    if ns.only:
        unknown = sorted(set(ns.only) - {m.name for m in mutants()})
        if unknown:
            p.error(f"no mutants named {', '.join(unknown)} (see --list)")
        chosen = [m for m in chosen if m.name in ns.only]
        if not chosen:
            p.error(f"none of --only {' '.join(ns.only)} is of the --kinds/--ops chosen: "
                    "nothing to grade")
    if ns.list:
        for m in chosen:
            print(f"{m.name:24} {m.description}")
        return 0
    if ns.jobs < 1:
        p.error(f"--jobs must be at least 1, got {ns.jobs}")
    args = pytest_args(command)
    start = time.monotonic()
    base = run_mutant("-", args, ns.timeout)
    if base["code"] == 5:
        print("mutate: the suite collected no tests (pytest exit code 5): every mutant would "
              "survive it; check the paths and the -k/-m options after '--'", file=sys.stderr)
        return 2
    if base["status"] != "survived":
        print(f"mutate: the suite does not pass without mutants ({base['status']}: "
              f"{', '.join(base['killed_by'][:3]) or base['detail']}); fix it first",
              file=sys.stderr)
        return 2
    print(f"mutate: the suite passes as it is ({base['seconds']} s); "
          f"{len(chosen)} mutants, {ns.jobs} at a time", flush=True)

    described = {m.name: m.description for m in chosen}

    def show(r):
        r["description"] = described[r["mutant"]]
        by = r["killed_by"][0] if r["killed_by"] else r.get("detail", "")
        more = f" (+{len(r['killed_by']) - 1})" if len(r["killed_by"]) > 1 else ""
        print(f"  {r['status']:8} {r['mutant']:24} {by}{more}  [{r['seconds']} s]", flush=True)
        return r

    if ns.start == "fork":
        results = []
        run_forked([m.name for m in chosen], args, ns.jobs, ns.timeout,
                   lambda r: results.append(show(r)))
        order = {m.name: i for i, m in enumerate(chosen)}
        results.sort(key=lambda r: order[r["mutant"]])
    else:
        with ThreadPoolExecutor(max_workers=ns.jobs) as pool:
            results = list(pool.map(lambda m: show(run_mutant(m.name, args, ns.timeout)),
                                    chosen))
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

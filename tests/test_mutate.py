"""``python -m autograd.testing.mutate``: how it treats crashes, time-outs, typos and suites
that test nothing (the grading itself is in test_mutants.py)."""

import json
import subprocess
import sys
import textwrap

import pytest

OK = textwrap.dedent("""
    from autograd import Value

    def test_mul_gradient():
        x, y = Value(0.7), Value(1.3)
        (x * y).backward()
        assert (x.grad, y.grad) == (1.3, 0.7)
    """)


def run_mutate(*args, cwd):
    return subprocess.run([sys.executable, "-m", "autograd.testing.mutate", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.mark.parametrize("selection, message", [
    (["--ops", "mull"], "unknown ops ['mull']; choose from ['add', "),
    (["--ops", "relu", "--kinds", "dropped"], "no mutant matches kinds ['dropped'] and ops "
                                              "['relu']"),
    (["--ops", "tanh", "--only", "mul.a.sign"], "none of --only mul.a.sign is of the"),
])
def test_a_selection_with_a_typo_or_no_mutants_is_refused(tmp_path, selection, message):
    (tmp_path / "test_ok.py").write_text(OK)
    out = run_mutate(*selection, "--", "pytest", "-q", "test_ok.py", cwd=tmp_path)
    assert out.returncode == 2 and message in out.stderr, out.stdout + out.stderr
    assert "mutants:" not in out.stdout                         # no grade printed


# test_1 checks ∂(x·y)/∂y only; test_2 ends the test process when a gradient is wrong: exit
# status 3 (∂/∂x negated, or ∂/∂y wrong: after test_1 failed), SIGKILL (∂/∂x = 1) or a sleep
# past the time-out (∂/∂x = x).
CHECKS_Y = textwrap.dedent("""
    from autograd import Value

    def test_1_dy():
        x, y = Value(0.7), Value(1.3)
        (x * y).backward()
        assert y.grad == 0.7
    """)
CRASHES = textwrap.dedent("""
    import os, signal, time
    from autograd import Value

    def test_2_crash():
        x, y = Value(0.7), Value(1.3)
        (x * y).backward()
        time.sleep(0.45)
        if x.grad == 1.0:
            os.kill(os.getpid(), signal.SIGKILL)
        if x.grad == 0.7:
            time.sleep(60)
        if (x.grad, y.grad) != (1.3, 0.7):
            os._exit(3)
    """)


@pytest.mark.parametrize("start, kinds", [("fork", ["sign", "dropped", "other"]),
                                          ("spawn", ["sign", "dropped"])])
def test_a_crash_is_reported_as_it_happened_and_a_failure_before_it_still_kills(tmp_path,
                                                                                  start, kinds):
    (tmp_path / "test_1.py").write_text(CHECKS_Y)
    (tmp_path / "test_2.py").write_text(CRASHES)
    # The baseline runs under the same time-out: 15 s leaves room on a busy machine.
    out = run_mutate("--start", start, "--jobs", "2", "--timeout", "15", "--ops", "mul",
                     "--kinds", *kinds, "--json", "r.json", "--", "pytest", "-q", "test_1.py",
                     "test_2.py", cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    n = len(kinds)
    assert f"{2 * n} mutants: {n} killed, 0 survived, {n} errors" in out.stdout, out.stdout
    for line in [
            "ERROR    mul.a.sign: the test process exited with 3 before pytest finished",
            "ERROR    mul.a.dropped: the test process was killed by signal 9 (SIGKILL) before "
            "pytest finished",
            "ERROR    mul.a.other: the test process timed out after 15.0 s (killed) before "
            "pytest finished"][:n]:
        assert line in out.stdout, out.stdout
    report = {r["mutant"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    for name in ("mul.b.sign", "mul.b.dropped", "mul.b.other")[:n]:   # test_1 failed first
        assert report[name]["status"] == "killed"
        assert report[name]["killed_by"] == ["test_1.py::test_1_dy"]
        assert report[name]["detail"] == ("then the test process exited with 3 before pytest "
                                          "finished")


@pytest.mark.parametrize("suite, message", [
    (["-k", "nosuchtest"], "the suite collected no tests (pytest exit code 5)"),
    (["test_nothing_here.py"], "the suite collected no tests (pytest exit code 5)"),
    (["test_exits.py"], "does not pass without mutants (error: the test process exited with 4 "
                        "before pytest finished)"),
])
def test_the_suite_must_pass_without_mutants_and_run_some_tests(tmp_path, suite, message):
    (tmp_path / "test_ok.py").write_text(OK)
    (tmp_path / "test_nothing_here.py").write_text("X = 1\n")
    (tmp_path / "test_exits.py").write_text("import os\n\ndef test_exits():\n    os._exit(4)\n")
    args = suite if suite[0].endswith(".py") else suite + ["test_ok.py"]
    out = run_mutate("--ops", "mul", "--", "pytest", "-q", *args, cwd=tmp_path)
    assert out.returncode == 2 and message in out.stderr, out.stdout + out.stderr
    assert "mutants:" not in out.stdout

"""``python -m autograd.testing.mutate``: how it treats crashes, time-outs, typos and suites
that test nothing (the grading itself is in test_mutants.py)."""

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

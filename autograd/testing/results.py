"""What a gradient check found: the mismatches, a readable report, an error to raise."""

import math

from ..value import Value

__all__ = ["Mismatch", "GradcheckResult", "GradcheckError", "input_name", "within"]


def within(analytic, numeric, rtol, atol, noise=0.0):
    """Whether a derivative and its estimate agree: |analytic − numeric| ≤ atol + rtol ·
    max(|analytic|, |numeric|) + noise, for finite numbers. A side that is not finite agrees
    only with the same infinity on the other (NaN with nothing): the tolerance of an infinite
    gradient is infinite too, so a plain ``<=`` would pass it against any finite estimate."""
    if math.isfinite(analytic) and math.isfinite(numeric):
        return abs(analytic - numeric) <= atol + rtol * max(abs(analytic), abs(numeric)) + noise
    return analytic == numeric


def input_name(x, i):
    """An input's name in a report: its label, or ``inputs[i]``."""
    return x.label if isinstance(x, Value) and x.label else f"inputs[{i}]"


class Mismatch:
    """One partial derivative where reverse mode and a numerical estimate disagree."""

    __slots__ = ("input", "index", "analytic", "numeric", "method", "abs_error", "rel_error",
                 "what")

    def __init__(self, input, index, analytic, numeric, method, what=None):
        self.input = input            # the input's name: its label, or "inputs[i]"
        self.index = index            # element index for tensor inputs (a tuple), None for Values
        self.analytic = analytic      # from backward()
        self.numeric = numeric        # from central differences or the complex step
        self.method = method          # "central", "complex" or "forward"
        self.what = what or f"∂f/∂{self.where}"   # what was compared: "∂f/∂x", "v1·∇f (...)"
        self.abs_error = abs(analytic - numeric)
        scale = max(abs(analytic), abs(numeric))
        self.rel_error = self.abs_error / scale if scale else 0.0

    @property
    def where(self):
        if self.index is None:
            return self.input
        return f"{self.input}[{', '.join(map(str, self.index))}]"

    def __repr__(self):
        return (f"Mismatch({self.where}: analytic={self.analytic!r}, numeric={self.numeric!r}, "
                f"{self.method}, rel_error={self.rel_error:.3g})")


class GradcheckResult:
    """What a check found: truthy when every partial agrees; ``str()`` is a readable report."""

    def __init__(self, title, checked, mismatches, notes=(), evaluations=None,
                 unit="partial derivatives"):
        self.title = title
        self.unit = unit                      # what ``checked`` counts
        self.checked = checked                # number of partials (or directions) compared
        self.mismatches = list(mismatches)
        self.notes = list(notes)
        self.evaluations = evaluations        # evaluations of f it took (None: not counted)
        self.findings = []                    # blame's findings (autograd.testing.blame)
        self.blamed = False                   # did blame run on this failure

    def add_findings(self, findings):
        """Attach :func:`~autograd.testing.blame` findings: which op's rule is wrong."""
        self.findings.extend(findings)
        self.blamed = True

    def __bool__(self):
        return not self.mismatches

    def __str__(self):
        lines = [f"{self.title}: {'ok' if self else 'FAILED'}, {len(self.mismatches)} of "
                 f"{self.checked} {self.unit} disagree"]
        for m in self.mismatches:
            lines.append(f"  {m.what}: backward gives {m.analytic!r}, {m.method} gives "
                         f"{m.numeric!r} (abs error {m.abs_error:.3g}, "
                         f"rel error {m.rel_error:.3g})")
        if self.mismatches and self.findings:
            lines.append("  blame (each node's local derivatives against its own forward):")
            lines.extend(f"    {f}" for f in self.findings)
        elif self.mismatches and self.blamed:
            lines.append("  blame: every node's local derivatives agree with its forward here "
                         "(nodes at a kink or a domain edge are not checked): either the "
                         "numerical estimate is off at this point (a kink or pole within the "
                         "step: try taylor_test, or another point), or the error is in the "
                         "engine or outside the op table")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    __repr__ = __str__

    def raise_if_failed(self):
        if not self:
            raise GradcheckError(self)
        return self


class GradcheckError(AssertionError):
    """A gradient check failed; ``.result`` holds the :class:`GradcheckResult`."""

    def __init__(self, result):
        super().__init__(str(result))
        self.result = result

"""The exceptions chainrule raises.

Each one names the operation and the offending value, and says what to do. They subclass the
built-in exception a Python programmer would expect (``ValueError``, ``ZeroDivisionError``,
``TypeError``, ``OverflowError``), so ``except ValueError`` keeps working.
"""


class ChainruleError(Exception):
    """Base class of every error raised by chainrule."""


class _OpValueError(ChainruleError):
    """An error about one operation and one value: ``.op`` is the operation's name, ``.value``
    the offending input."""

    def __init__(self, op, value, message):
        super().__init__(message)
        self.op = op
        self.value = value


class DomainError(_OpValueError, ValueError):
    """An input outside an operation's domain, e.g. ``log(-2.0)`` or ``sqrt(-1.0)``."""


class DivisionByZero(DomainError, ZeroDivisionError):
    """A division (or a negative power) by exactly zero."""


class FloatOverflow(_OpValueError, OverflowError):
    """A result too large for a float, e.g. ``exp(1000.0)``."""


class OperandError(ChainruleError, TypeError):
    """An operand of an unsupported type, e.g. ``Value(1.0) + "2"``."""


class ShapeError(ChainruleError, ValueError):
    """Tensor shapes that do not fit an operation, e.g. ``(64, 784) @ (128, 10)``."""


class AnomalyError(ChainruleError, FloatingPointError):
    """Raised under ``detect_anomaly()`` by the first op that produced NaN or infinity."""


def with_label(error, label):
    """Return ``error`` with `` (node 'label')`` appended to its message, when a label is known."""
    if label:
        error.args = (f"{error.args[0]} (node {label!r})",) + error.args[1:]
    return error

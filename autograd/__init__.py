"""chainrule's autodiff core: reverse-mode automatic differentiation you can read.

* :class:`Value`: a scalar that records the computation graph; ``L.backward()`` fills ``.grad``.
* :mod:`autograd.ops`: the op table, each primitive with its local derivatives, written once.
* :func:`no_grad`, :func:`detect_anomaly`: recording switches.

The core imports only the standard library. Heavier parts load on first use:
``Tensor`` (pure-Python arrays), ``explain`` (the chain rule step by step), ``draw``
(graphviz images), ``forward`` (dual numbers), ``testing`` (gradcheck + hypothesis strategies).

Note: the import name ``autograd`` is shared with the HIPS ``autograd`` project on PyPI; install
chainrule in its own virtual environment to keep them apart (``autograd.__chainrule__`` is True
for ours).
"""

from .engine import detect_anomaly, enable_grad, is_grad_enabled, no_grad, topological_order
from .errors import (AnomalyError, ChainruleError, DivisionByZero, DomainError, FloatOverflow,
                     OperandError, ShapeError)
from .ops import OPS, Op
from .value import Value, add_n, dot
from .value import register as register_op

__version__ = "0.1.0"
__chainrule__ = True

__all__ = [
    "Value", "OPS", "Op", "dot", "add_n", "register_op", "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly",
    "topological_order", "ChainruleError", "DomainError", "DivisionByZero", "FloatOverflow",
    "OperandError", "ShapeError", "AnomalyError", "__version__",
]

# Lazily loaded attribute -> (module, name). Filled in as the parts land.
_LAZY = {
    "Tensor": ("autograd.tensor", "Tensor"),
    "explain": ("autograd.explain", "explain"),
    "explain_update": ("autograd.explain", "explain_update"),
    "draw": ("autograd.draw", "draw"),
    "draw_backward_frames": ("autograd.draw", "draw_backward_frames"),
    "Dual": ("autograd.forward", "Dual"),
    "gradcheck": ("autograd.testing", "gradcheck"),
}


_SUBMODULES = {"tensor", "explain", "draw", "forward", "testing", "expr", "kernels", "fileio"}


def __getattr__(name):
    if name in _SUBMODULES:          # autograd.testing etc. without an explicit import
        import importlib

        return importlib.import_module(f"autograd.{name}")
    if name in _LAZY:
        import importlib

        module_name, attr = _LAZY[name]
        value = getattr(importlib.import_module(module_name), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")

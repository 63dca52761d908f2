"""chainrule's autodiff core: reverse-mode automatic differentiation you can read.

* :class:`Value`: a scalar that records the computation graph; ``L.backward()`` fills ``.grad``.
* :mod:`autograd.ops`: the op table, each primitive with its local derivatives, written once.
* :func:`no_grad`, :func:`detect_anomaly`: recording switches.

The core imports only the standard library: ``explain`` (the chain rule step by step),
``draw`` (graphviz images; graphviz itself is imported when you draw) and ``Dual`` (forward
mode) load with the package; ``Tensor`` (pure-Python arrays) and ``testing`` (gradcheck +
hypothesis strategies) load on first use.

Note: the import name ``autograd`` is shared with the HIPS ``autograd`` project on PyPI; install
chainrule in its own virtual environment to keep them apart (``autograd.__chainrule__`` is True
for ours).
"""

from .engine import detect_anomaly, enable_grad, is_grad_enabled, no_grad, topological_order
from .errors import (AnomalyError, ChainruleError, DivisionByZero, DomainError, FloatOverflow,
                     OperandError, ShapeError)
from .ops import OPS, Op
from .install import register_op, unregister_op
from .nary import add_n, dot
from .value import Value

# Imported here, not lazily, because the functions share their modules' names: importing the
# submodule autograd.explain sets the package attribute ``explain`` to the module, and only a
# later ``from .explain import explain`` puts the function back. (graphviz is imported by
# draw() when called.)
from .explain import explain, explain_update  # noqa: E402
from .draw import draw  # noqa: E402
from .frames import draw_backward_frames  # noqa: E402
from .forward import Dual  # noqa: E402
from .functional import grad, gradients, hessian, hvp, jvp, vjp  # noqa: E402

__version__ = "0.1.0"
__chainrule__ = True

__all__ = [
    "Value", "OPS", "Op", "dot", "add_n", "register_op", "unregister_op",
    "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "topological_order",
    "explain", "explain_update", "draw", "draw_backward_frames", "Dual", "grad", "gradients",
    "hessian", "jvp", "vjp", "hvp", "Tensor", "SparseRows", "gradcheck",
    "ChainruleError", "DomainError", "DivisionByZero", "FloatOverflow", "OperandError",
    "ShapeError", "AnomalyError", "__version__",
]

# Lazily loaded attribute -> (module, name). Filled in as the parts land.
_LAZY = {
    "Tensor": ("autograd.tensor", "Tensor"),
    "SparseRows": ("autograd.sparse", "SparseRows"),
    "gradcheck": ("autograd.testing", "gradcheck"),
}


_SUBMODULES = {"tensor", "testing", "expr", "kernels", "fileio", "sparse", "shapes"}


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

"""Mutants for teachers: wrong derivative rules, one at a time, to grade a test suite.

A test suite that passes tells you little until you know it would *fail* on a wrong derivative.
:func:`mutants` yields :class:`Mutant` objects, context managers that swap one wrong rule into
the engine and put the right one back on the way out::

    from autograd.testing import mutants
    for m in mutants():
        with m:
            ...            # run your tests: one of them should fail
        # the op table is as it was

The kinds (``Mutant.kind``), for every op of the table and each of its inputs:

* ``sign``: the local derivative with its sign flipped (−b for ∂(a·b)/∂a);
* ``dropped``: a factor dropped (∂(a·b)/∂a = 1, ∂tanh = 1 − tanh(a), d(a**k) = a**(k-1));
* ``other``: the other input's formula (∂(a·b)/∂a = a; binary ops whose two rules differ);
* ``point``: right everywhere but at one point (+1 at a = 0, or at 1 where 0 is outside the
  domain): only a test that looks exactly there kills it. relu'(0) = 1 is one of these;

and two named after bugs that external suites missed:

* ``leaf-assign``: a leaf's ``.grad`` *assigned* by ``backward()`` instead of accumulated
  (calling it twice should double it);
* ``relu-at-0``: relu'(0) = 1 instead of 0;

and, for Tensors, the structural ops' backward (``tensor``): matmul's ∂/∂A and ∂/∂B with their
sign flipped, and one entry of matmul's ∂/∂B dropped.

A mutant swaps ``local``, ``partials`` and the formula (``derivs``) of the table's
:class:`~autograd.ops.Op` in place, so every kind of number that reads the table sees it: Value,
Dual, the functional API, and Tensor ops that go through ``op.local``. (Tensor's fast kernels for
add, sub, mul, neg, exp, tanh and relu do not read the rule: ``tests/test_tensor_kernels.py``
pins them to the table instead.) The wrong rules are written with the library's own functions
(``step``, arithmetic), so they too work on every kind of number.
"""

from .. import ops as _ops
from ..ops import step
from ..value import Value

__all__ = ["Mutant", "mutants", "mutant", "KINDS"]

KINDS = ("sign", "dropped", "other", "point", "leaf-assign", "relu-at-0", "tensor")


def _at(x, p):
    """1 where x equals p exactly, else 0, on every kind of number (a constant: no gradient)."""
    return 1.0 - step(x - p) - step(p - x)


# A factor dropped, per (op, input): the wrong formula and the wrong rule.
_DROPPED = {
    ("mul", 0): ("1", lambda out, a, b: 1.0 + 0.0 * b),
    ("mul", 1): ("1", lambda out, a, b: 1.0 + 0.0 * a),
    ("div", 0): ("b", lambda out, a, b: b),
    ("div", 1): ("-a/b", lambda out, a, b: -a / b),
    ("pow", 0): ("a**(b-1)", lambda out, a, b: a ** (b - 1.0)),
    ("pow", 1): ("a**b", lambda out, a, b: out),
    ("powc", 0): ("a**(k-1)", lambda out, a, k: a ** (k - 1)),
    ("exp", 0): ("1", lambda out, a, k: 1.0 + 0.0 * a),
    ("log", 0): ("1/a²", lambda out, a, k: 1.0 / (a * a)),
    ("tanh", 0): ("1 - tanh(a)", lambda out, a, k: 1.0 - out),
    ("sigmoid", 0): ("σ(a)", lambda out, a, k: out),
    ("sqrt", 0): ("1/sqrt(a)", lambda out, a, k: 1.0 / out),
    ("sin", 0): ("1", lambda out, a, k: 1.0 + 0.0 * a),
    ("cos", 0): ("-1", lambda out, a, k: -1.0 + 0.0 * a),
    ("softplus", 0): ("1", lambda out, a, k: 1.0 + 0.0 * a),
}

# Where the "off at one point" mutants are off: 0, or 1 where 0 is outside the op's domain.
_POINT_ONE = {("log", 0), ("sqrt", 0), ("pow", 0), ("div", 1), ("powc", 0)}


# The mutant active on each target (an op's name, "backward", a TensorOp's name): two mutants
# of one op cannot stack, since each saves and restores the same attributes.
_ACTIVE = {}


class Mutant:
    """One wrong rule; a context manager that swaps it in and restores the original.

    ``name``: a stable id (``"mul.a.sign"``), ``op``: the op's name (None for an engine mutant),
    ``input``: the input's index, ``kind``, ``formula``: the wrong formula (``"-b"``),
    ``description``: a sentence. ``target`` is what it changes (the op's name, or
    ``"backward"``): one mutant per target may be active at a time, so mutants of different
    ops nest, but entering a second one on the same op raises :class:`RuntimeError`. The
    original is put back however the ``with`` body ends, an exception included."""

    def __init__(self, name, kind, description, swap, restore, op=None, input=None,
                 formula=None, target=None):
        self.name, self.kind, self.description = name, kind, description
        self.op, self.input, self.formula = op, input, formula
        self.target = target if target is not None else op
        self._swap, self._restore, self._active = swap, restore, False

    def __enter__(self):
        if self._active:
            raise RuntimeError(f"mutant {self.name} is already active")
        other = _ACTIVE.get(self.target)
        if other is not None:
            raise RuntimeError(f"mutant {self.name}: mutant {other.name} is already active on "
                               f"{self.target}; exit it before entering this one")
        self._saved = self._swap()
        self._active = True
        _ACTIVE[self.target] = self
        return self

    def __exit__(self, *exc):
        if not self._active:
            raise RuntimeError(f"mutant {self.name} is not active: nothing to restore")
        self._restore(self._saved)
        self._active = False
        del _ACTIVE[self.target]
        return False

    def __repr__(self):
        return f"Mutant({self.name}: {self.description})"


def _right_derivs(op):
    """The op's right formulas, even while one of its mutants is active."""
    active = _ACTIVE.get(op.name)
    return active._saved[2] if active is not None and active.op == op.name else op.derivs


def _rule_mutant(op, i, kind, formula, wrong):
    """A mutant that replaces the rule of input ``i`` of ``op`` with ``wrong``."""
    def swap():
        saved = (op.local, op.partials, op.derivs)
        local, partials = saved[0], saved[1]     # the right rules, bound before they change

        def original(j):
            if partials is not None:
                return partials[j]
            return lambda out, a, b: local(out, a, b)[j]

        right = [original(j) for j in range(op.arity)]
        right[i] = wrong(right[i], right)
        parts = tuple(right)
        op.partials = parts
        op.local = ((lambda out, a, b: (parts[0](out, a, b),)) if op.arity == 1 else
                    (lambda out, a, b: (parts[0](out, a, b), parts[1](out, a, b))))
        derivs = list(op.derivs)
        derivs[i] = formula
        op.derivs = tuple(derivs)
        return saved

    def restore(saved):
        op.local, op.partials, op.derivs = saved

    name = f"{op.name}.{op.inputs()[i]}.{kind}"
    what = f"∂({op.expr})/∂{op.inputs()[i]} = {formula} instead of {_right_derivs(op)[i]}"
    return Mutant(name, kind, what, swap, restore, op.name, i, formula)


def _op_mutants(op):
    out, derivs = [], _right_derivs(op)
    for i in range(op.arity):
        d = derivs[i]
        if d not in ("0",):
            out.append(_rule_mutant(op, i, "sign", f"-({d})",
                                    lambda r, rs: (lambda o, a, b: -r(o, a, b))))
        if (op.name, i) in _DROPPED:
            formula, rule = _DROPPED[op.name, i]
            out.append(_rule_mutant(op, i, "dropped", formula, lambda r, rs, rule=rule: rule))
        if op.arity == 2 and derivs[1 - i] not in (d, f"-{d}", d.lstrip("-")):
            out.append(_rule_mutant(op, i, "other", derivs[1 - i],
                                    lambda r, rs, j=1 - i: rs[j]))
        p = 1.0 if (op.name, i) in _POINT_ONE else 0.0
        if op.name == "relu":
            continue                                    # relu-at-0 is its point mutant
        def point(r, rs, i=i, p=p):
            return lambda o, a, b: r(o, a, b) + _at(a if i == 0 else b, p)
        out.append(_rule_mutant(op, i, "point", f"{d} (+1 at {'ab'[i]} = {p:g})", point))
    return out


def _relu_at_0():
    m = _rule_mutant(_ops.OPS["relu"], 0, "relu-at-0", "1 if a >= 0 else 0",
                     lambda r, rs: (lambda o, a, b: r(o, a, b) + _at(a, 0.0)))
    m.name = "relu-at-0"
    m.description = "relu'(0) = 1 instead of 0"
    return m


def _leaf_assign():
    """backward() assigns each leaf's gradient instead of adding to it."""
    from ..engine import topological_order
    from ..tensor_base import Tensor

    def wrap(original, zero):
        def backward(self, *args, **kwargs):
            for node in topological_order(self):
                if node.is_leaf() if hasattr(node, "is_leaf") else not node._inputs:
                    node.grad = zero(node)
            return original(self, *args, **kwargs)
        backward.__doc__ = original.__doc__
        return backward

    def swap():
        saved = (Value.backward, Tensor.backward)
        Value.backward = wrap(saved[0], lambda n: 0.0)
        Tensor.backward = wrap(saved[1], lambda n: None)
        return saved

    def restore(saved):
        Value.backward, Tensor.backward = saved

    return Mutant("leaf-assign", "leaf-assign", "backward() assigns a leaf's .grad instead of "
                  "accumulating it (twice should double it)", swap, restore, target="backward")


def _tensor_mutant(record, i, kind):
    """A TensorOp's backward wrong for input ``i``: sign flipped, or its first entry dropped."""
    cls = type(record)

    def swap():
        original = cls.backward

        def backward(self, node, g):
            grads = list(original(self, node, g))
            if grads[i] is not None:
                grads[i] = ([-t for t in grads[i]] if kind == "sign" else
                            [0.0] + list(grads[i][1:]))
            return tuple(grads)
        cls.backward = backward
        return original

    def restore(original):
        cls.backward = original

    side = record.derivs[i]
    what = (f"∂({record.expr}) for input {i} = −({side})" if kind == "sign" else
            f"∂({record.expr}) for input {i}: {side} with its first entry 0")
    return Mutant(f"{record.name}.{i}.{kind}", "tensor", what, swap, restore, record.name, i,
                  f"-({side})" if kind == "sign" else f"{side} (entry 0 dropped)",
                  target=f"{cls.__name__}.backward")


def _tensor_mutants():
    from ..tensor_ops import MATMUL
    return [_tensor_mutant(MATMUL, 0, "sign"), _tensor_mutant(MATMUL, 1, "sign"),
            _tensor_mutant(MATMUL, 1, "entry")]


def _names(what, given):
    """``given`` as a tuple of names: a bare string is one name, not its letters."""
    if given is None or isinstance(given, str):
        return given if given is None else (given,)
    names = tuple(given)
    if not all(isinstance(n, str) for n in names):
        raise TypeError(f"mutants: {what} must be names (strings), got {given!r}")
    return names


def mutants(kinds=None, ops=None):
    """Every mutant (or those of the given ``kinds`` and ``ops`` names), in a stable order:
    the op table's rules op by op, then ``relu-at-0``, ``leaf-assign`` and the Tensor ones.

    ``kinds`` and ``ops`` are names or lists of names (``ops="relu"`` is the op relu). An
    unknown name, or a selection with no mutant in it, raises :class:`ValueError`: a grade
    over no mutants would be a perfect grade that tested nothing. ``ops`` selects the mutants
    of those ops (the op table's, and ``matmul`` for the Tensor ones); ``leaf-assign`` belongs
    to no op, so only ``ops=None`` includes it."""
    kinds, ops = _names("kinds", kinds), _names("ops", ops)
    kinds = KINDS if kinds is None else kinds
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"mutants: unknown kinds {unknown}; choose from {list(KINDS)}")
    out = []
    for op in list(_ops.OPS.values()):
        out.extend(_op_mutants(op))
    out.append(_relu_at_0())
    out.append(_leaf_assign())
    out.extend(_tensor_mutants())
    if ops is not None:
        known = list(dict.fromkeys(m.op for m in out if m.op is not None))
        unknown = [o for o in ops if o not in known]
        if unknown:
            raise ValueError(f"mutants: unknown ops {unknown}; choose from {known}")
        out = [m for m in out if m.op in ops]
    out = [m for m in out if m.kind in kinds]
    if not out:
        raise ValueError(f"mutants: no mutant matches kinds {list(kinds)}"
                         + (f" and ops {list(ops)}" if ops is not None else "")
                         + "; list them with python -m autograd.testing.mutate --list")
    return out


def mutant(name):
    """The mutant called ``name`` (``"mul.a.sign"``, ``"relu-at-0"``, ``"leaf-assign"``)."""
    for m in mutants():
        if m.name == name:
            return m
    raise KeyError(f"no mutant named {name!r}; list them with "
                   "python -m autograd.testing.mutate --list")

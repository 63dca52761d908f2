"""Random Tensor programs against PyTorch float64: every value and every gradient.

Each seed builds a small program: one to three leaf tensors of random shapes (rank 0 to 3,
sizes 0 to 3, so empty tensors are common), then one to eight steps drawn from elementwise
ops, broadcasting binary ops, reductions (an axis, a tuple of axes, all; keepdims or not),
reshape / transpose, 1-d, 2-d and batched matrix products, softmax / log_softmax, indexing
and cross-entropy. The same steps run in chainrule and in PyTorch (float64). After every step
the shapes and values must agree (to 1e-9); at the end a random weighted sum of the last
result is back-propagated in both and every leaf's gradient must agree.

A step chainrule refuses must raise one of chainrule's errors (never a bare exception), and
where PyTorch computes a number, the refusal must be one of the few that chainrule documents
(:data:`REFUSED_ON_PURPOSE`: PyTorch answers NaN there, or broadcasts matmul batch axes).
"""

import functools
import math
import os
import random
import re

import pytest

from autograd import Tensor
from autograd.errors import ChainruleError

try:
    import torch
except ImportError:                          # CI installs torch: there, this must run
    if os.environ.get("CI"):
        raise
    pytest.skip("needs PyTorch (pip install torch); CI installs it and runs these",
                allow_module_level=True)

F = torch.nn.functional
SEEDS = 1000
CHUNK = 50

# Where PyTorch gives a number and chainrule a clear error instead, on purpose:
REFUSED_ON_PURPOSE = {
    "mean of nothing (PyTorch: NaN)": r"^mean: no elements to average over axis ",
    "cross-entropy of no rows (PyTorch: NaN)": r"^cross_entropy: no rows ",
    "matmul batch axes broadcast (not supported; the message says what is)":
        r"^matmul: .* batched products need the same leading sizes",
}

UNARY = {
    "exp": (lambda x: (x.tanh() * 3).exp(), lambda x: (x.tanh() * 3).exp()),
    "log": (lambda x: (x * x + 0.5).log(), lambda x: (x * x + 0.5).log()),
    "sqrt": (lambda x: (x * x + 0.5).sqrt(), lambda x: (x * x + 0.5).sqrt()),
    "tanh": (lambda x: x.tanh(), torch.tanh),
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid),
    "relu": (lambda x: x.relu(), torch.relu),
    "abs": (lambda x: x.abs(), torch.abs),
    "sin": (lambda x: x.sin(), torch.sin),
    "cos": (lambda x: x.cos(), torch.cos),
    "neg": (lambda x: -x, torch.neg),
    "softplus": (lambda x: x.softplus(), F.softplus),
    "x**2": (lambda x: x ** 2, lambda x: x ** 2),
    "x**3": (lambda x: x ** 3, lambda x: x ** 3),
    "x**1.5": (lambda x: (x * x + 0.5) ** 1.5, lambda x: (x * x + 0.5) ** 1.5),
    "2**x": (lambda x: 2.0 ** x, lambda x: 2.0 ** x),
    "1/x": (lambda x: 1.0 / (x * x + 0.5), lambda x: 1.0 / (x * x + 0.5)),
    "3-x": (lambda x: 3.0 - x, lambda x: 3.0 - x),
}
BINARY = {
    "+": (lambda x, y: x + y,) * 2,
    "-": (lambda x, y: x - y,) * 2,
    "*": (lambda x, y: x * y,) * 2,
    "/": (lambda x, y: x / (y * y + 0.5),) * 2,
    "maximum": (lambda x, y: x.maximum(y), torch.maximum),
    "minimum": (lambda x, y: x.minimum(y), torch.minimum),
}
KINDS = ("unary", "unary", "binary", "binary", "reduce", "shape", "matmul", "softmax", "index",
         "cross_entropy")


class Program:
    """One random program: its generator and its leaves (chainrule, torch) in pairs."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.leaves = []

    def random_shape(self):
        return tuple(self.rng.choice((0, 1, 2, 2, 3, 3)) for _ in range(self.rng.randint(0, 3)))

    def leaf(self, shape):
        values = [self.rng.uniform(-2, 2) for _ in range(math.prod(shape))]
        pair = (Tensor(values, shape=shape, requires_grad=True),
                torch.tensor(values, dtype=torch.float64).reshape(shape).requires_grad_())
        self.leaves.append(pair)
        return pair

    def broadcastable(self, shape):
        """A shape that broadcasts with ``shape`` (a suffix, some sizes 1, maybe one more
        axis in front)."""
        rng = self.rng
        suffix = shape[len(shape) - rng.randint(0, len(shape)):]
        out = [1 if rng.random() < 0.3 else d for d in suffix]
        return tuple(([rng.choice((1, 2))] if rng.random() < 0.2 else []) + out)

    def step(self, pool):
        """``(kind, description, chainrule thunk, torch thunk)`` of one random step, or
        None."""
        rng = self.rng
        a, ta = rng.choice(pool)
        s = a.shape
        kind = rng.choice(KINDS)
        if kind == "unary":
            name = rng.choice(sorted(UNARY))
            f, g = UNARY[name]
            return name, name, lambda: f(a), lambda: g(ta)
        if kind == "binary":
            name = rng.choice(sorted(BINARY))
            f, g = BINARY[name]
            if rng.random() < 0.5:
                b, tb = self.leaf(self.broadcastable(s))
            else:
                same = [p for p in pool if p[0].shape == s]
                b, tb = rng.choice(same if rng.random() < 0.8 else pool)
            if rng.random() < 0.5:
                return name, f"{s} {name} {b.shape}", lambda: f(a, b), lambda: g(ta, tb)
            return name, f"{b.shape} {name} {s}", lambda: f(b, a), lambda: g(tb, ta)
        if kind == "reduce":
            name = rng.choice(("sum", "mean", "max"))
            keep = rng.random() < 0.3
            if not s or rng.random() < 0.3:
                axis = None
            elif len(s) >= 2 and rng.random() < 0.3:
                axis = tuple(sorted(rng.sample(range(len(s)), 2)))
                if rng.random() < 0.3:
                    axis = tuple(ax - len(s) for ax in axis)
            else:
                axis = rng.randrange(-len(s), len(s))

            def theirs():
                if axis is None:
                    t = getattr(ta, name)()
                    return t.reshape((1,) * len(s)) if keep else t
                return getattr(ta, "amax" if name == "max" else name)(dim=axis, keepdim=keep)
            return (name + ("" if axis is None or isinstance(axis, int) else " over a tuple"),
                    f"{name}(axis={axis}, keepdims={keep})",
                    lambda: getattr(a, name)(axis=axis, keepdims=keep), theirs)
        if kind == "shape":
            if len(s) >= 2 and rng.random() < 0.5:
                if rng.random() < 0.5:
                    return ".T", ".T", lambda: a.T, lambda: ta.permute(*reversed(range(len(s))))
                axes = list(range(len(s)))
                rng.shuffle(axes)
                return ("transpose", f"transpose{axes}", lambda: a.transpose(*axes),
                        lambda: ta.permute(*axes))
            n = math.prod(s)
            options = [(n,), (1, n), (n, 1), ()] + ([(-1,)] if n else [(0, 3), (2, 0), (0, -1)])
            if n == 6:
                options += [(2, 3), (3, 2), (3, -1), (1, 2, 3)]
            new = rng.choice(options)
            return "reshape", f"reshape{new}", lambda: a.reshape(*new), lambda: ta.reshape(new)
        if kind == "matmul" and s:
            k = s[-1]
            rank = rng.choice((1, 2, 2, 3))
            right = ((k,) if rank == 1 else (k, rng.choice((0, 1, 2, 3))) if rank == 2 else
                     (s[0] if len(s) == 3 else rng.choice((1, 2)), k, rng.choice((0, 1, 2))))
            if rng.random() < 0.7:
                b, tb = self.leaf(right)
                return (f"matmul {len(s)}-d @ {rank}-d", f"{s} @ {right}", lambda: a @ b,
                        lambda: ta @ tb)
            left = (rng.choice((0, 1, 2)), s[0]) if len(s) <= 2 else (s[0], 2, s[-2])
            b, tb = self.leaf(left)
            return (f"matmul {len(left)}-d @ {len(s)}-d", f"{left} @ {s}", lambda: b @ a,
                    lambda: tb @ ta)
        if kind == "softmax" and s:
            axis = rng.randrange(-len(s), len(s))
            if rng.random() < 0.5:
                return ("softmax", f"softmax({axis})", lambda: a.softmax(axis=axis),
                        lambda: ta.softmax(dim=axis))
            return ("log_softmax", f"log_softmax({axis})", lambda: a.log_softmax(axis=axis),
                    lambda: ta.log_softmax(dim=axis))
        if kind == "index" and s:
            d = s[0]
            how = rng.choice(("int", "slice", "step", "rows"))
            if how == "int" and d:
                i = rng.randrange(-d, d)
                return "x[i]", f"[{i}]", lambda: a[i], lambda: ta[i]
            if how == "slice":
                lo, hi = rng.randint(-d, d), rng.randint(0, d)
                return "x[lo:hi]", f"[{lo}:{hi}]", lambda: a[lo:hi], lambda: ta[lo:hi]
            if how == "rows" and d:
                rows = [rng.randrange(d) for _ in range(rng.randint(0, 3))]
                return "x[rows]", f"[{rows}]", lambda: a[rows], lambda: ta[rows]
            return "x[::2]", "[::2]", lambda: a[::2], lambda: ta[::2]
        if kind == "cross_entropy" and len(s) == 2 and s[1]:
            labels = [rng.randrange(s[1]) for _ in range(s[0])]
            return ("cross_entropy", "cross_entropy", lambda: a.cross_entropy(labels),
                    lambda: F.cross_entropy(ta, torch.tensor(labels, dtype=torch.long)))
        return None


def same_number(x, y, tol=1e-9):
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return math.isclose(x, y, rel_tol=tol, abs_tol=tol)


def flat(t):
    return t.detach().reshape(-1).tolist()


def run_program(seed, kinds=None):
    """``(outcome, log)``: outcome "matched", "both refused", a key of REFUSED_ON_PURPOSE,
    or a problem (a sentence) that fails the test; log: the steps so far. The kinds of the
    steps that ran in both engines are added to the set ``kinds``."""
    prog = Program(seed)
    pool = [prog.leaf(prog.random_shape()) for _ in range(prog.rng.randint(1, 3))]
    log = [f"seed {seed}: leaves {[p[0].shape for p in pool]}"]
    last = pool[-1]
    for _ in range(prog.rng.randint(1, 8)):
        step = prog.step(pool)
        if step is None:
            continue
        kind, what, ours_f, theirs_f = step
        try:
            theirs, torch_error = theirs_f(), None
        except (RuntimeError, IndexError, ValueError) as e:
            theirs, torch_error = None, e
        try:
            ours = ours_f()
        except ChainruleError as e:
            log.append(f"{what}: refused: {type(e).__name__}: {e}")
            if torch_error is not None:
                return "both refused", log
            on_purpose = [k for k, pattern in REFUSED_ON_PURPOSE.items()
                          if re.search(pattern, str(e))]
            return (on_purpose[0] if on_purpose else "refused what PyTorch computes"), log
        except Exception as e:                               # a bare exception
            return f"bare {type(e).__name__}: {e}", log + [what]
        log.append(f"{what} -> {ours.shape}")
        if torch_error is not None:
            return f"computed what PyTorch refuses ({torch_error})", log
        if ours.shape != tuple(theirs.shape):
            return f"shape {ours.shape}, PyTorch {tuple(theirs.shape)}", log
        if not all(map(same_number, ours.data, flat(theirs))):
            return f"values {ours.data[:6]}, PyTorch {flat(theirs)[:6]}", log
        pool.append((ours, theirs))
        last = (ours, theirs)
        if kinds is not None:
            kinds.add(kind)
    out, tout = last
    weights = [random.Random(seed + 1).uniform(-1, 1) for _ in range(out.size)]
    try:
        (out * Tensor(weights, shape=out.shape)).sum().backward()
    except ChainruleError as e:
        return f"backward refused: {e}", log
    except Exception as e:
        return f"bare {type(e).__name__} in backward: {e}", log
    tloss = (tout * torch.tensor(weights, dtype=torch.float64).reshape(tout.shape)).sum()
    if tloss.requires_grad:
        tloss.backward()
    for leaf, tleaf in prog.leaves:
        ours = [0.0] * leaf.size if leaf.grad is None else leaf.grad.data
        theirs = [0.0] * leaf.size if tleaf.grad is None else flat(tleaf.grad)
        if leaf.grad is not None and leaf.grad.shape != leaf.shape:
            return f"gradient of shape {leaf.grad.shape} for a leaf {leaf.shape}", log
        if len(ours) != len(theirs) or not all(map(same_number, ours, theirs)):
            return f"gradient of leaf {leaf.shape}: {ours[:6]}, PyTorch {theirs[:6]}", log
    return "matched", log


GOOD = {"matched", "both refused", *REFUSED_ON_PURPOSE}


@functools.lru_cache(maxsize=None)
def outcome_of(seed):
    """``(outcome, log, kinds of the steps)`` of program ``seed`` (each is run once)."""
    kinds = set()
    outcome, log = run_program(seed, kinds)
    return outcome, log, frozenset(kinds)


@pytest.mark.parametrize("first", range(0, SEEDS, CHUNK))
def test_random_tensor_programs_match_pytorch_float64(first):
    for seed in range(first, first + CHUNK):
        outcome, log, _ = outcome_of(seed)
        assert outcome in GOOD, f"{outcome}\n" + "\n".join(log)


def test_the_random_programs_cover_empty_tensors_and_every_kind_of_step():
    outcomes, kinds, empty = {}, set(), 0
    for seed in range(SEEDS):
        outcome, log, steps = outcome_of(seed)
        kinds |= steps
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        empty += outcome == "matched" and "0" in re.findall(r"\d+", log[0].split(":")[1])
    assert outcomes["matched"] >= 0.8 * SEEDS, outcomes
    assert empty >= 0.2 * SEEDS, empty             # programs on empty tensors, fully checked
    wanted = {"sum", "mean", "max", "sum over a tuple", "mean over a tuple", "max over a tuple",
              "reshape", "transpose", ".T", "softmax", "log_softmax", "cross_entropy", "x[i]",
              "x[lo:hi]", "x[rows]", "x[::2]", "matmul 1-d @ 1-d", "matmul 1-d @ 2-d",
              "matmul 2-d @ 1-d", "matmul 2-d @ 2-d", "matmul 3-d @ 3-d", "matmul 3-d @ 1-d",
              *UNARY, *BINARY}
    assert wanted <= kinds, sorted(wanted - kinds)

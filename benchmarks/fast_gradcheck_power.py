"""How often does gradcheck(fast=True) catch a wrong Tensor derivative? Measured, not assumed.

    python benchmarks/fast_gradcheck_power.py     # 4,000 small trials, 40 + 60 at 784×128
    python benchmarks/fast_gradcheck_power.py --trials 500 --big 5 --entry 5

Every mutant of :func:`autograd.testing.mutants` that changes a Tensor gradient takes part: the
op table's wrong rules (sign flipped, a factor dropped, the other input's formula) for the ops
whose Tensor backward reads the table, and the matmul mutants (∂/∂A or ∂/∂B with the sign
flipped, one entry of ∂/∂B of all of them dropped). A trial draws a fresh seed, a weight W, an
input X and a mutant, builds f(W) = Σ op(X @ W) (a binary op takes a second random tensor),
checks that the mutant really changes ∇f (else it is not counted), and runs
``gradcheck(f, [W], fast=True)`` (3 random directions, the trial's seed). Caught = the check
fails. With k misses in n trials the miss probability is below the Clopper-Pearson 95% upper
bound printed (for k = 0: 1 − 0.05^(1/n), about 3/n).
"""

import argparse
import math
import random
import time

from autograd import Tensor
from autograd.testing import gradcheck, mutants

# ops whose Tensor backward goes through the fast kernels, not op.local (pinned to the table by
# tests/test_tensor_kernels.py): their op-table mutants do not reach Tensors
KERNEL_OPS = {"add", "sub", "mul", "neg", "exp", "tanh", "relu"}
POSITIVE = {"log", "sqrt", "pow", "powc"}     # need a positive input: softplus(z) + 0.5


def candidates():
    out = []
    for m in mutants(kinds=("sign", "dropped", "other", "tensor")):
        if m.kind == "tensor" or m.op not in KERNEL_OPS | {"pos"}:
            out.append(m)
    return out


def loss(m, X, C, k):
    """Σ op(X @ W) for the mutant's op (matmul mutants: Σ tanh(X @ W))."""
    def f(W):
        z = X @ W
        if m.kind == "tensor":
            return z.tanh().sum()
        if m.op in POSITIVE:
            z = z.softplus() + 0.5
        if m.op == "powc":
            return (z ** k).sum()
        if m.op in ("pow", "div", "max", "min"):
            other = C.softplus() + 0.5 if m.op in ("pow", "div") else C
            z = {"pow": lambda: z ** other, "div": lambda: z / other,
                 "max": lambda: z.maximum(other), "min": lambda: z.minimum(other)}[m.op]()
            if m.input == 1:                   # the mutated input must be the one W feeds
                z = {"pow": lambda: other ** (X @ W).tanh(), "div": lambda: other / z.exp(),
                     "max": lambda: other.maximum(X @ W), "min": lambda: other.minimum(X @ W)
                     }[m.op]()
            return z.sum()
        return getattr(z, m.op)().sum()
    return f


def gradient(f, W):
    W.grad = None
    f(W).backward()
    g = list(W.grad.data)
    W.grad = None
    return g


def trial(m, seed, n, k, batch):
    rng = random.Random(seed)
    W = Tensor.randn((n, k), std=1.0 / math.sqrt(n), seed=rng.randrange(2 ** 31),
                     requires_grad=True)
    X = Tensor.randn((batch, n), seed=rng.randrange(2 ** 31))
    C = Tensor.randn((batch, k), seed=rng.randrange(2 ** 31))
    f = loss(m, X, C, rng.choice((2, 3, -1, 1.5)))
    right = gradient(f, W)
    with m:
        wrong = gradient(f, W)
        if max(abs(a - b) for a, b in zip(right, wrong)) <= 1e-9 * max(1.0, max(map(abs, right))):
            return None                         # the mutant does not change this gradient
        result = gradcheck(f, [W], fast=True, directions=3, seed=seed)
    return not result, result.evaluations


def upper_bound(misses, n, confidence=0.95):
    """Clopper-Pearson upper bound on the miss probability (bisection on the binomial tail)."""
    if misses >= n:
        return 1.0
    lo, hi = misses / n, 1.0
    for _ in range(100):
        p = (lo + hi) / 2
        tail = sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(misses + 1))
        lo, hi = (p, hi) if tail > 1 - confidence else (lo, p)
    return hi


def run(label, ms, trials, shape, batch, start_seed):
    caught = counted = skipped = 0
    evaluations = set()
    per = {}
    t0 = time.perf_counter()
    for t in range(trials):
        m = ms[t % len(ms)]
        r = trial(m, start_seed + t, shape[0], shape[1], batch)
        if r is None:
            skipped += 1
            continue
        counted += 1
        caught += r[0]
        evaluations.add(r[1])
        c = per.setdefault(m.name, [0, 0])
        c[0] += r[0]
        c[1] += 1
    misses = counted - caught
    print(f"{label}: W {shape[0]}x{shape[1]}, {len(ms)} mutants, {counted} trials counted "
          f"({skipped} where the mutant left this gradient unchanged): caught {caught}, "
          f"missed {misses}; P(miss) < {upper_bound(misses, counted):.2g} (95%); evaluations "
          f"of f per check: {sorted(evaluations)} (1 for backward + 2 per direction), "
          f"{time.perf_counter() - t0:.0f} s")
    for name, (c, n) in sorted(per.items()):
        if c < n:
            print(f"  missed {n - c} of {n}: {name}")
    return caught, counted


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=4000, help="small trials (default 4000)")
    p.add_argument("--big", type=int, default=40, help="784×128 trials (default 40)")
    p.add_argument("--entry", type=int, default=60,
                   help="784×128 trials of the hardest mutant, one entry of ∂/∂W dropped "
                        "(default 60)")
    args = p.parse_args()
    ms = candidates()
    run("small", ms, args.trials, (6, 5), 3, 0)
    if args.big:
        big = [m for m in ms if m.kind == "tensor" or m.kind == "dropped"]
        run("784x128", big, args.big, (784, 128), 2, 10 ** 6)
    if args.entry:
        entry = [m for m in ms if m.name == "matmul.1.entry"]
        run("784x128, one entry of 100,352 wrong", entry, args.entry, (784, 128), 2, 2 * 10 ** 6)


if __name__ == "__main__":
    main()

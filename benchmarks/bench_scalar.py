"""Scalar engine benchmark: chainrule's Value against micrograd (PyPI), in one run.

    python benchmarks/bench_scalar.py [--ops 100000] [--repeat 3] [--chain 1000000] [--skip-mlp]

1. Graph: build and back-propagate a random DAG of N mixed scalar ops (+, *, ** 2, relu,
   * constant), every op reading two of the last 64 results (shared sub-expressions, fan-out).
   The op sequence is drawn once, before timing, so both engines run exactly the same graph and
   the loop around the ops is as thin as possible. Reports ns per op for forward and backward.
2. Chain: a chain ``--chain`` ops deep (default 1,000,000) built and back-propagated in a
   fresh process: seconds and peak memory; the recursion limit is never touched.
3. MLP step (benchmarks/bench_mlp.py, run from here too): one training step (forward over
   100 points, hinge loss + L2, backward, SGD update) of MLP(2, [16, 16, 1]), ReLU like
   micrograd's, same weights and data on both sides; a tanh row too.

micrograd is optional: ``pip install micrograd`` (never a dependency of chainrule). Its recursive
topological sort needs a raised recursion limit for large graphs, which this script sets for it.
"""

import argparse
import gc
import os
import platform
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from autograd import Value  # noqa: E402


def op_sequence(n, seed=0, window=64):
    """The op kinds and operand positions, drawn once: (kind, i, j), i in the window of recent
    results, j a leaf index."""
    rng = random.Random(seed)
    return [(k % 5, rng.randrange(window), rng.randrange(window)) for k in range(n)]


def build_graph(V, seq, window=64, seed=1):
    """Run the op sequence on engine ``V``; returns (output, number of ops).

    Operand ``a`` is one of the last ``window`` results (shared sub-expressions: a result is
    used about once on average, some many times); ``b`` is one of ``window`` fixed leaves of
    magnitude 0.5-1.5, which keeps every value finite and mostly away from zero (relu makes
    about a fifth exact zeros). Results nobody used are summed into the output at the end, so
    the whole graph is reachable and backward touches every node.
    """
    rng = random.Random(seed)
    leaves = [V(rng.choice((-1.0, 1.0)) * rng.uniform(0.5, 1.5)) for _ in range(window)]
    pool = list(leaves)
    used = [True] * window
    append, mark = pool.append, used.append
    ops = 0
    for kind, i, j in seq:
        k = len(pool) - 1 - i
        a = pool[k]
        used[k] = True
        b = leaves[j]
        if kind == 0:
            c = a + b
        elif kind == 1:
            c = a * b
        elif kind == 2:
            c = (a * 0.5) ** 2          # two ops
            ops += 1
        elif kind == 3:
            c = a.relu()
        else:
            c = a * 0.5                 # a constant operand: lifted into a leaf by both engines
        append(c)
        mark(False)
        ops += 1
    out = pool[-1]
    used[-1] = True
    for node, was_used in zip(pool, used):
        if not was_used:
            out = out + node
            ops += 1
    return out, ops


def time_graph(V, seq, repeat):
    """Best-of-``repeat`` forward and backward seconds for the op sequence on engine ``V``."""
    best_f = best_b = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out, n = build_graph(V, seq)
        t1 = time.perf_counter()
        out.backward()
        t2 = time.perf_counter()
        best_f, best_b = min(best_f, t1 - t0), min(best_b, t2 - t1)
        del out
    return best_f, best_b, n


CHAIN_CODE = """
import resource, sys, time
sys.path.insert(0, {root!r})
from autograd import Value
limit = sys.getrecursionlimit()
x = Value(0.5)
y = x
t0 = time.perf_counter()
for i in range({n}):
    y = y * 1.0000001 if i % 2 else y + 0.1     # each step: one op node and one constant leaf
t1 = time.perf_counter()
y.backward()
t2 = time.perf_counter()
assert sys.getrecursionlimit() == limit
print(t1 - t0, t2 - t1, x.grad, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def bench_chain(n):
    """Build and back-propagate a chain ``n`` ops deep in a fresh process: seconds and the
    process's peak resident memory (so nothing else in this run inflates it)."""
    import subprocess

    code = CHAIN_CODE.format(root=os.path.join(HERE, ".."), n=n)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    fwd, bwd, grad, rss_kb = float(out[0]), float(out[1]), float(out[2]), int(out[3])
    print(f"\n### A chain {n:,} ops deep (plus {n:,} constant leaves), in a fresh process\n")
    print("| forward s | backward s | peak memory | recursion limit touched | ∂y/∂x |")
    print("|---:|---:|---:|---|---:|")
    print(f"| {fwd:.2f} | {bwd:.2f} | {rss_kb / 1024:,.0f} MB | no | {grad:.6f} |")


def load_micrograd():
    try:
        from micrograd.engine import Value as MicroValue
    except ImportError:
        return None
    return MicroValue


def fmt_row(name, fwd_ns, bwd_ns, base=None):
    total = fwd_ns + bwd_ns
    ratio = f"{base / total:.1f}×" if base else "1.0×"
    return f"| {name} | {fwd_ns:,.0f} | {bwd_ns:,.0f} | {total:,.0f} | {ratio} |"


def bench_graph(n, repeat):
    seq = op_sequence(n)
    engines = [("chainrule Value", Value)]
    micro = load_micrograd()
    if micro is not None:
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * n + 1000))
        engines.append(("micrograd 0.1.0 (PyPI)", micro))
    results = {}
    for name, V in engines:
        f, b, count = time_graph(V, seq, repeat)
        results[name] = (f / count * 1e9, b / count * 1e9)
    base = results.get("micrograd 0.1.0 (PyPI)")
    base_total = sum(base) if base else None
    print(f"\n### Graph of {n:,} mixed scalar ops (best of {repeat})\n")
    print("| engine | forward ns/op | backward ns/op | total ns/op | speed-up vs micrograd |")
    print("|---|---:|---:|---:|---:|")
    for name, (f, b) in results.items():
        print(fmt_row(name, f, b, base_total))
    if base is None:
        print("\n(micrograd not installed: pip install micrograd)")
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", type=int, default=100_000, help="ops in the random graph")
    p.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    p.add_argument("--skip-mlp", action="store_true", help="only the graph benchmark")
    p.add_argument("--chain", type=int, default=1_000_000, help="depth of the chain (0: skip)")
    args = p.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; command: python benchmarks/bench_scalar.py "
          + " ".join(argv if argv is not None else sys.argv[1:]))
    bench_graph(args.ops, args.repeat)
    if args.chain:
        bench_chain(args.chain)
    if not args.skip_mlp:
        import bench_mlp                 # benchmarks/bench_mlp.py, same run, same machine state

        print(f"\n### One training step of MLP(2, [16, 16, 1]) on 100 two-moons points\n")
        bench_mlp.main(["--repeat", str(max(3, args.repeat)), "--steps", "5"])


if __name__ == "__main__":
    main()

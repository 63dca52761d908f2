"""Scalar engine benchmark: chainrule's Value, a microgpt-style Value and micrograd, interleaved.

    python benchmarks/bench_scalar.py [--ops 100000] [--repeat 5] [--chain 1000000] [--skip-mlp]

1. Graph: build and back-propagate a random DAG of N mixed scalar ops (+, *, ** 2, relu,
   * constant), every op reading two of the last 64 results (shared sub-expressions, fan-out).
   The op sequence is drawn once, before timing, so every engine runs exactly the same graph and
   the loop around the ops is as thin as possible. Reports ns per op for forward and backward.
2. Chain: a chain ``--chain`` ops deep (default 1,000,000) built and back-propagated in a
   fresh process: seconds and peak memory; the recursion limit is never touched.
3. MLP step (benchmarks/bench_mlp.py, run from here too): one training step (forward over
   100 points, hinge loss + L2, backward, SGD update) of MLP(2, [16, 16, 1]), ReLU like
   micrograd's, same weights and data for every engine; a tanh row too.

**Interleaved, never one engine after another**: each of ``--repeat`` rounds runs every engine
once, in an order rotated every round, so a load that comes and goes on the machine hits all of
them alike. The tables give the minimum (the least disturbed run) and the median, wall time and
this process's CPU time, the interpreter and the load average at the start and the end.

The engines: chainrule's ``Value``; ``microgpt_value.Value``, written from the published design
of Karpathy's microgpt (``__slots__``, children and local gradients stored as tuples in the
forward pass, a recursive topological sort); micrograd 0.1.0 from PyPI, optional
(``pip install micrograd``, never a dependency of chainrule). The recursive sorts need a raised
recursion limit for large graphs, which this script sets for them. On PyPy micrograd's row is
skipped with the reason (its recursion crashes PyPy's C stack); the rest runs.
"""

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if __name__ == "__main__":       # run as a script: this checkout's chainrule; imported (ab.py,
    sys.path.insert(0, os.path.join(HERE, ".."))    # the tests): the importer's, left as is
if HERE not in sys.path:
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


def time_graph(V, seq):
    """One forward and one backward of the op sequence on engine ``V``: (forward wall s,
    backward wall s, forward CPU s, backward CPU s, ops). The collector runs before, outside
    the timing, so one engine's garbage (micrograd's cycles) is not charged to the next."""
    gc.collect()
    wall, cpu = time.perf_counter, time.process_time
    t0, c0 = wall(), cpu()
    out, n = build_graph(V, seq)
    t1, c1 = wall(), cpu()
    out.backward()
    t2, c2 = wall(), cpu()
    del out
    return t1 - t0, t2 - t1, c1 - c0, c2 - c1, n


CHAIN_CODE = """
import resource, sys, time
sys.path.insert(0, {root!r})
from autograd import Value
limit = sys.getrecursionlimit()
x = Value(0.5)
y = x
t0 = time.perf_counter()
for i in range({n}):
    y = y * 1.0000001 if i % 2 else y + 0.1     # each step: one op with a number operand
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
    print(f"\n### A chain {n:,} ops deep, each with a number operand, in a fresh process\n")
    print("| forward s | backward s | peak memory | recursion limit touched | ∂y/∂x |")
    print("|---:|---:|---:|---|---:|")
    print(f"| {fwd:.2f} | {bwd:.2f} | {rss_kb / 1024:,.0f} MB | no | {grad:.6f} |")


PYPY = platform.python_implementation() == "PyPy"

# Published figures (issue 16: Python 3.11, quiet machine, one interleaved run), ns per op
# forward + backward on this graph: what the microgpt-style row is checked against.
PUBLISHED = {"chainrule Value": 1859, "microgpt-style Value": 3733, "micrograd 0.1.0": 15417}


def engines():
    """(name, Value class or None, why it is skipped) for every engine of the comparison."""
    import microgpt_value

    rows = [("chainrule Value", Value, None), ("microgpt-style Value", microgpt_value.Value, None)]
    if PYPY:
        rows.append(("micrograd 0.1.0", None, "skipped on PyPy: its recursive topological "
                     "sort overflows PyPy's C stack on deep graphs (segfault)"))
        return rows
    try:
        from micrograd.engine import Value as MicroValue
    except ImportError:
        rows.append(("micrograd 0.1.0", None, "not installed (pip install micrograd)"))
    else:
        rows.append(("micrograd 0.1.0", MicroValue, None))
    return rows


def interleaved(runners, repeat):
    """Run every runner once per round, ``repeat`` rounds, the order rotated each round (A B C,
    B C A, ...), so a load that comes and goes hits every engine alike. Returns {name: [result
    of each round]}."""
    names = list(runners)
    results = {name: [] for name in names}
    for r in range(repeat):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            results[name].append(runners[name]())
    return results


def load_text():
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except (AttributeError, OSError):
        return "load average unknown"


def ratio(x, y):
    return f"{x / y:.2f}" if y else "–"


def bench_graph(n, repeat):
    seq = op_sequence(n)
    rows = engines()
    if any(V is not None and name != "chainrule Value" for name, V, _ in rows):
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * n + 1000))   # recursive sorts
    runners = {name: (lambda V=V: time_graph(V, seq)) for name, V, why in rows if why is None}
    runs = interleaved(runners, repeat)
    ops = runs["chainrule Value"][0][4]
    med = statistics.median
    stats = {}
    for name, rs in runs.items():
        fwd, bwd = [r[0] for r in rs], [r[1] for r in rs]
        tot, cpu = [r[0] + r[1] for r in rs], [r[2] + r[3] for r in rs]
        stats[name] = {k: (min(v) / ops * 1e9, med(v) / ops * 1e9)
                       for k, v in (("fwd", fwd), ("bwd", bwd), ("tot", tot), ("cpu", cpu))}
    print(f"\n### Graph of {ops:,} mixed scalar ops: {repeat} interleaved rounds, rotated\n")
    print("| engine | forward ns/op min / median | backward ns/op min / median | "
          "total ns/op min / median | total CPU ns/op min / median | "
          "chainrule ÷ this: wall min, median | CPU min, median |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    ours, our_cpu = stats["chainrule Value"]["tot"], stats["chainrule Value"]["cpu"]
    for name, s in stats.items():
        f, b, t, c = s["fwd"], s["bwd"], s["tot"], s["cpu"]
        print(f"| {name} | {f[0]:,.0f} / {f[1]:,.0f} | {b[0]:,.0f} / {b[1]:,.0f} | "
              f"{t[0]:,.0f} / {t[1]:,.0f} | {c[0]:,.0f} / {c[1]:,.0f} | "
              f"{ratio(ours[0], t[0])}, {ratio(ours[1], t[1])} | "
              f"{ratio(our_cpu[0], c[0])}, {ratio(our_cpu[1], c[1])} |")
    for name, _V, why in rows:
        if why:
            print(f"| {name} | {why} | | | | | |")
    mg, gpt = stats.get("micrograd 0.1.0"), stats.get("microgpt-style Value")
    if mg and gpt:
        published = PUBLISHED['micrograd 0.1.0'] / PUBLISHED['microgpt-style Value']
        print(f"\nmicrograd ÷ microgpt-style (min): {mg['tot'][0] / gpt['tot'][0]:.2f} here; "
              f"the published figures give {published:.2f} "
              f"({', '.join(f'{k} {v:,}' for k, v in PUBLISHED.items())} ns/op, Python 3.11).")
    return stats


def positive(text):
    """argparse type: a whole number of at least 1 (0 ops or 0 rounds leave nothing to time)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return n


def header(script, argv):
    """The first line of a scalar benchmark's output: interpreter, machine, load, command."""
    return (f"{platform.python_implementation()} {platform.python_version()} on "
            f"{platform.machine()}, {os.cpu_count()} CPUs, {load_text()} at the start; "
            f"command: python benchmarks/{script} "
            + " ".join(argv if argv is not None else sys.argv[1:]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", type=positive, default=100_000, help="ops in the random graph")
    p.add_argument("--repeat", type=positive, default=5, help="interleaved rounds")
    p.add_argument("--skip-mlp", action="store_true", help="only the graph benchmark")
    p.add_argument("--chain", type=int, default=1_000_000, help="depth of the chain (0: skip)")
    args = p.parse_args(argv)
    print(header("bench_scalar.py", argv))
    bench_graph(args.ops, args.repeat)
    if args.chain:
        bench_chain(args.chain)
    if not args.skip_mlp:
        import bench_mlp                 # benchmarks/bench_mlp.py, same run, same machine state

        print("\n### One training step of MLP(2, [16, 16, 1]) on 100 two-moons points\n")
        bench_mlp.main(["--repeat", str(args.repeat), "--steps", "5"])
    print(f"\n({load_text()} at the end. Wall time is what a user waits; CPU time is this "
          "process's own, the fairer figure when other jobs share the machine.)")


if __name__ == "__main__":
    main()

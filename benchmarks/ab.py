"""Compare git revisions of chainrule side by side, interleaved, in one run.

    python benchmarks/ab.py HEAD~1 HEAD [--repeat 7] [--workloads graph,mlp,mnist-epoch]
    python benchmarks/ab.py HEAD~1 HEAD --instructions --workloads graph,mlp,mnist-batch

Each revision is exported (``git archive``) into a temporary folder. Then, ``--repeat`` times,
every workload runs once per revision in a fresh process, the order rotated each round (A B,
B A, ...), so a load that comes and goes on the machine hits both revisions alike. The workload
code is this file's (the same for both revisions); only ``autograd``/``nn`` come from the
revision. Reports min and median seconds per revision and the ratio of the minimums.

Workloads:
* ``graph``: forward + backward of the 100,000-op random graph of ``bench_scalar.py``.
* ``mlp``: five training steps of MLP(2, [16, 16, 1]) on 100 moons (``bench_mlp.py``).
* ``mnist-epoch``: one epoch of the default ``chainrule mnist`` network (784-128-10 tanh, SGD
  momentum, batch 256) on the 8,000 bundled digits, with its evaluation, timed inside the
  process; ``mnist-batch``: one training step of it on 256 digits.

``--instructions`` counts the instructions each step executes with valgrind's callgrind
(the difference of a 3-step and a 1-step run, so start-up and imports cancel): a measure that
does not move with the machine's load, for a change that could slow the hot path.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Each workload: (setup, step). A run does the setup, then the step N times (N from the
# environment, 1 for timing), and prints the seconds the steps took.
WORKLOADS = {
    "graph": ("""
from bench_scalar import op_sequence, build_graph
from autograd import Value
seq = op_sequence(100_000)
""", """
out, n = build_graph(Value, seq)
out.backward()
del out
"""),
    "mlp": ("""
from nn import MLP, SGD
from nn.data.moons import make_moons
from bench_mlp import chainrule_step
X, y = make_moons(100, noise=0.1, seed=0, labels="pm1")
model = MLP(2, [16, 16, 1], activation="relu")
opt = SGD(model.parameters(), lr=0.05)
chainrule_step(model, opt, X, y)
""", """
for _ in range(5):
    chainrule_step(model, opt, X, y)
"""),
    "mnist-epoch": ("""
from nn import TensorMLP, SGD
from nn.data import load_mnist
from nn.train import fit
train, test = load_mnist("train"), load_mnist("test")
""", """
model = TensorMLP(784, [128], 10, seed=0)
opt = SGD(model.parameters(), lr=0.2, momentum=0.9)
fit(model, train, test, epochs=1, batch_size=256, optimizer=opt, seed=0, progress=False)
"""),
    "mnist-batch": ("""
from nn import TensorMLP, SGD
from nn.data import load_mnist
from autograd import SparseRows
train = load_mnist("train")
model = TensorMLP(784, [128], 10, seed=0)
opt = SGD(model.parameters(), lr=0.2, momentum=0.9)
idx = list(range(256))
""", """
X = SparseRows(train.sparse_rows(idx), 784)
loss = model(X).cross_entropy(train.label_list(idx))
opt.zero_grad()
loss.backward()
opt.step()
"""),
}


def program(name):
    setup, step = WORKLOADS[name]
    # the check line: the revision's own autograd and nn run, never this checkout's
    check = ("import autograd, nn\nfor m in (autograd, nn):\n"
             "    assert m.__file__.startswith(os.environ['AB_TREE']), m.__file__\n")
    return (f"import gc, os, time\n{setup}\n{check}N = int(os.environ.get('AB_N', '1'))\n"
            "gc.collect()\nt0 = time.perf_counter()\nfor _ in range(N):\n"
            + "".join(f"    {line}\n" for line in step.strip().splitlines())
            + "print(time.perf_counter() - t0)\n")


def export(rev, dest):
    """The tree of ``rev`` in ``dest`` (tracked files only)."""
    data = subprocess.run(["git", "-C", ROOT, "archive", rev], capture_output=True,
                          check=True).stdout
    path = os.path.join(dest, "tree.tar")
    with open(path, "wb") as f:
        f.write(data)
    with tarfile.open(path) as t:
        t.extractall(dest, filter="data")
    os.remove(path)


def run(code, tree, n=1, callgrind=False):
    """Seconds the workload's steps took (or, with ``callgrind``, the instructions the whole
    process executed: deterministic, whatever else the machine is doing)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([tree, HERE]), PYTHONHASHSEED="0",
               AB_N=str(n), AB_TREE=os.path.join(tree, ""))
    cmd = [os.path.realpath(sys.executable), "-c", code]
    if callgrind:
        out_file = os.path.join(tree, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tree)
    if out.returncode:
        raise SystemExit(f"workload failed in {tree}:\n{out.stderr[-3000:]}")
    if callgrind:
        collected = [line for line in out.stderr.splitlines() if "Collected" in line]
        return int(collected[-1].split()[-1])
    return float(out.stdout.split()[-1])


def instructions_per_step(name, tree):
    """(instructions with 3 steps − with 1 step) / 2: the steps alone, without start-up,
    imports and compilation (the trees are compiled once first)."""
    code = program(name)
    subprocess.run([sys.executable, "-c", WORKLOADS[name][0]], cwd=tree, capture_output=True,
                   env=dict(os.environ, PYTHONPATH=os.pathsep.join([tree, HERE])))
    return (run(code, tree, 3, True) - run(code, tree, 1, True)) / 2


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("revs", nargs="+", help="git revisions (e.g. HEAD~1 HEAD)")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--workloads", default="graph,mlp",
                   help=f"comma-separated, from {', '.join(WORKLOADS)}")
    p.add_argument("--instructions", action="store_true",
                   help="count instructions per step with valgrind's callgrind instead of "
                        "timing (deterministic on a busy machine; slow: use mlp, graph or "
                        "mnist-batch)")
    args = p.parse_args(argv)
    names = args.workloads.split(",")
    for n in names:
        if n not in WORKLOADS:
            raise SystemExit(f"unknown workload {n!r}; choose from {', '.join(WORKLOADS)}")
    with tempfile.TemporaryDirectory(prefix="chainrule-ab-") as tmp:
        trees = {}
        for rev in args.revs:
            sha = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", rev],
                                 capture_output=True, text=True, check=True).stdout.strip()
            trees[rev] = os.path.join(tmp, sha)
            os.mkdir(trees[rev])
            export(rev, trees[rev])
        print(f"Python {sys.version.split()[0]}; "
              + ("instructions per step (callgrind)" if args.instructions else
                 f"{args.repeat} interleaved rounds")
              + f"; command: python benchmarks/ab.py {' '.join(argv or sys.argv[1:])}")
        if args.instructions:
            print("\n| workload | revision | instructions per step | vs first |")
            print("|---|---|---:|---:|")
            for name in names:
                counts = {rev: instructions_per_step(name, trees[rev]) for rev in args.revs}
                first = counts[args.revs[0]]
                for rev in args.revs:
                    print(f"| {name} | {rev} | {counts[rev]:,.0f} | {counts[rev] / first:.4f} |")
            return
        print("\n| workload | revision | min s | median s | min vs first |")
        print("|---|---|---:|---:|---:|")
        for name in names:
            times = {rev: [] for rev in args.revs}
            order = list(args.revs)
            for _ in range(args.repeat):
                for rev in order:
                    times[rev].append(run(program(name), trees[rev]))
                order = order[1:] + order[:1]
            first = min(times[args.revs[0]])
            for rev in args.revs:
                t = times[rev]
                print(f"| {name} | {rev} | {min(t):.3f} | {statistics.median(t):.3f} | "
                      f"{min(t) / first:.3f} |")


if __name__ == "__main__":
    main()

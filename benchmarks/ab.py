"""Compare git revisions of chainrule side by side, interleaved, in one run.

    python benchmarks/ab.py HEAD~1 HEAD [--repeat 7] [--workloads graph,mlp,mnist-epoch]

Each revision is exported (``git archive``) into a temporary folder. Then, ``--repeat`` times,
every workload runs once per revision in a fresh process, the order rotated each round (A B,
B A, ...), so a load that comes and goes on the machine hits both revisions alike. The workload
code is this file's (the same for both revisions); only ``autograd``/``nn`` come from the
revision. Reports min and median seconds per revision and the ratio of the minimums.

Workloads:
* ``graph``: forward + backward of the 100,000-op random graph of ``bench_scalar.py``.
* ``mlp``: five training steps of MLP(2, [16, 16, 1]) on 100 moons (``bench_mlp.py``).
* ``mnist-epoch``: one epoch of the default ``chainrule mnist`` network (784-128-10 tanh, SGD
  momentum, batch 256) on the 8,000 bundled digits, timed inside the process.
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

WORKLOADS = {
    "graph": """
import gc, time
from bench_scalar import op_sequence, build_graph
from autograd import Value
seq = op_sequence(100_000)
gc.collect()
t0 = time.perf_counter()
out, n = build_graph(Value, seq)
out.backward()
print(time.perf_counter() - t0)
""",
    "mlp": """
import gc, time
from nn import MLP, SGD
from nn.data.moons import make_moons
from bench_mlp import chainrule_step
X, y = make_moons(100, noise=0.1, seed=0, labels="pm1")
model = MLP(2, [16, 16, 1], activation="relu")
opt = SGD(model.parameters(), lr=0.05)
chainrule_step(model, opt, X, y)
gc.collect()
t0 = time.perf_counter()
for _ in range(5):
    chainrule_step(model, opt, X, y)
print(time.perf_counter() - t0)
""",
    "mnist-epoch": """
import time
from nn import TensorMLP, SGD
from nn.data import load_mnist
from nn.train import fit
train, test = load_mnist("train"), load_mnist("test")
model = TensorMLP(784, [128], 10, seed=0)
opt = SGD(model.parameters(), lr=0.2, momentum=0.9)
t0 = time.perf_counter()
fit(model, train, test, epochs=1, batch_size=256, optimizer=opt, seed=0, progress=False)
print(time.perf_counter() - t0)
""",
}


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


def run(code, tree):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([tree, HERE]), PYTHONHASHSEED="0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tree)
    if out.returncode:
        raise SystemExit(f"workload failed in {tree}:\n{out.stderr}")
    return float(out.stdout.split()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("revs", nargs="+", help="git revisions (e.g. HEAD~1 HEAD)")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--workloads", default="graph,mlp",
                   help=f"comma-separated, from {', '.join(WORKLOADS)}")
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
        print(f"Python {sys.version.split()[0]}; {args.repeat} interleaved rounds; "
              f"command: python benchmarks/ab.py {' '.join(argv or sys.argv[1:])}")
        print("\n| workload | revision | min s | median s | min vs first |")
        print("|---|---|---:|---:|---:|")
        for name in names:
            times = {rev: [] for rev in args.revs}
            order = list(args.revs)
            for _ in range(args.repeat):
                for rev in order:
                    times[rev].append(run(WORKLOADS[name], trees[rev]))
                order = order[1:] + order[:1]
            first = min(times[args.revs[0]])
            for rev in args.revs:
                t = times[rev]
                print(f"| {name} | {rev} | {min(t):.3f} | {statistics.median(t):.3f} | "
                      f"{min(t) / first:.3f} |")


if __name__ == "__main__":
    main()

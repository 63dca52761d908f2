"""Tensor engine benchmark: one training epoch of 784-128-10, against NumPy, in one run.

    python benchmarks/bench_tensor.py [--samples 60000] [--batch 64] [--hidden 128]
                                      [--activation tanh] [--profile]

The network is Linear(784, 128) → tanh → Linear(128, 10), softmax cross-entropy, plain SGD
(lr 0.1), batch 64, on the first ``--samples`` Fashion-MNIST training images (read from Debian's
``/usr/share/datasets/fashion-mnist/*.gz`` through ``nn.data``; ``--synthetic DENSITY``, or a
dataset ``nn.data`` cannot load, with a message: random sparse digits).
The same network, same initial weights and same batches run through chainrule's Tensor
(pure Python, inputs as SparseRows built from the dataset's ``sparse_rows``) and through
NumPy; the table gives seconds per epoch, samples/s, the ratio, and chainrule's per-phase
breakdown (wall time and process CPU time). ``--profile`` adds a cProfile listing of the
chainrule epoch. NumPy appears only here, never in the library.
"""

import argparse
import os
import platform
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autograd import Tensor, no_grad  # noqa: E402
from autograd.kernels import axpy  # noqa: E402
from autograd.sparse import SparseRows  # noqa: E402

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")      # single-threaded NumPy: one process, one core each

FASHION = "/usr/share/datasets/fashion-mnist"


def load(samples, seed=0, synthetic=None, dataset="fashion"):
    """(sparse rows, labels, source name) of ``samples`` training images scaled to [0, 1], read
    through ``nn.data``; ``synthetic`` (or a dataset that cannot be loaded): random sparse digits
    with that share of nonzero pixels instead."""
    if synthetic is None:
        try:
            from nn.data import load_fashion_mnist, load_mnist
            ds = load_mnist("train") if dataset == "mnist" else load_fashion_mnist("train")
        except (ImportError, OSError, ValueError) as e:
            print(f"(dataset {dataset!r} not loaded through nn.data: {e}; "
                  "using synthetic sparse digits instead)\n")
        else:
            n = min(len(ds), samples)
            name = ("bundled MNIST digits" if dataset == "mnist" else
                    f"Fashion-MNIST ({FASHION})")
            return ds.sparse_rows(range(n)), list(ds.labels[:n]), name + " via nn.data"
    rng = random.Random(seed)
    rows = []
    nnz = round(784 * (0.19 if synthetic is None else synthetic))   # MNIST: ~19% nonzero
    for _ in range(samples):
        idx = sorted(rng.sample(range(784), nnz))
        rows.append((idx, [rng.random() for _ in idx]))
    return rows, [rng.randrange(10) for _ in range(samples)], "synthetic sparse digits"


def init_weights(hidden, seed=0):
    rng = random.Random(seed)
    s1, s2 = 784 ** -0.5, hidden ** -0.5
    w1 = [rng.uniform(-s1, s1) for _ in range(784 * hidden)]
    w2 = [rng.uniform(-s2, s2) for _ in range(hidden * 10)]
    return w1, [0.0] * hidden, w2, [0.0] * 10


def epoch_chainrule(rows, labels, weights, hidden, batch, lr, activation):
    """One epoch through the Tensor engine; returns (mean loss, {phase: seconds})."""
    w1, b1, w2, b2 = weights
    params = [Tensor(w1, (784, hidden), requires_grad=True),
              Tensor(b1, (hidden,), requires_grad=True),
              Tensor(w2, (hidden, 10), requires_grad=True),
              Tensor(b2, (10,), requires_grad=True)]
    W1, B1, W2, B2 = params
    phases = {"forward": 0.0, "backward": 0.0, "update": 0.0}
    clock = time.perf_counter
    total = 0.0
    for lo in range(0, len(rows), batch):
        t0 = clock()
        X = SparseRows(rows[lo:lo + batch], 784)
        h = getattr(X @ W1 + B1, activation)()
        loss = (h @ W2 + B2).cross_entropy(labels[lo:lo + batch])
        t1 = clock()
        loss.backward()
        t2 = clock()
        with no_grad():
            for p in params:
                p.data = axpy(p.data, -lr, p.grad.data)
                p.grad = None
        t3 = clock()
        total += loss.item()
        phases["forward"] += t1 - t0
        phases["backward"] += t2 - t1
        phases["update"] += t3 - t2
    return total / -(-len(rows) // batch), phases


def epoch_numpy(rows, labels, weights, hidden, batch, lr, activation):
    import numpy as np

    w1, b1, w2, b2 = (np.array(w, dtype=np.float64) for w in weights)
    w1, w2 = w1.reshape(784, hidden), w2.reshape(hidden, 10)
    X = np.zeros((len(rows), 784))
    for k, (idx, vals) in enumerate(rows):
        X[k, idx] = vals
    y = np.array(labels)
    act = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
           "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z))}[activation]
    t0, c0 = time.perf_counter(), time.process_time()
    total = 0.0
    for lo in range(0, len(rows), batch):
        xb, yb = X[lo:lo + batch], y[lo:lo + batch]
        n = len(xb)
        h = act(xb @ w1 + b1)
        z = h @ w2 + b2
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        total += -logp[np.arange(n), yb].mean()
        dz = np.exp(logp)
        dz[np.arange(n), yb] -= 1.0
        dz /= n
        dh = dz @ w2.T
        if activation == "tanh":
            dh *= 1.0 - h * h
        elif activation == "relu":
            dh *= h > 0
        else:
            dh *= h * (1.0 - h)
        w2 -= lr * (h.T @ dz)
        b2 -= lr * dz.sum(axis=0)
        w1 -= lr * (xb.T @ dh)
        b1 -= lr * dh.sum(axis=0)
    return (total / -(-len(rows) // batch), time.perf_counter() - t0,
            time.process_time() - c0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=60_000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--activation", default="tanh", choices=("tanh", "relu", "sigmoid"))
    p.add_argument("--dataset", choices=("fashion", "mnist"), default="fashion",
                   help="fashion: Debian's Fashion-MNIST; mnist: the bundled real digits")
    p.add_argument("--synthetic", type=float, metavar="DENSITY",
                   help="random sparse digits with this share of nonzero pixels (MNIST: 0.19)")
    p.add_argument("--profile", action="store_true", help="cProfile the chainrule epoch")
    args = p.parse_args(argv)
    rows, labels, source = load(args.samples, synthetic=args.synthetic, dataset=args.dataset)
    density = sum(len(i) for i, _ in rows) / (784 * len(rows))
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
          f"{len(rows):,} samples of {source}, {density:.0%} nonzero pixels; "
          f"784-{args.hidden}-10 {args.activation}, batch {args.batch}, SGD lr {args.lr}\n")
    weights = init_weights(args.hidden)
    run = (rows, labels, weights, args.hidden, args.batch, args.lr, args.activation)
    if args.profile:
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    loss_c, phases = epoch_chainrule(*run)
    secs_c, cpu_c = time.perf_counter() - t0, time.process_time() - c0
    if args.profile:
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)
    try:
        loss_n, secs_n, cpu_n = epoch_numpy(*run)
    except ImportError:
        loss_n = secs_n = cpu_n = None
    n = len(rows)
    print("| engine | s/epoch (wall) | CPU s | samples/s | × NumPy (wall) | × NumPy (CPU) | "
          "mean loss |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    ratio = f"{secs_c / secs_n:,.0f}×" if secs_n else "–"
    cpu_ratio = f"{cpu_c / cpu_n:,.0f}×" if cpu_n else "–"
    print(f"| chainrule Tensor (pure Python) | {secs_c:.2f} | {cpu_c:.2f} | {n / secs_c:,.0f} | "
          f"{ratio} | {cpu_ratio} | {loss_c:.4f} |")
    if secs_n:
        print(f"| NumPy (same network, same batches) | {secs_n:.3f} | {cpu_n:.3f} | "
              f"{n / secs_n:,.0f} | 1× | 1× | {loss_n:.4f} |")
    else:
        print("\n(NumPy not installed: no reference row)")
    print("\n| chainrule phase | seconds | share |")
    print("|---|---:|---:|")
    for name, s in phases.items():
        print(f"| {name} | {s:.2f} | {s / secs_c:.0%} |")
    if n < 60_000:
        print(f"\nprojected full 60k epoch: {secs_c * 60_000 / n:.0f} s wall, "
              f"{cpu_c * 60_000 / n:.0f} s CPU")
    print("\n(CPU s = this process's CPU time: the fairer figure when other jobs share the "
          "machine.)")


if __name__ == "__main__":
    main()

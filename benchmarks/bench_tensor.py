"""Tensor engine benchmark: a training epoch of 784-128-10 against a hand-tuned step and NumPy.

    python benchmarks/bench_tensor.py [--samples 6400] [--batch 64] [--hidden 128] [--repeat 3]
                                      [--dataset fashion|mnist] [--activation tanh] [--profile]

The network is Linear(784, 128) → tanh → Linear(128, 10), softmax cross-entropy, plain SGD
(lr 0.1), batch 64, on the first ``--samples`` Fashion-MNIST training images (read from Debian's
``/usr/share/datasets/fashion-mnist/*.gz`` through ``nn.data``; ``--synthetic DENSITY``, or a
dataset ``nn.data`` cannot load, with a message: random sparse digits).
The same network, same initial weights and same batches run through chainrule's Tensor
(pure Python, inputs as SparseRows built from the dataset's ``sparse_rows``, updated by
``nn.optim.SGD``, which leaves the first layer's rows of pixels absent from the batch alone)
and through
the hand-tuned pure-Python step of ``benchmarks/handtuned_mlp.py`` (tanh) and NumPy, each of
``--repeat`` rounds running every engine once in an order rotated every round (interleaved, so a
load that comes and goes hits all alike); the table gives the minimum and median seconds per
epoch, CPU time, samples/s, the ratios and the mean loss (the same for every engine, up to
rounding), then chainrule's per-phase breakdown. ``--profile`` adds a cProfile listing of one
chainrule epoch. NumPy appears only here, never in the library.
"""

import argparse
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

from autograd import Tensor  # noqa: E402
from autograd.sparse import SparseRows  # noqa: E402
from nn.optim import SGD  # noqa: E402

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
    opt = SGD(params, lr=lr)            # the library's optimizer, as fit() and the app use it
    # SGD computes the first layer's gradient as it applies it (autograd.sparse.RowGradTensor):
    # that product is timed in "update", not in "backward"
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
        opt.step()
        opt.zero_grad()
        t3 = clock()
        total += loss.item()
        phases["forward"] += t1 - t0
        phases["backward"] += t2 - t1
        phases["update"] += t3 - t2        # with the first layer's Xᵀ·G
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


def epoch_handtuned(rows, labels, weights, hidden, batch, lr, activation):
    """One epoch through ``handtuned_mlp.HandTuned`` (tanh only): (mean loss, wall s, CPU s)."""
    from handtuned_mlp import HandTuned

    net = HandTuned(weights, hidden)
    t0, c0 = time.perf_counter(), time.process_time()
    total = 0.0
    for lo in range(0, len(rows), batch):
        total += net.step(rows[lo:lo + batch], labels[lo:lo + batch], lr)
    return (total / -(-len(rows) // batch), time.perf_counter() - t0,
            time.process_time() - c0)


def _timed_chainrule(*run):
    t0, c0 = time.perf_counter(), time.process_time()
    loss, phases = epoch_chainrule(*run)
    return loss, time.perf_counter() - t0, time.process_time() - c0, phases


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=6_400)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--repeat", type=int, default=3, help="interleaved rounds")
    p.add_argument("--activation", default="tanh", choices=("tanh", "relu", "sigmoid"))
    p.add_argument("--dataset", choices=("fashion", "mnist"), default="fashion",
                   help="fashion: Debian's Fashion-MNIST; mnist: the bundled real digits")
    p.add_argument("--synthetic", type=float, metavar="DENSITY",
                   help="random sparse digits with this share of nonzero pixels (MNIST: 0.19)")
    p.add_argument("--profile", action="store_true", help="cProfile one chainrule epoch")
    args = p.parse_args(argv)
    from bench_scalar import interleaved, load_text

    rows, labels, source = load(args.samples, synthetic=args.synthetic, dataset=args.dataset)
    density = sum(len(i) for i, _ in rows) / (784 * len(rows))
    print(f"{platform.python_implementation()} {platform.python_version()} on "
          f"{platform.machine()}, {os.cpu_count()} CPUs, {load_text()}; "
          f"{len(rows):,} samples of {source}, {density:.0%} nonzero pixels; "
          f"784-{args.hidden}-10 {args.activation}, batch {args.batch}, SGD lr {args.lr}; "
          f"{args.repeat} interleaved rounds, rotated; command: python benchmarks/bench_tensor.py "
          + " ".join(argv if argv is not None else sys.argv[1:]) + "\n")
    weights = init_weights(args.hidden)
    run = (rows, labels, weights, args.hidden, args.batch, args.lr, args.activation)
    if args.profile:
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
        epoch_chainrule(*run)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)
    runners = {"chainrule Tensor (pure Python)": lambda: _timed_chainrule(*run)}
    if args.activation == "tanh":
        runners["hand-tuned math.dist step (benchmarks/handtuned_mlp.py)"] = (
            lambda: epoch_handtuned(*run))
    try:
        import numpy  # noqa: F401
    except ImportError:
        numpy = None
    else:
        runners["NumPy (same network, same batches)"] = lambda: epoch_numpy(*run)
    runs = interleaved(runners, args.repeat)
    n = len(rows)
    med = statistics.median
    ours = runs["chainrule Tensor (pure Python)"]
    o_min = min(r[1] for r in ours)
    o_cpu = min(r[2] for r in ours)
    print("| engine | s/epoch min (wall) | median | CPU s min | samples/s | "
          "chainrule ÷ this (wall) | (CPU) | mean loss |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, rs in runs.items():
        w, c = [r[1] for r in rs], [r[2] for r in rs]
        print(f"| {name} | {min(w):.3f} | {med(w):.3f} | {min(c):.3f} | {n / min(w):,.0f} | "
              f"{o_min / min(w):.2f} | {o_cpu / min(c):.2f} | {rs[0][0]:.6f} |")
    if numpy is None:
        print("| NumPy | not installed | | | | | | |")
    best = min(ours, key=lambda r: r[1])
    print("\n| chainrule phase (its fastest epoch; update includes the first layer's gradient) "
          "| seconds | share |")
    print("|---|---:|---:|")
    for name, s in best[3].items():
        print(f"| {name} | {s:.2f} | {s / best[1]:.0%} |")
    if n < 60_000:
        print(f"\nprojected full 60k epoch: {o_min * 60_000 / n:.0f} s wall, "
              f"{o_cpu * 60_000 / n:.0f} s CPU")
    print(f"\n({load_text()} at the end. CPU s = this process's CPU time: the fairer figure "
          "when other jobs share the machine.)")


if __name__ == "__main__":
    main()

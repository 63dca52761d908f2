"""One training step of MLP(2, [16, 16, 1]) on 100 two-moons points: chainrule vs micrograd.

    python benchmarks/bench_mlp.py [--repeat 7] [--points 100] [--steps 10]

A step is what micrograd's demo notebook does: forward all points, SVM hinge loss + 1e-4·L2,
zero the gradients, backward, SGD update. Both libraries start from the same weights and see
the same data; each is written the way its own API suggests (micrograd: its demo's loss code;
chainrule: ``nn.hinge``, ``nn.l2``, ``nn.SGD``). micrograd's MLP has ReLU hidden layers, so the
like-for-like row uses ``activation="relu"``; a tanh row is shown too.

Two figures per engine: the best of ``--repeat`` single steps (``gc.collect()`` before each),
and the mean over ``--steps`` consecutive steps (a real training loop, where micrograd's
cyclic graphs must also be collected). micrograd (PyPI, never a chainrule dependency) is
optional: ``pip install micrograd``.
"""

import argparse
import gc
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from nn import MLP, SGD, hinge, l2  # noqa: E402
from nn.data.moons import make_moons  # noqa: E402

ALPHA, LR = 1e-4, 0.05


def chainrule_step(model, opt, X, y):
    params = model.parameters()
    loss = hinge([model(x) for x in X], y) + ALPHA * l2(params)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.data


def micrograd_step(model, X, y):
    """micrograd's demo.ipynb loss and update, verbatim apart from names."""
    from micrograd.engine import Value as MV

    inputs = [list(map(MV, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum((p * p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    for p in model.parameters():
        p.data -= LR * p.grad
    return total_loss.data


def micrograd_copy(model):
    """A micrograd MLP with the same weights as a chainrule ReLU MLP (None if not installed)."""
    try:
        from micrograd.nn import MLP as MicroMLP
    except ImportError:
        return None
    config = model.config()
    micro = MicroMLP(config["nin"], config["sizes"])
    for p, q in zip(micro.parameters(), model.parameters(), strict=True):
        p.data = q.data
    return micro


def time_steps(step, repeat, steps):
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    mean = (time.perf_counter() - t0) / steps
    return best, mean


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=7, help="best of this many single steps")
    p.add_argument("--steps", type=int, default=10, help="consecutive steps for the mean")
    p.add_argument("--points", type=int, default=100, help="two-moons points per step")
    args = p.parse_args(argv)
    X, y = make_moons(args.points, noise=0.1, seed=0, labels="pm1")
    rows = []
    relu = MLP(2, [16, 16, 1], activation="relu", seed=0)
    micro = micrograd_copy(relu)
    if micro is not None:
        rows.append(("micrograd 0.1.0 (ReLU)", time_steps(lambda: micrograd_step(micro, X, y),
                                                          args.repeat, args.steps)))
    for act, model in (("ReLU", relu), ("tanh", MLP(2, [16, 16, 1], activation="tanh", seed=0))):
        opt = SGD(model.parameters(), lr=LR)
        rows.append((f"chainrule nn.MLP ({act})",
                     time_steps(lambda: chainrule_step(model, opt, X, y), args.repeat, args.steps)))
    base = rows[0][1] if micro is not None else None
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
          f"MLP(2, [16, 16, 1]), {args.points} points, hinge + L2, SGD\n")
    print(f"| engine | best of {args.repeat}, ms/step | mean of {args.steps} consecutive, ms/step "
          "| speed-up (best) | speed-up (mean) |")
    print("|---|---:|---:|---:|---:|")
    for name, (best, mean) in rows:
        up = (f"{base[0] / best:.1f}×", f"{base[1] / mean:.1f}×") if base else ("–", "–")
        print(f"| {name} | {best * 1e3:.1f} | {mean * 1e3:.1f} | {up[0]} | {up[1]} |")
    if micro is None:
        print("\n(micrograd not installed: pip install micrograd)")


if __name__ == "__main__":
    main()

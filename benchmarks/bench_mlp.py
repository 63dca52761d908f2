"""One training step of MLP(2, [16, 16, 1]) on 100 two-moons points: chainrule, a
microgpt-style Value and micrograd, interleaved.

    python benchmarks/bench_mlp.py [--repeat 5] [--points 100] [--steps 5]

A step is what micrograd's demo notebook does: forward all points, SVM hinge loss + 1e-4·L2,
zero the gradients, backward, SGD update. Every engine starts from the same weights and sees
the same data; each is written the way its own API suggests (micrograd: its demo's loss code;
the microgpt-style Value: microgpt's ``sum(w * x ...)`` neurons and the demo's loss; chainrule:
``nn.hinge``, ``nn.l2``, ``nn.SGD``, whose neurons are one ``dot`` node each). micrograd's MLP
has ReLU hidden layers, so the like-for-like rows use ReLU; a chainrule tanh row is shown too.

Each of ``--repeat`` rounds runs ``--steps`` consecutive steps of every engine (a real training
loop, where micrograd's cyclic graphs must also be collected), the engines in an order rotated
every round; the table gives the minimum and the median step, wall and CPU. micrograd (PyPI,
never a chainrule dependency) is optional: ``pip install micrograd``; skipped on PyPy.
"""

import argparse
import gc
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if __name__ == "__main__":       # run as a script: this checkout's chainrule; imported (ab.py,
    sys.path.insert(0, os.path.join(HERE, ".."))    # the tests): the importer's, left as is
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from nn import MLP, SGD, hinge, l2  # noqa: E402
from nn.data.moons import make_moons  # noqa: E402

ALPHA, LR = 1e-4, 0.05
PYPY = platform.python_implementation() == "PyPy"


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
    for p, q in zip(micro.parameters(), model.parameters()):
        p.data = q.data
    return micro


class MicrogptMLP:
    """MLP(2, [16, 16, 1]) on microgpt-style Values (``microgpt_value.py``), the way microgpt
    writes a layer: ``sum(w * x for w, x in zip(row, x)) + b`` per neuron, ReLU on the hidden
    layers, a linear output, the same weights as a chainrule ``MLP``."""

    def __init__(self, model):
        from microgpt_value import Value as GV

        params = iter([GV(p.data) for p in model.parameters()])
        config = model.config()
        self.layers, nin = [], config["nin"]
        for nout in config["sizes"]:
            rows = []
            for _ in range(nout):
                w = [next(params) for _ in range(nin)]
                rows.append((w, next(params)))
            self.layers.append(rows)
            nin = nout
        self.params = [p for layer in self.layers for w, b in layer for p in (*w, b)]

    def __call__(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            z = [sum(wi * xi for wi, xi in zip(w, x)) + b for w, b in layer]
            x = z if i == last else [v.relu() for v in z]
        return x[0]


def microgpt_step(model, X, y):
    """micrograd's demo loss on microgpt-style Values, then SGD."""
    from microgpt_value import Value as GV

    scores = [model([GV(v) for v in xrow]) for xrow in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    total_loss = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in model.params)
    for p in model.params:
        p.grad = 0
    total_loss.backward()
    for p in model.params:
        p.data -= LR * p.grad
    return total_loss.data


def time_steps(step, steps):
    """``steps`` consecutive steps after a collection: [(wall s, CPU s) of each step]."""
    gc.collect()
    wall, cpu = time.perf_counter, time.process_time
    out = []
    for _ in range(steps):
        t0, c0 = wall(), cpu()
        step()
        out.append((wall() - t0, cpu() - c0))
    return out


def main(argv=None):
    from bench_scalar import interleaved, load_text

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5, help="interleaved rounds")
    p.add_argument("--steps", type=int, default=5, help="consecutive steps per round")
    p.add_argument("--points", type=int, default=100, help="two-moons points per step")
    args = p.parse_args(argv)
    X, y = make_moons(args.points, noise=0.1, seed=0, labels="pm1")
    relu = MLP(2, [16, 16, 1], activation="relu", seed=0)
    runners = {}
    for act, model in (("ReLU", relu), ("tanh", MLP(2, [16, 16, 1], activation="tanh", seed=0))):
        opt = SGD(model.parameters(), lr=LR)
        runners[f"chainrule nn.MLP ({act})"] = (
            lambda model=model, opt=opt: time_steps(lambda: chainrule_step(model, opt, X, y),
                                                    args.steps))
    gpt = MicrogptMLP(relu)
    runners["microgpt-style Value (ReLU)"] = lambda: time_steps(lambda: microgpt_step(gpt, X, y),
                                                                args.steps)
    micro = None if PYPY else micrograd_copy(relu)
    if micro is not None:
        runners["micrograd 0.1.0 (ReLU)"] = lambda: time_steps(
            lambda: micrograd_step(micro, X, y), args.steps)
    runs = interleaved(runners, args.repeat)
    print(f"{platform.python_implementation()} {platform.python_version()} on "
          f"{platform.machine()}, {os.cpu_count()} CPUs, {load_text()}; MLP(2, [16, 16, 1]), "
          f"{args.points} points, hinge + L2, SGD; {args.repeat} interleaved rounds of "
          f"{args.steps} consecutive steps\n")
    print("| engine | ms/step min | ms/step median | CPU ms/step min / median | "
          "chainrule ReLU ÷ this: wall min, median | CPU min, median |")
    print("|---|---:|---:|---:|---:|---:|")
    med = statistics.median
    flat = {name: [s for r in rs for s in r] for name, rs in runs.items()}
    ours = flat["chainrule nn.MLP (ReLU)"]
    o_min, o_med = min(w for w, _ in ours), med(w for w, _ in ours)
    oc_min, oc_med = min(c for _, c in ours), med(c for _, c in ours)
    for name, steps in flat.items():
        w = [s[0] for s in steps]
        c = [s[1] for s in steps]
        print(f"| {name} | {min(w) * 1e3:.1f} | {med(w) * 1e3:.1f} | "
              f"{min(c) * 1e3:.1f} / {med(c) * 1e3:.1f} | "
              f"{o_min / min(w):.2f}, {o_med / med(w):.2f} | "
              f"{oc_min / min(c):.2f}, {oc_med / med(c):.2f} |")
    if micro is None:
        why = ("skipped on PyPy (its recursive sort)" if PYPY else
               "not installed: pip install micrograd")
        print(f"| micrograd 0.1.0 (ReLU) | {why} | | | | |")


if __name__ == "__main__":
    main()

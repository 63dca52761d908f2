"""Separate two moons with a small MLP on scalar Values (as in micrograd's demo).

    python examples/moons.py [--steps 100] [--seed 0] [--lr 0.5] [--momentum 0.9]
                             [--alpha 1e-4] [--quiet]

MLP(2, [16, 16, 1]) with tanh hidden layers, SVM hinge loss + alpha·L2, full-batch SGD with
momentum. Prints loss and accuracy per step, stops at 100% training accuracy (about 30 steps
with the defaults), and draws the decision boundary in ASCII.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autograd import no_grad  # noqa: E402
from nn import MLP, SGD, hinge, l2, sign_accuracy  # noqa: E402
from nn.data.moons import make_moons  # noqa: E402


def train(steps=100, seed=0, lr=0.5, momentum=0.9, alpha=1e-4, n=100, log=print):
    """Train on ``make_moons(n, noise=0.1, seed=seed)``; returns ``(model, X, y, history)``,
    ``history`` a list of ``(step, loss, accuracy)``. Stops early at 100% accuracy."""
    X, y = make_moons(n, noise=0.1, seed=seed, labels="pm1")
    model = MLP(2, [16, 16, 1], activation="tanh", seed=seed)
    opt = SGD(model.parameters(), lr=lr, momentum=momentum)
    history = []
    for step in range(1, steps + 1):
        scores = [model(x) for x in X]
        loss = hinge(scores, y) + alpha * l2(model.parameters())
        acc = sign_accuracy(scores, y)
        history.append((step, loss.data, acc))
        log(f"step {step:3d}  loss {loss.data:.4f}  accuracy {acc:6.1%}")
        if acc == 1.0:
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, X, y, history


def ascii_boundary(model, X, y, width=64, height=24):
    """The plane coloured by the model's sign ('·' for -1, ' ' for +1), points as 'o' (-1)
    and 'x' (+1)."""
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    x0, x1 = min(xs) - 0.25, max(xs) + 0.25
    y0, y1 = min(ys) - 0.25, max(ys) + 0.25
    grid = []
    with no_grad():
        for r in range(height):
            yy = y1 - (y1 - y0) * r / (height - 1)
            grid.append(["·" if model([x0 + (x1 - x0) * c / (width - 1), yy]).data <= 0 else " "
                         for c in range(width)])
    for (px, py), label in zip(X, y):
        c = round((px - x0) / (x1 - x0) * (width - 1))
        r = round((y1 - py) / (y1 - y0) * (height - 1))
        grid[r][c] = "x" if label > 0 else "o"
    border = "+" + "-" * width + "+"
    return "\n".join([border] + ["|" + "".join(row) + "|" for row in grid] + [border])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=100, help="at most this many SGD steps")
    p.add_argument("--seed", type=int, default=0, help="seed of the data and the weights")
    p.add_argument("--lr", type=float, default=0.5, help="learning rate")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    p.add_argument("--alpha", type=float, default=1e-4, help="L2 penalty weight")
    p.add_argument("--quiet", action="store_true", help="only the summary and the plot")
    args = p.parse_args(argv)
    model, X, y, history = train(args.steps, args.seed, args.lr, args.momentum, args.alpha,
                                 log=(lambda s: None) if args.quiet else print)
    step, loss, acc = history[-1]
    print(f"\n{model}\nfinal: step {step}, loss {loss:.4f}, training accuracy {acc:.1%}\n")
    print(ascii_boundary(model, X, y))
    return 0 if acc == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())

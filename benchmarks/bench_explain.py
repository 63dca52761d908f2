"""How big explain() and the explorer page get: text size, peak memory, time (issue 17 item 4).

    python benchmarks/bench_explain.py [--sizes 1000,4000,20000]

Each n-ary node used to repeat its whole expanded sum in every one of its terms, and the text
table padded every row to that sum, so the output grew with the square of a node's input
count (a 784-input neuron: 64.5 MB of text; add_n of 4,000 inputs: a 3.2 GB peak). Now both
are linear: this prints, per size, the characters of to_text/to_markdown/to_latex and the
peak memory (tracemalloc, which also slows the run down), then the seconds without tracing.
"""

import argparse
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograd import Value, add_n, dot  # noqa: E402
from autograd.explain import explain  # noqa: E402


def add_n_graph(n):
    return add_n([Value(float(i)) for i in range(n)])


def neuron_graph(n):
    ws = [Value(0.001 * i, label=f"w{i}") for i in range(n)]
    return dot(ws, [Value(1.0) for _ in range(n)], Value(0.0, label="b")).tanh()


def measure(make, n):
    root = make(n)
    tracemalloc.start()
    e = explain(root)
    sizes = [len(e.to_text()), len(e.to_markdown()), len(e.to_latex())]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    start = time.perf_counter()
    e = explain(root)
    e.to_text()
    seconds = time.perf_counter() - start
    return sizes, peak, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000,20000")
    args = parser.parse_args(argv)
    rows = [("neuron", neuron_graph, 784)]
    rows += [("add_n", add_n_graph, int(n)) for n in args.sizes.split(",")]
    print(f"{'graph':8} {'inputs':>7} {'text MB':>8} {'md MB':>7} {'latex MB':>8} "
          f"{'peak MB':>8} {'seconds':>8}")
    for name, make, n in rows:
        (text, md, tex), peak, seconds = measure(make, n)
        print(f"{name:8} {n:7,} {text / 1e6:8.2f} {md / 1e6:7.2f} {tex / 1e6:8.2f} "
              f"{peak / 1e6:8.1f} {seconds:8.2f}")


if __name__ == "__main__":
    main()

"""``chainrule mnist --workers N``: whole runs with 1 and with N processes, interleaved.

    python benchmarks/bench_workers.py [--case digits|fashion|both] [--rounds 2] [--workers 2]
                                       [-- extra chainrule mnist flags]

Each round runs ``chainrule mnist`` (this checkout's, as a subprocess, ``--quiet``, into a
temporary runs folder) once with ``--workers 1`` and once with ``--workers N``, the order
alternating every round (1, N, N, 1, ...), so a load that comes and goes hits both alike. Per
run: wall seconds (the whole command: start-up, data, training, evaluation, files), CPU seconds
of the command and its worker processes together, the final test accuracy (from the run's
``history.json``) and the load average before and after. Then, per case, the ratio of the
fastest N-worker run to the fastest 1-worker run and the accuracy difference.

Cases: ``digits``, the default run (784-128-10 tanh, SGD 0.2 + momentum 0.9, batch 256,
10 epochs of the 8,000 bundled digits, tested on 2,000); ``fashion``, one Fashion-MNIST epoch at
batch 256 (60,000 / 10,000, from ``/usr/share/datasets/fashion-mnist``).
The machine should be quiet: the figures are only as good as the load column says.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = {"digits": [], "fashion": ["--dataset", "fashion", "--epochs", "1", "--batch-size", "256"]}


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(case_args, workers, extra):
    """One ``chainrule mnist`` run: (wall s, CPU s, final test accuracy, load before, after)."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "nn.apps", "mnist", *case_args, *extra,
               "--workers", str(workers), "--quiet", "--out", out]
        before = load()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
        with open(os.path.join(out, "1", "history.json")) as f:
            acc = json.load(f)["history"][-1]["test_acc"]
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, acc, before, load()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", choices=(*CASES, "both"), default="both")
    p.add_argument("--rounds", type=int, default=2, help="runs per worker count")
    p.add_argument("--workers", type=int, default=2, help="N, compared with 1")
    p.add_argument("extra", nargs="*", help="more chainrule mnist flags (after --)")
    args = p.parse_args(argv)
    cases = list(CASES) if args.case == "both" else [args.case]
    print(f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load average {load()}; command: python "
          "benchmarks/bench_workers.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    print("\n| case | workers | wall s | CPU s (all processes) | test accuracy | load before | "
          "load after |")
    print("|---|---:|---:|---:|---:|---|---|")
    results = {}
    for case in cases:
        for r in range(args.rounds):
            order = (1, args.workers) if r % 2 == 0 else (args.workers, 1)
            for n in order:
                wall, cpu, acc, before, after = run(CASES[case], n, args.extra)
                results.setdefault((case, n), []).append((wall, cpu, acc))
                print(f"| {case} | {n} | {wall:.1f} | {cpu:.1f} | {100 * acc:.2f}% | {before} | "
                      f"{after} |", flush=True)
    print("\n| case | N-worker wall ÷ 1-worker wall (fastest runs) | CPU ratio | "
          "accuracy difference (points) |")
    print("|---|---:|---:|---:|")
    for case in cases:
        one, many = results[(case, 1)], results[(case, args.workers)]
        w1, wn = min(w for w, _, _ in one), min(w for w, _, _ in many)
        c1, cn = min(c for _, c, _ in one), min(c for _, c, _ in many)
        diff = max(abs(a - b) for _, _, a in one for _, _, b in many)
        print(f"| {case} | {wn / w1:.2f} | {cn / c1:.2f} | {100 * diff:.2f} |")
    print(f"\n(load average {load()} at the end; {args.workers} workers on "
          f"{os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()

"""The ``chainrule`` command.

Subcommands live in their own modules, each with a ``register(subparsers)`` function that adds
its parser and sets ``func`` (called with the parsed arguments; its return value is the exit
code). This file only assembles them, so adding a command never touches the others.

Exit codes: 0 success, 1 a failure while running, 2 bad input (usage, a malformed expression).
"""

import argparse
import importlib
import sys

# Command modules, in the order their commands appear in --help.
COMMAND_MODULES = (
    "autograd.cli_teach",      # explain, graph
    "autograd.cli_playground", # playground (the browser page: build, serve)
    "nn.cli_mnist",            # mnist, predict
)


def build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="Reverse-mode automatic differentiation you can read: explain the chain "
                    "rule step by step, draw computation graphs, train MNIST in pure Python.")
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:       # a real missing dependency inside the module: report it
                raise
            continue
        module.register(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

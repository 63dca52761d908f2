"""The core's commands, assembled: ``python -m autograd`` (explain, graph).

The ``chainrule`` command itself is assembled by :mod:`nn.apps.cli`: these commands plus the
application's (``playground``, ``mnist``, ``predict``), since the core never imports ``nn``.

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
    "autograd.cli_teach",       # explain, graph
)

DESCRIPTION = ("Reverse-mode automatic differentiation you can read: explain the chain rule step "
               "by step, draw computation graphs, train MNIST in pure Python.")


def build_parser(modules=COMMAND_MODULES, prog="chainrule"):
    """The argument parser with the commands of ``modules`` (module names, in --help order)."""
    from . import __version__

    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def run(parser, argv=None):
    """Parse ``argv`` and run the chosen command; its exit code."""
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def main(argv=None):
    """``python -m autograd``: the core's commands only (``chainrule`` adds mnist and predict)."""
    return run(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())

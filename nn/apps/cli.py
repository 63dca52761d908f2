"""The ``chainrule`` command: the core's commands (explain, graph) and the application's
(playground, mnist, predict), assembled here because the core never imports ``nn``."""

import sys

from autograd.cli import COMMAND_MODULES, build_parser, run

APP_MODULES = (
    "nn.apps.playground_cli",   # playground (the browser page: build, serve)
    "nn.apps.mnist",            # mnist, predict
)


def main(argv=None):
    """``chainrule ...``: run one command; returns its exit code."""
    return run(build_parser(COMMAND_MODULES + APP_MODULES), argv)


if __name__ == "__main__":
    sys.exit(main())

"""``python -m autograd`` runs the core's commands (explain, graph)."""

import sys

from .cli import main

sys.exit(main())

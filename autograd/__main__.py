"""``python -m autograd`` runs the core's commands (explain, graph, playground)."""

import sys

from .cli import main

sys.exit(main())

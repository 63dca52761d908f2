"""Clear the outputs of Jupyter notebooks, so git holds only their source.

    python scripts/clear_notebooks.py                 # every notebooks/*.ipynb
    python scripts/clear_notebooks.py a.ipynb b.ipynb # just these
    python scripts/clear_notebooks.py --check         # exit 1 if any has outputs (CI, hooks)

For each code cell: ``outputs = []`` and ``execution_count = None``; the per-cell
``execution`` timing metadata Jupyter records is dropped too. The JSON layout matches
Jupyter's own (indent 1, keys sorted, trailing newline), so a cleared notebook diffs cleanly.
Standard library plus autograd.fileio.atomic_write: each file is written atomically (a temporary
file in the same folder, then ``os.replace``).
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from autograd.fileio import atomic_write  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"


def dirty_cells(nb):
    """Indexes of code cells that carry outputs, an execution count or execution metadata."""
    return [i for i, cell in enumerate(nb.get("cells", []))
            if cell.get("cell_type") == "code"
            and (cell.get("outputs") or cell.get("execution_count") is not None
                 or "execution" in cell.get("metadata", {}))]


def clear(nb):
    """``nb`` (a notebook as parsed JSON) with every code cell's outputs removed, in place."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
    return nb


def dumps(nb):
    """The notebook as Jupyter writes it: indent 1, sorted keys, non-ASCII kept, final newline."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Clear Jupyter notebook outputs.")
    parser.add_argument("paths", nargs="*", type=Path,
                        help="notebooks (default: every notebooks/*.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if any notebook has outputs")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOKS.glob("*.ipynb"))
    dirty = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        cells = dirty_cells(nb)
        if args.check:
            if cells:
                dirty += 1
                print(f"{path}: outputs in code cells {cells}; "
                      f"run python scripts/clear_notebooks.py {path}")
            continue
        new = dumps(clear(nb))
        if new != text:
            atomic_write(path, new)
            print(f"cleared {path}")
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())

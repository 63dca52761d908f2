"""The README as a package index shows it: no broken pictures or links.

README.md links files of the project by relative paths (``docs/graph.svg``,
``notebooks/01_….ipynb``): right on a git host and in a checkout, broken on a package index
page, which has no files beside it (and strips ``data:`` pictures, so an image cannot travel
inside the text either). Built into the package metadata through this hatchling hook
(``[tool.hatch.metadata.hooks.custom]`` in pyproject.toml), every relative link becomes:

- with ``readme-base-url`` (links) and ``readme-raw-url`` (pictures) set in that table, an
  absolute URL: ``base + path`` (set them once the project has a public home);
- without them, as now, the words of the link and its path in the source distribution, which
  ships every file the README names (``*(picture: … — docs/graph.svg in the source
  distribution)*``), under one sentence that says so.

``python scripts/pypi_readme.py`` prints the result for README.md.
"""

import os
import re
import sys

LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
ABSOLUTE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|#|/)")
NOTE = ("*On this page the pictures and the project's files are named by their paths: the "
        "source distribution (the .tar.gz) has them all.*\n\n")


def relative_targets(text):
    """The relative paths that ``text``'s Markdown links and pictures point to, in order."""
    return [m.group(3) for m in LINK.finditer(text) if not ABSOLUTE.match(m.group(3))]


def pypi_readme(text, base_url=None, raw_url=None):
    """``text`` with every relative link made absolute (``base_url``/``raw_url``) or, without
    them, replaced by its words and the path it names."""

    def replace(m):
        picture, words, target = m.groups()
        if ABSOLUTE.match(target):
            return m.group(0)
        base = raw_url if picture else base_url
        if base:
            return f"{picture}[{words}]({base.rstrip('/')}/{target})"
        if picture:                      # the words in italics: escape their own * and _
            words = re.sub(r"([*_])", r"\\\1", words)
            return f"*(picture: {words} — `{target}` in the source distribution)*"
        words = re.sub(r"^(\d+)\.", r"\1\\.", words)    # "1. Title" would start a list
        return f"{words} (`{target}` in the source distribution)"

    out = LINK.sub(replace, text)
    if not (base_url and raw_url) and relative_targets(text):
        title, newline, rest = out.partition("\n")
        out = f"{title}\n\n{NOTE}{rest.lstrip(chr(10))}" if title.startswith("# ") else NOTE + out
    return out


try:
    from hatchling.metadata.plugin.interface import MetadataHookInterface
except ImportError:              # imported by the tests or run as a script, not by a build
    MetadataHookInterface = None

if MetadataHookInterface is not None:
    class PypiReadme(MetadataHookInterface):
        """Sets the ``readme`` metadata (declared ``dynamic``) from README.md."""

        def update(self, metadata):
            with open(os.path.join(self.root, "README.md"), encoding="utf-8") as f:
                text = f.read()
            metadata["readme"] = {
                "content-type": "text/markdown",
                "text": pypi_readme(text, self.config.get("readme-base-url"),
                                    self.config.get("readme-raw-url")),
            }


if __name__ == "__main__":
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        sys.stdout.write(pypi_readme(f.read()))

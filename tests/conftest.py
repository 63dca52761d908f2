"""Shared test configuration: hypothesis profiles, and tests that need Graphviz's ``dot``.

``ci`` (selected when the CI environment variable is set): derandomized (a fixed seed), no
deadline, so CI is reproducible and never flaky on a slow machine. ``dev``: the default,
random, no deadline either (timing belongs in benchmarks/, not tests).

``@pytest.mark.needs_dot``: the test runs Graphviz's ``dot`` program (images, not DOT text).
Without ``dot`` on PATH such a test is skipped with a reason naming ``dot``, except under CI
(``CI`` set), where it runs: ``.ci/run`` installs Graphviz, so a missing ``dot`` there is a
failure, not a skip.
"""

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

NO_DOT = ("needs Graphviz's dot program, which is not on PATH (apt-get install graphviz / "
          "brew install graphviz); CI installs it and runs this test")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CI") or shutil.which("dot"):
        return
    skip = pytest.mark.skip(reason=NO_DOT)
    for item in items:
        if "needs_dot" in item.keywords:
            item.add_marker(skip)

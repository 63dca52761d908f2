"""Shared test configuration: hypothesis profiles.

``ci`` (selected when the CI environment variable is set): derandomized (a fixed seed), no
deadline, so CI is reproducible and never flaky on a slow machine. ``dev``: the default,
random, no deadline either (timing belongs in benchmarks/, not tests).
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

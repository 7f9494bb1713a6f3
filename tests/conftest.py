"""Shared test setup.

- The real control plane fixtures (`cluster`, `namespace`) come from `devcluster.testing`.
- Hypothesis runs without its per-example deadline and too-slow health check: the suite shares two cores with
  a whole control plane, so wall-clock time per example says nothing about the code under test. The
  properties themselves (and their example counts) are unchanged.
"""

from hypothesis import HealthCheck, settings

pytest_plugins = ["devcluster.testing"]

settings.register_profile("shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("shared-machine")

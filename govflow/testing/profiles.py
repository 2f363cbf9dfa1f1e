"""Hypothesis profiles (测试强度): how hard generated tests try, chosen by an environment variable.

``ci`` is bounded to fit a CI run; ``dev`` (the default) is the everyday budget; ``thorough``
is for a long run before a release. Set ``GOVFLOW_HYPOTHESIS_PROFILE``. Every profile prints
the failing example's steps and a ``@reproduce_failure`` blob, so a failure can be replayed.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

ENV = "GOVFLOW_HYPOTHESIS_PROFILE"
PROFILES = {
    "ci": {"max_examples": 100, "stateful_step_count": 40},
    "dev": {"max_examples": 150, "stateful_step_count": 50},
    "thorough": {"max_examples": 1000, "stateful_step_count": 100},
}


def register_profiles() -> None:
    """Register ``ci``, ``dev`` and ``thorough`` with hypothesis (idempotent)."""
    for name, options in PROFILES.items():
        settings.register_profile(
            name,
            deadline=None,
            print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            **options,  # type: ignore[arg-type]
        )


def load_profile(default: str = "dev") -> str:
    """Register the profiles and load the one named by ``GOVFLOW_HYPOTHESIS_PROFILE``."""
    register_profiles()
    name = os.environ.get(ENV, default)
    if name not in PROFILES:
        raise ValueError(f"{ENV}={name!r}: choose one of {', '.join(PROFILES)}")
    settings.load_profile(name)
    return name

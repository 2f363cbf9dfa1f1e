"""The testing toolkit (测试工具): a strong test for any workflow in about ten lines.

* `stateful_test` — a generated hypothesis state machine that drives a workflow with legal and
  illegal moves, time and restarts, checking the invariants every workflow must keep;
* `strategies` — actors and schema data for hypothesis;
* `coverage` — which (state, event) pairs a test run exercised, and which it missed;
* `profiles` — hypothesis profiles ``ci``, ``dev`` and ``thorough``, chosen with
  ``GOVFLOW_HYPOTHESIS_PROFILE``.

Static checks are `govflow.check` (and ``govflow check``).
"""

try:  # the extra's packages, checked first so a missing one is named in one line
    import hypothesis  # noqa: F401
    import pytest  # noqa: F401
except ModuleNotFoundError as exc:  # pragma: no cover - exercised in a venv without the extra
    raise ModuleNotFoundError(
        f"govflow.testing needs the [testing] extra (missing: {exc.name}): pip install 'govflow[testing]'",
        name=exc.name,
    ) from None

from govflow.testing import strategies
from govflow.testing.coverage import CoverageReport, transition_coverage
from govflow.testing.profiles import load_profile, register_profiles
from govflow.testing.stateful import WorkflowMachine, stateful_test

__all__ = [
    "CoverageReport",
    "WorkflowMachine",
    "load_profile",
    "register_profiles",
    "stateful_test",
    "strategies",
    "transition_coverage",
]

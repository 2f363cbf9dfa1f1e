"""The testing toolkit (测试工具): a strong test for any workflow in about ten lines.

* `stateful_test` — a generated hypothesis state machine that drives a workflow with legal and
  illegal moves, time and restarts, checking the invariants every workflow must keep;
* `strategies` — actors and schema data for hypothesis;
* `coverage` — which (state, event) pairs a test run exercised, and which it missed;
* `profiles` — hypothesis profiles ``ci``, ``dev`` and ``thorough``, chosen with
  ``GOVFLOW_HYPOTHESIS_PROFILE``.

Static checks are `govflow.check` (and ``govflow check``).
"""

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

"""govflow's benchmark suite: ``python -m tests.benchmarks [--quick] [NAME ...]`` from the repo root.

Not pytest tests (no module is named ``test_*``; ``tests/conftest.py`` ignores this package).
Each benchmark times a baseline and govflow alternately in one process and judges the median of
the per-pair ratios, because the machine it runs on is shared and noisy.
"""

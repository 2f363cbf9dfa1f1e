"""Reference workflows drawn from the source documents, one module each.

Each module exposes `WORKFLOWS` (a list of `govflow.Workflow`); `govflow check` and the CLI
load every module of this package.
"""

"""Finding workflows (加载流程定义): which modules the CLI imports, and what they expose.

A workflow module exposes ``WORKFLOWS`` (a list of `Workflow`) and/or ``WORKFLOW`` (one).
Modules are named by dotted name (``flows.grid_case``) or by file path (``flows/grid_case.py``).
The defaults are the modules named in ``GOVFLOW_WORKFLOWS`` (comma-separated) — or, through the
CLI, in the project's configuration (`govflow.config`). The reference set — the demo
(`govflow.demo`) and every public module of `govflow_workflows` — is loaded only when asked for
(``reference=True``, ``govflow --reference``, ``reference = true`` in the configuration);
modules whose name starts with ``_`` are helpers and are skipped.

Why definitions are checked on import: `Workflow` validates itself when built, so a broken
definition raises `DefinitionError` while its module is imported. `check_modules` turns those
errors (and import failures) into one finding per problem instead of stopping at the first.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import attrs

from govflow.checks import check
from govflow.definition import Workflow
from govflow.directory import Directory
from govflow.engine import Engine
from govflow.errors import DefinitionError, GovflowError

ENV_VAR = "GOVFLOW_WORKFLOWS"
"""Environment variable naming extra workflow modules, comma-separated."""

DEMO_MODULE = "govflow.demo"
REFERENCE_PACKAGE = "govflow_workflows"
"""The reference workflows' installed name (the repository folder ``workflows/``): a name no
user project's own ``workflows`` package can hide or be hidden by."""


def reference_modules() -> list[str]:
    """The demo and every public module of the reference package (`REFERENCE_PACKAGE`)."""
    names = [DEMO_MODULE]
    try:
        package = importlib.import_module(REFERENCE_PACKAGE)
    except ImportError:
        return names
    # Sub-packages (``schemes``: the reference assessment schemes) are not workflow modules.
    found = sorted(
        info.name for info in pkgutil.iter_modules(package.__path__) if not info.name.startswith("_") and not info.ispkg
    )
    names.extend(f"{REFERENCE_PACKAGE}.{name}" for name in found)
    return names


def default_modules(*, reference: bool = False) -> list[str]:
    """The modules loaded when none are named: those in ``$GOVFLOW_WORKFLOWS``, and with
    `reference` the demo and the reference workflows (`reference_modules`).

    The reference set is never loaded implicitly, so a project's own workflow called
    ``rectification`` neither shadows nor is shadowed by the reference one.
    """
    names = [name.strip() for name in os.environ.get(ENV_VAR, "").split(",") if name.strip()]
    if reference:
        names.extend(reference_modules())
    return list(dict.fromkeys(names))


def _is_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or os.sep in spec


def _import_file(spec: str) -> ModuleType:
    path = Path(spec)
    if not path.is_file():
        raise GovflowError(f"cannot load workflow module {spec!r}: no such file")
    resolved = path.resolve()
    name = resolved.stem
    existing = sys.modules.get(name)
    if existing is not None:
        if getattr(existing, "__file__", None) and Path(str(existing.__file__)).resolve() == resolved:
            return existing
        raise GovflowError(
            f"cannot load workflow file {spec!r}: a different module named {name!r} is already imported; "
            "rename the file or pass its dotted module name"
        )
    module_spec = importlib.util.spec_from_file_location(name, resolved)
    if module_spec is None or module_spec.loader is None:
        raise GovflowError(f"cannot load workflow module {spec!r}: not a Python file")
    module = importlib.util.module_from_spec(module_spec)
    # Registered under its name first, so schemas referenced as "module:Class" resolve later.
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def import_workflow_module(spec: str) -> ModuleType:
    """Import one module by dotted name or file path.

    A `DefinitionError` raised while the module builds its workflows propagates unchanged;
    any other failure becomes a `GovflowError` naming the module and the cause.
    """
    try:
        return _import_file(spec) if _is_path(spec) else importlib.import_module(spec)
    except GovflowError:
        raise
    except ModuleNotFoundError as exc:
        raise GovflowError(f"cannot import workflow module {spec!r}: {exc}") from None
    except Exception as exc:  # a user module may fail in any way: say which and why
        raise GovflowError(f"cannot import workflow module {spec!r}: {type(exc).__name__}: {exc}") from None


def module_workflows(module: ModuleType, spec: str | None = None) -> list[Workflow]:
    """The workflows a module exposes as ``WORKFLOWS`` and/or ``WORKFLOW`` (in that order)."""
    label = spec or module.__name__
    found: list[Workflow] = []
    many = getattr(module, "WORKFLOWS", None)
    if many is not None:
        if not isinstance(many, list | tuple):
            raise DefinitionError(label, [f"WORKFLOWS must be a list of Workflow, got {type(many).__name__}"])
        found.extend(many)
    one = getattr(module, "WORKFLOW", None)
    if one is not None:
        found.append(one)
    wrong = [type(item).__name__ for item in found if not isinstance(item, Workflow)]
    if wrong:
        raise DefinitionError(label, [f"WORKFLOWS/WORKFLOW hold non-Workflow objects: {', '.join(wrong)}"])
    if not found:
        raise DefinitionError(label, [f"module {label!r} exposes no workflows (define WORKFLOWS = [...] or WORKFLOW)"])
    return list(dict.fromkeys(found))


def load_modules(names: Iterable[str] | None = None) -> list[Workflow]:
    """Import `names` (None: `default_modules()`) and return their workflows, without repeats.

    Raises `DefinitionError` for an invalid definition, a module without workflows, or two
    different definitions under one (name, version); `GovflowError` when a module fails to import.
    """
    specs = default_modules() if names is None else list(dict.fromkeys(names))
    workflows: dict[tuple[str, int], Workflow] = {}
    origin: dict[tuple[str, int], str] = {}
    for spec in specs:
        for workflow in module_workflows(import_workflow_module(spec), spec):
            known = workflows.get(workflow.key)
            if known is not None and known != workflow:
                raise DefinitionError(
                    workflow.name,
                    [f"version {workflow.version} is defined differently in {origin[workflow.key]} and {spec}"],
                )
            workflows.setdefault(workflow.key, workflow)
            origin.setdefault(workflow.key, spec)
    return list(workflows.values())


@attrs.frozen
class Finding:
    """One problem `check_modules` found: in which module, which workflow, and what."""

    module: str
    workflow: str
    problem: str

    def __str__(self) -> str:
        return f"{self.module}: {self.workflow}: {self.problem}"


@attrs.frozen
class CheckReport:
    """What `check_modules` looked at and found."""

    modules: tuple[str, ...]
    workflows: tuple[Workflow, ...]
    findings: tuple[Finding, ...]


def check_modules(names: Iterable[str] | None = None, directory: Directory | None = None) -> CheckReport:
    """Load each module and report every problem instead of stopping at the first.

    Beyond what a `Workflow` checks when built, `govflow.check` runs on each definition (with
    `directory`, also "roles nobody holds"), each definition must round-trip through JSON
    (its guards, effects and schemas registered by name), and no (name, version) may be
    defined twice with different content.
    """
    specs = default_modules() if names is None else list(dict.fromkeys(names))
    findings: list[Finding] = []
    loaded: list[tuple[str, Workflow]] = []
    for spec in specs:
        try:
            found = module_workflows(import_workflow_module(spec), spec)
        except DefinitionError as exc:
            where = "-" if exc.workflow == spec else exc.workflow
            findings.extend(Finding(spec, where, problem) for problem in exc.problems)
            continue
        except GovflowError as exc:
            findings.append(Finding(spec, "-", " ".join(str(exc).split())))
            continue
        for workflow in found:
            findings.extend(_json_findings(spec, workflow))
            loaded.append((spec, workflow))
    everything = [workflow for _, workflow in loaded]
    for spec, workflow in loaded:
        label = f"{workflow.name} v{workflow.version}"
        findings.extend(Finding(spec, label, problem) for problem in check(workflow, directory, everything))
    engine = Engine()
    for spec, workflow in loaded:
        try:
            engine.register(workflow)
        except DefinitionError as exc:
            findings.extend(Finding(spec, exc.workflow, problem) for problem in exc.problems)
    workflows = tuple(dict.fromkeys(workflow for _, workflow in loaded))
    return CheckReport(modules=tuple(specs), workflows=workflows, findings=tuple(findings))


def _json_findings(spec: str, workflow: Workflow) -> list[Finding]:
    label = f"{workflow.name} v{workflow.version}"
    try:
        again = Workflow.from_json(workflow.to_json())
    except DefinitionError as exc:
        return [Finding(spec, label, f"does not round-trip through JSON: {problem}") for problem in exc.problems]
    if again != workflow:
        return [Finding(spec, label, "does not round-trip through JSON: the rebuilt definition differs")]
    return []

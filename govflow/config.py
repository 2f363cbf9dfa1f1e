"""Project configuration (项目配置): one place that says where a project's workflows and database are.

Why it exists: a command line needs to know which workflow modules to import, which database
to open, which organisation directory and calendar mode to use, and whether the reference
workflows are loaded. Spread over flags, environment variables and ``PYTHONPATH`` that was easy
to get wrong, so every `govflow` command reads one table — ``[tool.govflow]`` in the project's
``pyproject.toml``, or a ``govflow.toml`` — found by walking up from the working directory, like
ruff and pytest find theirs.

Precedence, highest first: a command-line flag, an environment variable, the file, the default.
`resolve` records where each value came from, so ``govflow config`` can say it. Relative paths in
the file are read relative to the file's folder, and that folder is put on ``sys.path`` so a
dotted module name (``myproject.flows``) imports without setting ``PYTHONPATH``.

Example ``pyproject.toml``::

    [tool.govflow]
    workflows = ["flows.grid_case", "flows/leave.py"]
    schemes = ["assessments.county_2016"]
    database = "sqlite:///var/gov.db"
    directory = "org/directory.json"
    calendar = "provisional"
    reference = false
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from govflow.errors import GovflowError

CONFIG_FILE = "govflow.toml"
"""A file of its own, read whole (its keys at the top level or under ``[tool.govflow]``)."""
PYPROJECT = "pyproject.toml"
"""Read only when it has a ``[tool.govflow]`` table."""

ENV = {
    "database": "GOVFLOW_DATABASE_URL",
    "workflows": "GOVFLOW_WORKFLOWS",
    "schemes": "GOVFLOW_SCHEMES",
    "directory": "GOVFLOW_DIRECTORY",
    "calendar": "GOVFLOW_CALENDAR",
    "reference": "GOVFLOW_REFERENCE",
}
"""The environment variable behind each key."""

CALENDAR_MODES = ("provisional", "strict")
"""How the PRC calendar treats a year without official 调休 data: ``provisional`` counts it from
the weekend and statutory-holiday rules (and marks such deadlines provisional); ``strict`` refuses
to compute a deadline in it."""

DEFAULTS: dict[str, Any] = {
    "database": "govflow.db",
    "workflows": (),
    "schemes": (),
    "directory": None,
    "calendar": "provisional",
    "reference": False,
}
"""What applies when nothing is said. The reference workflows are off by default, so a project's
own ``rectification`` is never shadowed by, nor shadows, the reference one."""

LISTS = ("workflows", "schemes")
"""Keys holding module lists: the file, the environment and the flags add up."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(GovflowError):
    """The configuration file or an environment variable holds something govflow cannot use."""


@attrs.frozen
class Config:
    """The settings in effect, each with where it came from (``source``)."""

    database: str
    workflows: tuple[str, ...]
    schemes: tuple[str, ...]
    """Assessment scheme modules (`govflow.scoring.loading`), for ``govflow scheme`` and ``score``."""
    directory: str | None
    calendar: str
    reference: bool
    file: Path | None = None
    """The configuration file read, if any."""
    sources: Mapping[str, str] = attrs.field(factory=dict)
    """Key → ``--flag``, the environment variable, the file's name, or ``default``."""

    @property
    def root(self) -> Path | None:
        """The folder of the configuration file (relative paths and dotted modules start there)."""
        return self.file.parent if self.file is not None else None

    def rows(self) -> list[tuple[str, str, str]]:
        """(key, value, source) for each key, for ``govflow config``."""
        out = []
        for key in DEFAULTS:
            value = getattr(self, key)
            text = ", ".join(value) if isinstance(value, tuple) else ("-" if value is None else str(value))
            if isinstance(value, bool):
                text = "true" if value else "false"
            out.append((key, text or "-", self.sources.get(key, "default")))
        return out


def find_config_file(start: Path) -> Path | None:
    """The nearest ``govflow.toml``, or ``pyproject.toml`` with a ``[tool.govflow]`` table, at
    `start` or above it."""
    for folder in (start, *start.parents):
        own = folder / CONFIG_FILE
        if own.is_file():
            return own
        project = folder / PYPROJECT
        if project.is_file() and "govflow" in _read_toml(project).get("tool", {}):
            return project
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{str(path)!r} is not valid TOML: {exc}") from None


def read_config_file(path: Path) -> dict[str, Any]:
    """The govflow table of `path`, checked: unknown keys and wrong types are `ConfigError`."""
    doc = _read_toml(path)
    table = doc.get("tool", {}).get("govflow")
    if table is None:
        table = doc if path.name == CONFIG_FILE else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.govflow] must be a table")
    unknown = sorted(set(table) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)} (known: {', '.join(DEFAULTS)})")
    values: dict[str, Any] = {}
    for key, value in table.items():
        values[key] = _check(key, value, str(path))
    return values


def _check(key: str, value: Any, where: str) -> Any:
    if key in LISTS:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{where}: {key} must be a list of module names or .py paths")
        return tuple(v.strip() for v in value)
    if key == "reference":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: reference must be true or false, not {value!r}")
        return value
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} must be a non-empty string")
    if key == "calendar" and value not in CALENDAR_MODES:
        raise ConfigError(f"{where}: calendar must be one of {', '.join(CALENDAR_MODES)}, not {value!r}")
    return value.strip()


def _from_env(key: str, text: str, var: str) -> Any:
    if key in LISTS:
        return tuple(name.strip() for name in text.split(",") if name.strip())
    if key == "reference":
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"{var}={text!r}: say 1/true/yes or 0/false/no")
    return _check(key, text, var)


def _relative(value: str, root: Path) -> str:
    """A path in the file, read relative to the file's folder (URLs other than sqlite untouched)."""
    if value.startswith("sqlite:///"):
        inner = value[len("sqlite:///") :]
        return value if Path(inner).is_absolute() or inner == ":memory:" else f"sqlite:///{root / inner}"
    if "://" in value or value == ":memory:" or Path(value).is_absolute():
        return value
    return str(root / value)


def _module_relative(spec: str, root: Path) -> str:
    return _relative(spec, root) if spec.endswith(".py") or "/" in spec else spec


def resolve(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """The settings in effect: `flags` (key → value, None when not given) over `env` over the
    nearest configuration file from `cwd` over `DEFAULTS`.

    The ``workflows`` (and the ``schemes``) of the file, the environment and the flags add up
    (the file names the project's modules, the others add more); the other keys are replaced
    by the higher source.
    """
    import os

    flags = flags or {}
    env = os.environ if env is None else env
    file = find_config_file((cwd or Path.cwd()).resolve())
    values: dict[str, Any] = dict(DEFAULTS)
    sources: dict[str, str] = {}
    if file is not None:
        label = file.name if file.name == CONFIG_FILE else f"{file.name} [tool.govflow]"
        for key, value in read_config_file(file).items():
            if key in ("database", "directory"):
                value = _relative(value, file.parent)
            elif key in LISTS:
                value = tuple(_module_relative(spec, file.parent) for spec in value)
            values[key] = value
            sources[key] = label
    for key, var in ENV.items():
        text = env.get(var)
        if text is None or (not text.strip() and key != "reference"):
            continue
        value = _from_env(key, text, var)
        if key in LISTS:
            value = tuple(dict.fromkeys((*values[key], *value)))
            sources[key] = f"{sources[key]} + {var}" if key in sources else var
        else:
            sources[key] = var
        values[key] = value
    for key, value in flags.items():
        if value is None or value == ():
            continue
        if key in LISTS:
            value = tuple(dict.fromkeys((*values[key], *value)))
            sources[key] = f"{sources[key]} + --{key}" if key in sources else f"--{key}"
        else:
            sources[key] = f"--{key.replace('_', '-')}"
        values[key] = value
    return Config(file=file, sources=sources, **values)

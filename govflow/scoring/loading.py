"""Finding schemes (加载考核方案): which modules define them, and a registry by name and version.

A scheme module exposes ``SCHEMES`` (a list of `Scheme`) and/or ``SCHEME`` (one), like a
workflow module exposes ``WORKFLOWS``. The reference schemes drawn from the source documents
are the public modules of `REFERENCE_PACKAGE` (the repository folder ``workflows/schemes/``),
loaded only when asked for (``reference=True``, ``govflow --reference``), so a project's own
scheme of the same name is never shadowed. This module imports nothing of the engine.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

from govflow.errors import DefinitionError, GovflowError, UnknownScheme
from govflow.scoring.scheme import Scheme

REFERENCE_PACKAGE = "govflow_workflows.schemes"
"""Where the reference schemes live (installed name of ``workflows/schemes/``)."""


def reference_scheme_modules() -> list[str]:
    """Every public module of the reference scheme package."""
    try:
        package = importlib.import_module(REFERENCE_PACKAGE)
    except ImportError:
        return []
    found = sorted(i.name for i in pkgutil.iter_modules(package.__path__) if not i.name.startswith("_"))
    return [f"{REFERENCE_PACKAGE}.{name}" for name in found]


def import_scheme_module(spec: str) -> ModuleType:
    """Import a module by dotted name or by file path; failures become one `GovflowError`."""
    try:
        if spec.endswith(".py") or "/" in spec:
            path = Path(spec).resolve()
            if not path.is_file():
                raise GovflowError(f"cannot load scheme module {spec!r}: no such file")
            name = f"_govflow_scheme_{path.stem}"
            if name in sys.modules:
                return sys.modules[name]
            module_spec = importlib.util.spec_from_file_location(name, path)
            if module_spec is None or module_spec.loader is None:
                raise GovflowError(f"cannot load scheme module {spec!r}: not a Python file")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            try:
                module_spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
            return module
        return importlib.import_module(spec)
    except GovflowError:
        raise
    except Exception as exc:  # a user module may fail in any way: say which and why
        raise GovflowError(f"cannot import scheme module {spec!r}: {type(exc).__name__}: {exc}") from None


def module_schemes(module: ModuleType) -> list[Scheme]:
    """The schemes a module exposes as ``SCHEMES`` and/or ``SCHEME``."""
    found: list[object] = list(getattr(module, "SCHEMES", ()) or ())
    one = getattr(module, "SCHEME", None)
    if one is not None:
        found.append(one)
    wrong = [type(s).__name__ for s in found if not isinstance(s, Scheme)]
    if wrong:
        raise DefinitionError(module.__name__, [f"SCHEMES/SCHEME hold non-Scheme objects: {', '.join(wrong)}"])
    unique: list[Scheme] = []
    for item in found:
        if isinstance(item, Scheme) and item not in unique:
            unique.append(item)
    return unique


class SchemeRegistry:
    """Schemes by (name, version); `get` without a version gives the latest."""

    def __init__(self, schemes: Iterable[Scheme] = ()) -> None:
        self._by_key: dict[tuple[str, int], Scheme] = {}
        self.failures: dict[str, GovflowError] = {}
        """Modules that failed to load (module → error): reported when a name is not found, so
        one broken module does not stop scoring with the others."""
        for scheme in schemes:
            self.add(scheme)

    def add(self, scheme: Scheme) -> None:
        """Register `scheme`; a different scheme under the same (name, version) is refused."""
        known = self._by_key.get(scheme.key)
        if known is not None and known != scheme:
            raise DefinitionError(
                scheme.name, [f"version {scheme.version} is defined twice, differently"], kind="scheme"
            )
        self._by_key[scheme.key] = scheme

    def get(self, name: str, version: int | None = None) -> Scheme:
        """The scheme `name` (latest version unless `version`), or `UnknownScheme`."""
        if version is not None:
            found = self._by_key.get((name, version))
        else:
            versions = [s for (n, _), s in self._by_key.items() if n == name]
            found = max(versions, key=lambda s: s.version) if versions else None
        if found is None:
            if self.failures:
                broken = "; ".join(f"{spec}: {exc}" for spec, exc in sorted(self.failures.items()))
                raise UnknownScheme(name, version, [*{n for n, _ in self._by_key}, f"(not loaded: {broken})"])
            raise UnknownScheme(name, version, {n for n, _ in self._by_key})
        return found

    def __iter__(self) -> Iterator[Scheme]:
        """The schemes, by name and version."""
        return iter(sorted(self._by_key.values(), key=lambda s: s.key))

    def all(self) -> list[Scheme]:
        """Every scheme, by name and version."""
        return sorted(self._by_key.values(), key=lambda s: s.key)


def load_schemes(modules: Iterable[str] = (), *, reference: bool = False) -> SchemeRegistry:
    """Import `modules` (and with `reference` the reference schemes) into a registry; a module
    that fails is recorded in ``registry.failures`` (``govflow scheme check`` reports it)."""
    specs = list(dict.fromkeys([*modules, *(reference_scheme_modules() if reference else [])]))
    registry = SchemeRegistry()
    for spec in specs:
        try:
            loaded = module_schemes(import_scheme_module(spec))
        except GovflowError as exc:  # DefinitionError included: the scheme check names it
            registry.failures[spec] = exc
            continue
        for scheme in loaded:
            registry.add(scheme)
    return registry

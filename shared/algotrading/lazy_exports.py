"""Package `__init__`s that name their public API without importing it (PEP 562).

`from algotrading.execution import evaluate` keeps working, but importing one light submodule
(`algotrading.execution.order_ids`) no longer drags in every sibling the package re-exports, and
with them numpy, TA-Lib or pybit. A Lambda handler then loads only what its job uses: its cold
start pays for its own imports, not its package's. Each `__init__` keeps the real imports under
`TYPE_CHECKING`, so type checkers and the import contracts still see them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from types import ModuleType


def lazy_exports(
    package: str, exports: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`, exporting each module's names on first use.

    A loaded name is stored in the package's namespace, so later lookups are plain attributes.
    A name that is also a submodule's (`risk.validate`) cannot be lazy: importing the submodule
    binds the module under that name first. Such a package keeps its eager imports.
    """
    where = {name: module for module, names in exports.items() for name in names}
    shadowed = sorted(name for name in where if f"{package}.{name}" in exports)
    if shadowed:
        raise ValueError(f"{package}: {shadowed} would be hidden by the submodules of that name")

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__


class _LazyModule:
    """A stand-in for a module that imports it on the first attribute read."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> object:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        value = getattr(self._module, attr)
        setattr(self, attr, value)  # later reads are plain attributes
        return value


def lazy_module(name: str) -> object:
    """Module `name`, imported when first used (bind it under `if not TYPE_CHECKING`)."""
    return _LazyModule(name)

"""PEP 562 lazy package attributes, shared by `kubecore` and `kstatus`: a package's public names
load their module on first use, so importing the package (and a command's `-h`) stays cheap."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_getattr(package: str, exports: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """The module `__getattr__` of `package`: `exports` maps a name to the module defining it; a
    loaded name is stored in `namespace` (the package's globals) so it is looked up only once."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__

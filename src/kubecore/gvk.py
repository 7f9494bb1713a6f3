"""API group/version strings, read the way Kubernetes reads them (``schema.ParseGroupVersion``).

One reading for every caller, so ``a/b/c`` cannot mean one group here and another there:

* ``""`` and ``"/"`` are the empty group/version, ``"v1"`` is version ``v1`` of the core group ``""``;
* exactly one ``/`` splits group and version (``"apps/v1"``, also ``"apps/"``);
* more than one ``/`` is an error (:class:`GroupVersionError`).

Callers decide what the error means for them: :func:`group_of` follows ``FromAPIVersionAndKind``
(an unparsable apiVersion has the core group, as Go's ``GroupVersionKind()`` gives it), the REST mapper
reports the kind as not served, kstatus's rule lookup matches no rule, and a rules file is refused.
"""

from __future__ import annotations


class GroupVersionError(ValueError):
    """An apiVersion with more than one ``/`` (a plain ValueError: this module must stay importable
    without the HTTP client, kstatus's offline rules use it)."""

    def __init__(self, api_version: str) -> None:
        self.api_version = api_version
        super().__init__(f"unexpected GroupVersion string: {api_version}")


def split_api_version(api_version: str) -> tuple[str, str]:
    """ "apps/v1" → ("apps", "v1"); "v1" → ("", "v1"); "" → ("", ""); "a/b/c" → GroupVersionError."""
    if api_version in ("", "/"):
        return "", ""
    group, slash, version = api_version.partition("/")
    if not slash:
        return "", api_version
    if "/" in version:
        raise GroupVersionError(api_version)
    return group, version


def group_of(api_version: str) -> str:
    """The API group of an apiVersion; the core group ``""`` for ``v1`` and for an unparsable one."""
    try:
        return split_api_version(api_version)[0]
    except GroupVersionError:
        return ""


def join_api_version(group: str, version: str) -> str:
    """The apiVersion of a group and version: ``"apps/v1"``, ``"v1"`` for the core group."""
    return f"{group}/{version}" if group else version

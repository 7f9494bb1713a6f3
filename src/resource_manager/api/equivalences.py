"""GroupKind equivalences (spec §3.9): which kinds in different API groups are "the same object".

Why: moving a manifest from ``extensions`` to ``apps`` (or to any group listed in
``spec.equivalences``) must neither delete nor re-create the object, and an HPA targeting the old
group still counts. GRM merges the lists into shared sets: a new list joins the set of its *first*
GroupKind already known, which is reproduced here, including that quirk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

GroupKind = tuple[str, str]
Equivalences = Mapping[GroupKind, frozenset[GroupKind]]

DEFAULT_EQUIVALENCES: tuple[tuple[GroupKind, ...], ...] = tuple(
    tuple((group, kind) for group in groups)
    for kind, groups in (
        ("Deployment", ("extensions", "apps")),
        ("DaemonSet", ("extensions", "apps")),
        ("ReplicaSet", ("extensions", "apps")),
        ("StatefulSet", ("extensions", "apps")),
        ("Ingress", ("extensions", "networking.k8s.io")),
        ("NetworkPolicy", ("extensions", "networking.k8s.io")),
    )
)


def build_equivalences(spec_equivalences: Iterable[Iterable[Mapping[str, Any]]] | None = None) -> Equivalences:
    """Defaults plus ``spec.equivalences`` (lists of ``{group, kind}``), merged as GRM merges them."""
    sets: dict[GroupKind, set[GroupKind]] = {}
    extra = [tuple((gk.get("group", ""), gk.get("kind", "")) for gk in lst) for lst in spec_equivalences or ()]
    for group_kinds in (*DEFAULT_EQUIVALENCES, *extra):
        target = next((sets[gk] for gk in group_kinds if gk in sets), set())
        for gk in group_kinds:
            target.add(gk)
            sets[gk] = target
    return {gk: frozenset(members) for gk, members in sets.items()}


def equivalents(equivalences: Equivalences, group_kind: GroupKind) -> list[GroupKind]:
    """GroupKinds equivalent to ``group_kind`` (itself included when it has a set), in a stable order."""
    return sorted(equivalences.get(group_kind, ()))

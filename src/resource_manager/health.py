"""``ResourcesHealthy`` / ``ResourcesProgressing`` from kstatus over an MR's live objects (pure).

Why kstatus (spec §10.8): one status model for every kind (the extended rule set covers Services,
Ingresses, HPAs, APIServices, PVs, Namespaces …), the same answers ``kstatus wait`` gives, and the
generated objects count: a Deployment whose Pods crash-loop is unhealthy although its own status only
says "not available yet". GRM's reasons and messages stay (``<Kind>Missing``, ``<Kind>Unhealthy``,
``HealthCheckError``, ``<Kind>Progressing``, ``ResourcesHealthy``, ``ResourcesRolledOut``), but every
offender is listed (up to a limit, with a count), not only the first.

Per ``status.resources`` entry:

* no live object → unhealthy ``<Kind>Missing`` (it is not progressing: GRM's progressing check skips it);
* ``skip-health-check: "true"`` on the live object → healthy and never progressing;
* the object, or anything it generated (Deployment → ReplicaSets → Pods, StatefulSet → Pods), is
  ``Failed`` → unhealthy ``<Kind>Unhealthy``, naming the generated object that failed;
* kstatus cannot compute a status (``Unknown``) → unhealthy ``HealthCheckError``;
* ``InProgress`` or ``Terminating`` → progressing ``<Kind>Progressing`` with kstatus' message.

A crash-looping Deployment is therefore both unhealthy (its Pods failed) and progressing (it is not
available), as with GRM until the progress deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from kstatus import Options, Status
from kstatus.live.events import ResourceStatus
from kstatus.live.resolve import Lookup, resolve
from resource_manager import conditions as cond
from resource_manager.annotations import skip_health_check

Obj = dict[str, Any]
Reference = Mapping[str, Any]
LiveOf = Callable[[Reference], "Obj | None"]
"""``live_of(reference)``: the live object of a ``status.resources`` entry (from the watch cache)."""

OPTIONS = Options(extended=True)
_PROGRESSING = frozenset({Status.IN_PROGRESS, Status.TERMINATING})
Problem = tuple[str, str]
"""``(reason, message)`` as :func:`conditions.health_conditions` takes them."""


class Assessment(NamedTuple):
    unhealthy: list[Problem]
    progressing: list[Problem]


def _typed(live: Obj, reference: Reference) -> Obj:
    """A metadata-only object (``PartialObjectMetadata``) read as the kind it is."""
    if live.get("kind") == reference.get("kind"):
        return live
    return {**live, "apiVersion": reference.get("apiVersion"), "kind": reference.get("kind")}


def _failure_detail(status: ResourceStatus, failed: ResourceStatus) -> str:
    """kstatus' message, or the deepest failed generated object's (the crash-looping Pod, not the
    ReplicaSet that only counts failed Pods)."""
    while (deeper := next((f for g in failed.generated if (f := g.first_failed()) is not None), None)) is not None:
        failed = deeper
    if failed is status:
        return failed.text
    return f'{failed.id.kind} "{failed.id.name}": {failed.text}'


def object_problems(
    reference: Reference, live: Obj | None, children: Lookup, *, now: datetime | None = None
) -> tuple[Problem | None, Problem | None]:
    """``(unhealthy, progressing)`` problems of one entry; ``None`` where it is fine."""
    kind, namespace, name = reference.get("kind", ""), reference.get("namespace", ""), reference.get("name", "")
    if live is None:
        return (cond.missing_reason(kind), cond.missing_message(kind, namespace, name)), None
    if skip_health_check(live):
        return None, None
    status = resolve(_typed(live, reference), children, options=OPTIONS, now=now)
    unhealthy: Problem | None = None
    failed = status.first_failed()
    if failed is not None:
        detail = _failure_detail(status, failed)
        unhealthy = (cond.unhealthy_reason(kind), cond.unhealthy_message(kind, namespace, name, detail))
    elif status.status == Status.UNKNOWN:
        unhealthy = (cond.HEALTH_CHECK_ERROR, cond.health_check_error_message(kind, namespace, name, status.text))
    progressing: Problem | None = None
    if status.status in _PROGRESSING:
        progressing = (cond.progressing_reason(kind), cond.progressing_message(kind, namespace, name, status.text))
    return unhealthy, progressing


def assess(
    references: Iterable[Reference], live_of: LiveOf, children: Lookup, *, now: datetime | None = None
) -> Assessment:
    """Problems of every entry, in ``status.resources`` order."""
    result = Assessment([], [])
    for reference in references:
        unhealthy, progressing = object_problems(reference, live_of(reference), children, now=now)
        if unhealthy is not None:
            result.unhealthy.append(unhealthy)
        if progressing is not None:
            result.progressing.append(progressing)
    return result


def health_conditions(
    conditions: Iterable[Mapping[str, Any]] | None,
    references: Iterable[Reference],
    live_of: LiveOf,
    children: Lookup,
    now: datetime,
    limit: int = 10,
) -> list[cond.Condition]:
    """The MR's conditions with Healthy and Progressing recomputed from the live objects."""
    found = assess(references, live_of, children, now=now)
    return cond.health_conditions(conditions, found.unhealthy, found.progressing, now, limit)

"""``ResourcesHealthy`` from GRM's per-kind checks, ``ResourcesProgressing`` from kstatus (pure).

Why two sources (spec §4, §10.13): ``ResourcesHealthy`` is read by gardenlet, dashboards and operators
with GRM's meaning — a Deployment is unhealthy while it is not ``Available`` — so it follows GRM's
rules (:mod:`checks`) exactly. kstatus, with its extended rule set, decides
``ResourcesProgressing`` (one status model for every kind, the same answers ``kstatus wait`` gives) and
adds what GRM cannot see: for an unhealthy workload, the generated object that failed (the
crash-looping Pod behind an unavailable Deployment). GRM's reasons and messages stay
(``<Kind>Missing``, ``<Kind>Unhealthy``, ``HealthCheckError``, ``<Kind>Progressing``,
``ResourcesHealthy``, ``ResourcesRolledOut``), but every offender is listed (up to a limit, with a
count), not only the first.

Per ``status.resources`` entry:

* no live object → unhealthy ``<Kind>Missing`` (it is not progressing: GRM's progressing check skips it);
* ``skip-health-check: "true"`` on the live object → healthy and never progressing;
* GRM's check of its kind fails → unhealthy ``<Kind>Unhealthy`` with GRM's text, plus kstatus' word on
  the failed generated object if there is one; a status field of the wrong type → ``HealthCheckError``;
* kstatus says ``InProgress`` or ``Terminating`` → progressing ``<Kind>Progressing`` with its message.

A Deployment rolling out for the first time is therefore unhealthy (not yet available) and
progressing, as with GRM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from kstatus import ComputeError, Options, Status, compute
from kstatus.live.events import ResourceStatus
from kstatus.live.resolve import Lookup, resolve
from kubecore.gvk import group_of
from resource_manager.api import conditions as cond
from resource_manager.api import messages as msg
from resource_manager.api.annotations import skip_health_check
from resource_manager.health.checks import MalformedStatus, check_health

Obj = dict[str, Any]
Reference = Mapping[str, Any]
LiveOf = Callable[[Reference], "Obj | None"]
"""``live_of(reference)``: the live object of a ``status.resources`` entry (from the watch cache)."""

OPTIONS = Options(extended=True)
_PROGRESSING = frozenset({Status.IN_PROGRESS, Status.TERMINATING})
Problem = tuple[str, str]
"""``(reason, message)``: one line of the Healthy or Progressing message, e.g. :func:`messages.missing_message`."""


class Assessment(NamedTuple):
    unhealthy: list[Problem]
    progressing: list[Problem]


def _typed(live: Obj, reference: Reference) -> Obj:
    """A metadata-only object (``PartialObjectMetadata``) read as the kind it is."""
    if live.get("kind") == reference.get("kind"):
        return live
    return {**live, "apiVersion": reference.get("apiVersion"), "kind": reference.get("kind")}


def _generated_failure(status: ResourceStatus) -> str | None:
    """The deepest failed object a workload generated, as ``<Kind> "<name>": <message>`` (the
    crash-looping Pod, not the ReplicaSet that only counts failed Pods); ``None`` if none failed."""
    failed, current = None, status
    while (deeper := next((f for g in current.generated if (f := g.first_failed()) is not None), None)) is not None:
        failed = current = deeper
    return None if failed is None else f'{failed.id.kind} "{failed.id.name}": {failed.text}'


def _unhealthy(reference: Reference, obj: Obj, status: ResourceStatus) -> Problem | None:
    kind, namespace, name = reference.get("kind", ""), reference.get("namespace", ""), reference.get("name", "")
    try:
        error = check_health(group_of(reference.get("apiVersion") or ""), kind, obj)
    except MalformedStatus as exc:
        return msg.HEALTH_CHECK_ERROR, msg.health_check_error_message(kind, namespace, name, str(exc))
    if error is None:
        return None
    detail = _generated_failure(status)
    message = error if detail is None else f"{error} ({detail})"
    return msg.unhealthy_reason(kind), msg.unhealthy_message(kind, namespace, name, message)


def object_problems(
    reference: Reference, live: Obj | None, children: Lookup, *, now: datetime | None = None
) -> tuple[Problem | None, Problem | None]:
    """``(unhealthy, progressing)`` problems of one entry; ``None`` where it is fine."""
    kind, namespace, name = reference.get("kind", ""), reference.get("namespace", ""), reference.get("name", "")
    if live is None:
        return (msg.missing_reason(kind), msg.missing_message(kind, namespace, name)), None
    if skip_health_check(live):
        return None, None
    obj = _typed(live, reference)
    status = resolve(obj, children, options=OPTIONS, now=now)
    progressing: Problem | None = None
    if status.status in _PROGRESSING:
        progressing = (msg.progressing_reason(kind), msg.progressing_message(kind, namespace, name, status.text))
    return _unhealthy(reference, obj, status), progressing


def health_signature(obj: Mapping[str, Any], metadata_only: bool) -> tuple[str | None, str, str]:
    """What a health recomputation depends on: GRM's verdict, kstatus' status and message (presence
    only for metadata-only watches; skip-health-check objects never trigger one, as in GRM). The target
    watches compare it between an object's old and new version."""
    if metadata_only or skip_health_check(obj):
        return None, "", ""
    try:
        verdict = check_health(group_of(obj.get("apiVersion") or ""), obj.get("kind") or "", obj)
    except MalformedStatus as exc:
        verdict = str(exc)
    try:
        result = compute(obj, options=OPTIONS)
    except ComputeError as exc:
        return verdict, Status.UNKNOWN, str(exc)
    return verdict, result.status, result.message


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


def _listed(problems: Sequence[Problem], limit: int) -> tuple[str, str]:
    """Reason of the first problem; all messages (GRM reports only the first object, §10.8)."""
    messages = [message for _, message in problems[:limit]]
    if len(problems) > limit:
        messages.append(f"... and {len(problems) - limit} more")
    return problems[0][0], "\n".join(messages)


def health_conditions(
    conditions: Iterable[Mapping[str, Any]] | None,
    references: Iterable[Reference],
    live_of: LiveOf,
    children: Lookup,
    now: datetime,
    limit: int = 10,
) -> list[cond.Condition]:
    """The MR's conditions with Healthy and Progressing recomputed from the live objects.

    No problems → ``ResourcesHealthy`` / ``ResourcesRolledOut``. With problems the first one's reason is
    the condition reason (GRM's scheme) and every problem's message is listed, one per line.
    """
    found = assess(references, live_of, children, now=now)
    if found.unhealthy:
        reason, message = _listed(found.unhealthy, limit)
        conditions = cond.set_condition(conditions, cond.HEALTHY, cond.FALSE, reason, message, now)
    else:
        conditions = cond.set_condition(
            conditions, cond.HEALTHY, cond.TRUE, msg.RESOURCES_HEALTHY, msg.MSG_HEALTHY, now
        )
    if found.progressing:
        reason, message = _listed(found.progressing, limit)
        return cond.set_condition(conditions, cond.PROGRESSING, cond.TRUE, reason, message, now)
    return cond.set_condition(
        conditions, cond.PROGRESSING, cond.FALSE, msg.RESOURCES_ROLLED_OUT, msg.MSG_ROLLED_OUT, now
    )

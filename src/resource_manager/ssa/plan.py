"""GRM's update merge (spec §3.7) expressed as a server-side-apply plan (our decision, spec §10.1).

GRM GETs the live object, merges the desired manifest into it (``merger.go``) and PUTs the result. We
server-side apply the *desired* object with our own field manager instead, which already gives most of
GRM's semantics for free: fields others own (finalizers, labels, annotations, ownerReferences they
added, server-allocated values) stay untouched. Two things SSA cannot express are handled here:

1. **Values GRM keeps from the live object** even though the manifest says otherwise or says nothing.
   Omitting such a field is not enough (SSA deletes a field we owned before and stop sending), so the
   live value is copied into the body and we co-own it with the same value:

   * ``spec.replicas`` of Deployments/StatefulSets (``apps``/``extensions``) when the manifest has none,
     when ``preserve-replicas: "true"`` or when an HPA targets the object (``mergeDeployment``,
     ``mergeStatefulSet``, ``isScaled``);
   * cpu/memory requests and limits of same-named containers with ``preserve-resources: "true"``
     (``mergePodTemplate``/``mergeContainer``; initContainers and other resources are not preserved);
   * the ``kubectl.kubernetes.io/restartedAt`` pod-template annotation (``kubectl rollout restart``);
   * StatefulSet ``volumeClaimTemplates`` once it exists (immutable);
   * Job ``spec.selector`` and the server-added pod-template labels (``mergeJob``);
   * Service ``clusterIP`` (unless headless or coming from ExternalName), node ports of ports matched by
     port number or name, ``loadBalancerIP``, and ``healthCheckNodePort`` for Local LB→LB
     (``mergeService``);
   * ServiceAccount ``secrets`` and ``imagePullSecrets`` (``mergeServiceAccount``);
   * finalizers: the manifest's finalizers only on create, afterwards only those still present.

2. **Keys GRM removes although another manager owns them**: labels/annotations are merged three-way
   against the ``status.resources`` memory of the last apply (``mergeMapsBasedOnOldMap``) or replaced
   wholesale with ``forceOverwriteLabels/Annotations``; live ``reference.resources.gardener.cloud/*``
   annotations are always dropped and ``loadbalancer.openstack.org*`` ones always kept on Services.
   SSA only removes keys we own, so the plan lists the keys to delete with a JSON merge patch.

Deliberate deviations (documented for users): ownerReferences others added are kept (GRM drops them);
unknown fields of the special kinds are not pruned (GRM converts through Go types); desired ``status``
is never sent (GRM never sends it either, it re-sends the live status).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from kstatus.selectors import labels_of
from kubecore.gvk import group_of
from resource_manager.api import annotations as ann
from resource_manager.api.equivalences import Equivalences, equivalents
from resource_manager.api.identity import key_of, object_key

_SERVER_METADATA = (
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "managedFields",
    "generation",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)
_SCALABLE = {
    ("apps", "Deployment"),
    ("extensions", "Deployment"),
    ("apps", "StatefulSet"),
    ("extensions", "StatefulSet"),
}
_POD_TEMPLATE_OWNERS = _SCALABLE | {("apps", "DaemonSet"), ("batch", "Job"), ("batch", "CronJob")}
_CRONJOB_VERSIONS = ("batch/v1", "batch/v1beta1")
_PRESERVED_RESOURCES = ("cpu", "memory")


class MergeError(ValueError):
    """The desired object cannot be merged (GRM fails the apply with the same text)."""


class ApplyPlan(NamedTuple):
    body: dict[str, Any] | None
    """Object to server-side apply; ``None`` when nothing is to be applied (``ignore`` objects)."""
    remove_labels: tuple[str, ...]
    """Live label keys to delete with a JSON merge patch (see module docstring, point 2)."""
    remove_annotations: tuple[str, ...]
    """Live annotation keys to delete with a JSON merge patch."""

    def removal_patch(self, applied: Mapping[str, Any]) -> dict[str, Any] | None:
        """The JSON merge patch deleting the listed keys that are still on ``applied`` (the object after
        the apply), or ``None`` when there is nothing left to remove (then no request is needed)."""
        metadata: dict[str, Any] = {}
        labels = [key for key in self.remove_labels if key in labels_of(applied)]
        annotations = [key for key in self.remove_annotations if key in ann.annotations_of(applied)]
        if labels:
            metadata["labels"] = dict.fromkeys(labels)
        if annotations:
            metadata["annotations"] = dict.fromkeys(annotations)
        return {"metadata": metadata} if metadata else None


class MergeOptions(NamedTuple):
    """Per-MR and per-object inputs of the merge."""

    old_labels: Mapping[str, str] = {}
    """Labels of this object's ``status.resources`` entry from the last successful apply."""
    old_annotations: Mapping[str, str] = {}
    """Annotations of that entry."""
    force_overwrite_labels: bool = False
    force_overwrite_annotations: bool = False
    horizontally_scaled: bool = False
    """An HPA targets the object (see :func:`is_horizontally_scaled`)."""


def merge_maps_based_on_old(
    desired: Mapping[str, str], current: Mapping[str, str], old: Mapping[str, str]
) -> dict[str, str]:
    """GRM's three-way merge: live overlaid with desired, minus keys we set before that are unchanged
    live and no longer desired (a key a user changed since is kept)."""
    result = {**current, **desired}
    for key, value in old.items():
        if key not in desired and current.get(key) == value and key in current:
            result.pop(key, None)
    return result


def hpa_target_keys(hpas: Iterable[Mapping[str, Any]]) -> set[str]:
    """Identity keys of all HPA scale targets (group from ``scaleTargetRef.apiVersion``, HPA namespace).

    Deviation: an HPA with an unparsable apiVersion is skipped (GRM fails the whole apply round).
    """
    keys = set()
    for hpa in hpas:
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        api_version = ref.get("apiVersion") or ""
        if api_version.count("/") > 1:
            continue
        namespace = (hpa.get("metadata") or {}).get("namespace") or ""
        keys.add(object_key(group_of(api_version), ref.get("kind") or "", namespace, ref.get("name") or ""))
    return keys


def is_horizontally_scaled(obj: Mapping[str, Any], target_keys: set[str], equivalences: Equivalences) -> bool:
    """Whether an HPA targets ``obj`` directly or through an equivalent GroupKind (GRM's ``isScaled``)."""
    if key_of(obj) in target_keys:
        return True
    metadata = obj.get("metadata") or {}
    group_kind = (group_of(obj.get("apiVersion") or ""), obj.get("kind") or "")
    namespace, name = metadata.get("namespace") or "", metadata.get("name") or ""
    return any(object_key(g, k, namespace, name) in target_keys for g, k in equivalents(equivalences, group_kind))


def _labels(obj: Mapping[str, Any] | None) -> Mapping[str, str]:
    return labels_of(obj) if obj is not None else {}


def _base_body(desired: Mapping[str, Any], live: Mapping[str, Any] | None) -> dict[str, Any]:
    """Desired object without status and server-owned metadata; finalizers only while still live."""
    body = {k: v for k, v in desired.items() if k != "status"}
    metadata = {k: v for k, v in ann.mapping(desired.get("metadata")).items() if k not in _SERVER_METADATA}
    if live is not None and "finalizers" in metadata:
        still_live = set((live.get("metadata") or {}).get("finalizers") or ())
        kept = [f for f in metadata.pop("finalizers") or () if f in still_live]
        if kept:
            metadata["finalizers"] = kept
    body["metadata"] = metadata
    return body


def _label_removals(desired: Mapping[str, Any], live: Mapping[str, Any], options: MergeOptions) -> tuple[str, ...]:
    desired_labels, live_labels = _labels(desired), _labels(live)
    if options.force_overwrite_labels:
        result: Mapping[str, str] = desired_labels
    else:
        result = merge_maps_based_on_old(desired_labels, live_labels, options.old_labels)
    return tuple(sorted(set(live_labels) - set(result)))


def _annotation_removals(desired: Mapping[str, Any], live: Mapping[str, Any], options: MergeOptions) -> tuple[str, ...]:
    desired_annotations, live_annotations = ann.annotations_of(desired), ann.annotations_of(live)
    if options.force_overwrite_annotations:
        kept: set[str] = set(desired_annotations)
    else:
        current = {k: v for k, v in live_annotations.items() if not k.startswith(ann.REFERENCE_PREFIX)}
        kept = set(merge_maps_based_on_old(desired_annotations, current, options.old_annotations))
    if (live.get("apiVersion"), live.get("kind")) == ("v1", "Service"):
        kept |= {k for k in live_annotations if k.startswith(ann.OPENSTACK_LOADBALANCER_PREFIX)}
    return tuple(sorted(set(live_annotations) - kept - {ann.ORIGIN, ann.DESCRIPTION}))


def plan_apply(desired: Mapping[str, Any], live: Mapping[str, Any] | None, options: MergeOptions) -> ApplyPlan:
    """What to apply (and which keys to delete) so that the result matches GRM's merge.

    ``desired`` comes from :func:`resource_manager.desired.build_desired`; ``live`` is the object as in
    the target cluster (or ``None`` if absent). Raises :class:`MergeError` like GRM's merge does.
    """
    if ann.ignored(desired):
        if live is None:
            return ApplyPlan(_base_body(desired, None), (), ())
        stale = (ann.DESCRIPTION,) if ann.DESCRIPTION in ann.annotations_of(live) else ()
        return ApplyPlan(None, (), stale)
    group_kind = (group_of(desired.get("apiVersion") or ""), desired.get("kind") or "")
    if group_kind == ("batch", "CronJob") and desired.get("apiVersion") not in _CRONJOB_VERSIONS:
        raise MergeError(f"cannot merge objects with gvk: {desired.get('apiVersion')}, Kind=CronJob")
    body = _base_body(desired, live)
    if live is None:
        return ApplyPlan(body, (), ())
    _preserve_live_fields(body, desired, live, group_kind, options)
    return ApplyPlan(body, _label_removals(desired, live, options), _annotation_removals(desired, live, options))


def _preserve_live_fields(
    body: dict[str, Any],
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    group_kind: tuple[str, str],
    options: MergeOptions,
) -> None:
    if group_kind not in _POD_TEMPLATE_OWNERS and group_kind not in (("", "Service"), ("", "ServiceAccount")):
        return
    if group_kind == ("", "ServiceAccount"):
        for field in ("secrets", "imagePullSecrets"):
            _set_or_drop(body, field, live.get(field))
        return
    spec, live_spec = body.get("spec"), live.get("spec")
    if not isinstance(spec, Mapping) or not isinstance(live_spec, Mapping):
        return
    spec = body["spec"] = copy.deepcopy(dict(spec))
    if group_kind == ("", "Service"):
        _merge_service(spec, live_spec)
        return
    if group_kind in _SCALABLE and (
        "replicas" not in spec or options.horizontally_scaled or ann.preserve_replicas(desired)
    ):
        _set_or_drop(spec, "replicas", live_spec.get("replicas"))
    if group_kind[1] == "StatefulSet" and (live.get("metadata") or {}).get("creationTimestamp"):
        _set_or_drop(spec, "volumeClaimTemplates", live_spec.get("volumeClaimTemplates"))
    if group_kind == ("batch", "Job"):
        _merge_job(spec, live_spec)
    template, live_template = _pod_template(spec), _pod_template(live_spec)
    if template is not None and live_template is not None:
        _merge_pod_template(template, live_template, ann.preserve_resources(desired))


def _set_or_drop(target: dict[str, Any], field: str, value: Any) -> None:
    """Set ``field`` to a live value, or drop it when the live object has none (Go's omitempty)."""
    if value is None or value in ("", [], {}):
        target.pop(field, None)
    else:
        target[field] = copy.deepcopy(value)


def _pod_template(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    """``spec.template`` or, for CronJobs, ``spec.jobTemplate.spec.template`` (if a map)."""
    job_spec = ann.mapping(ann.mapping(spec.get("jobTemplate")).get("spec"))
    template = job_spec.get("template") if "jobTemplate" in spec else spec.get("template")
    return template if isinstance(template, dict) else None


def _own_map(holder: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The map under ``key`` of a body dict (created if absent); ``None`` if the manifest has a non-map there."""
    value = holder.setdefault(key, {})
    return value if isinstance(value, dict) else None


def _dicts(value: object) -> list[dict[str, Any]]:
    """The map elements of a list field (a malformed manifest is left for the API server to reject)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _merge_job(spec: dict[str, Any], live_spec: Mapping[str, Any]) -> None:
    """Job ``selector`` is immutable; the server adds ``controller-uid``/``job-name`` template labels."""
    _set_or_drop(spec, "selector", live_spec.get("selector"))
    template, live_template = spec.get("template"), live_spec.get("template")
    metadata = _own_map(template, "metadata") if isinstance(template, dict) else None
    if metadata is not None and isinstance(live_template, Mapping):
        merged = {**_labels(live_template), **ann.mapping(metadata.get("labels"))}
        if merged:
            metadata["labels"] = merged


def _merge_pod_template(template: dict[str, Any], live_template: Mapping[str, Any], preserve_resources: bool) -> None:
    restarted_at = ann.annotations_of(live_template).get(ann.RESTARTED_AT)
    metadata = _own_map(template, "metadata") if restarted_at is not None else None
    if metadata is not None:
        metadata["annotations"] = {**ann.mapping(metadata.get("annotations")), ann.RESTARTED_AT: restarted_at}
    if not preserve_resources:
        return
    live_containers: dict[Any, Mapping[str, Any]] = {}
    for container in _dicts(ann.mapping(live_template.get("spec")).get("containers")):
        live_containers.setdefault(container.get("name"), container)
    for container in _dicts(ann.mapping(template.get("spec")).get("containers")):
        live_container = live_containers.get(container.get("name"))
        if live_container is not None:
            _preserve_container_resources(container, ann.mapping(live_container.get("resources")))


def _preserve_container_resources(container: dict[str, Any], live_resources: Mapping[str, Any]) -> None:
    for bucket in ("requests", "limits"):
        live_bucket = ann.mapping(live_resources.get(bucket))
        preserved = {k: v for k, v in live_bucket.items() if k in _PRESERVED_RESOURCES}
        resources = _own_map(container, "resources") if preserved else None
        if resources is not None:
            resources[bucket] = {**ann.mapping(resources.get(bucket)), **preserved}


def _merge_service(spec: dict[str, Any], live_spec: Mapping[str, Any]) -> None:
    service_type = spec.get("type") or "ClusterIP"
    live_type = live_spec.get("type") or "ClusterIP"
    if service_type in ("LoadBalancer", "NodePort"):
        _keep_node_ports(spec, _dicts(live_spec.get("ports")))
        if not spec.get("loadBalancerIP") and live_spec.get("loadBalancerIP"):
            spec["loadBalancerIP"] = live_spec["loadBalancerIP"]
    elif service_type == "ExternalName":
        return
    if spec.get("clusterIP") != "None" and live_type != "ExternalName":
        _set_or_drop(spec, "clusterIP", live_spec.get("clusterIP"))
    if (
        service_type == live_type == "LoadBalancer"
        and spec.get("externalTrafficPolicy") == live_spec.get("externalTrafficPolicy") == "Local"
        and not spec.get("healthCheckNodePort")
    ):
        _set_or_drop(spec, "healthCheckNodePort", live_spec.get("healthCheckNodePort") or None)


def _keep_node_ports(spec: dict[str, Any], live_ports: list[dict[str, Any]]) -> None:
    """A desired port without nodePort takes the nodePort of the *last* live port with the same port
    number or the same name (two unnamed ports match by name, as in GRM)."""
    for port in _dicts(spec.get("ports")):
        if port.get("nodePort"):
            continue
        for live_port in live_ports:
            same_number = port.get("port", 0) == live_port.get("port", 0)
            if same_number or port.get("name", "") == live_port.get("name", ""):
                _set_or_drop(port, "nodePort", live_port.get("nodePort") or None)

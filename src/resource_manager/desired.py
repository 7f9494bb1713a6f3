"""Decoded manifests → desired objects and their ``status.resources`` references (spec §3.3 steps 6-9).

Why pure and copy-on-write: the reconciler runs this for thousands of objects on every pass; only the
dicts on the paths we change are copied, the decoded manifest itself is never mutated.

Per manifest, as GRM does:

* namespace: namespaced kind → empty becomes ``default``; cluster-scoped → removed; scope unknown (e.g.
  CRD not installed yet) → every kind but ``Namespace`` without a namespace gets ``default``;
* ``injectLabels`` + the ``managed-by`` label (which wins) go into ``metadata.labels``, into
  ``spec.template.metadata.labels`` when ``spec.template`` is a map and into every
  ``spec.volumeClaimTemplates[*].metadata.labels``; our addition (§10.10): also
  ``spec.jobTemplate.spec.template.metadata.labels`` (CronJobs);
* the ``origin`` and ``description`` annotations are set;
* an object annotated ``resources.gardener.cloud/ignore`` is applied exactly as written (no labels, no
  origin): GRM returns from its mutate step before injecting anything;
* the status reference carries apiVersion, kind, name, namespace (omitted when empty), labels =
  manifest + injectLabels + managed-by, and the manifest's own annotations (omitted when empty).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from kstatus.selectors import labels_of
from resource_manager.api import annotations as ann
from resource_manager.api.annotations import annotations_of, mapping
from resource_manager.api.identity import DEFAULT_NAMESPACE, key_of, text
from resource_manager.api.origin import origin_for
from resource_manager.source.secret_data import Manifest

IsNamespaced = Callable[[str, str], "bool | None"]
"""``is_namespaced(api_version, kind)``: True/False from the target's REST mapping, None if unknown."""


class DesiredObject(NamedTuple):
    obj: dict[str, Any]
    """What to apply (labels injected, origin/description set; untouched for ``ignore`` objects)."""
    reference: dict[str, Any]
    """The ``status.resources`` entry."""
    key: str
    """Identity key ``group/kind/namespace/name`` (see :mod:`resource_manager.api.identity`)."""
    ignore_mode: bool
    """``mode: Ignore``: neither applied nor listed; released if it was managed before."""
    raw: bytes
    """Raw value of the Secret key it came from (input to the secrets data checksum)."""


def default_namespace(obj: Mapping[str, Any], is_namespaced: IsNamespaced) -> dict[str, Any]:
    """Return ``obj`` with GRM's namespace defaulting applied (see module docstring)."""
    metadata = dict(mapping(obj.get("metadata")))
    scope = is_namespaced(text(obj.get("apiVersion")), text(obj.get("kind")))
    if scope is False:
        metadata.pop("namespace", None)
    elif not metadata.get("namespace") and (scope is True or obj.get("kind") != "Namespace"):
        metadata["namespace"] = DEFAULT_NAMESPACE
    return {**obj, "metadata": metadata}


def _with_labels(holder: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    """Copy of ``holder`` whose ``metadata.labels`` has ``labels`` merged in (``labels`` win)."""
    metadata = dict(mapping(holder.get("metadata")))
    metadata["labels"] = {**mapping(metadata.get("labels")), **labels}
    return {**holder, "metadata": metadata}


def _template_with_labels(owner: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    """Copy of a ``spec``-like map whose ``template`` (if a map) got the labels."""
    template = owner.get("template")
    if not isinstance(template, Mapping):
        return dict(owner)
    return {**owner, "template": _with_labels(template, labels)}


def inject_labels(obj: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    """Merge ``labels`` into the object, its pod template(s) and volume claim templates."""
    if not labels:
        return dict(obj)
    result = _with_labels(obj, labels)
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return result
    new_spec = _template_with_labels(spec, labels)
    claims = spec.get("volumeClaimTemplates")
    if isinstance(claims, list):
        new_spec["volumeClaimTemplates"] = [
            _with_labels(claim, labels) if isinstance(claim, Mapping) else claim for claim in claims
        ]
    job_template = spec.get("jobTemplate")
    if isinstance(job_template, Mapping) and isinstance(job_template.get("spec"), Mapping):
        new_spec["jobTemplate"] = {**job_template, "spec": _template_with_labels(job_template["spec"], labels)}
    result["spec"] = new_spec
    return result


def labels_to_inject(mr: Mapping[str, Any], managed_by: str = ann.DEFAULT_MANAGED_BY) -> dict[str, str]:
    """``spec.injectLabels`` plus the managed-by label, which wins over an injectLabels entry."""
    return {**((mr.get("spec") or {}).get("injectLabels") or {}), ann.MANAGED_BY: managed_by}


def with_origin(obj: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """Copy of ``obj`` carrying the ``origin`` and ``description`` annotations GRM always sets."""
    metadata = dict(mapping(obj.get("metadata")))
    metadata["annotations"] = {
        **mapping(metadata.get("annotations")),
        ann.DESCRIPTION: ann.DESCRIPTION_TEXT,
        ann.ORIGIN: origin,
    }
    return {**obj, "metadata": metadata}


def status_reference(obj: Mapping[str, Any], injected: Mapping[str, str]) -> dict[str, Any]:
    """The ``status.resources`` entry of a (namespace-defaulted) manifest."""
    metadata = mapping(obj.get("metadata"))
    reference: dict[str, Any] = {
        "apiVersion": text(obj.get("apiVersion")),
        "kind": text(obj.get("kind")),
        "name": text(metadata.get("name")),
        "namespace": text(metadata.get("namespace")),
        "labels": {**labels_of(obj), **injected},
    }
    if annotations_of(obj):
        reference["annotations"] = dict(annotations_of(obj))
    # Go's omitempty drops empty strings; keep the entry shape identical to what GRM writes.
    return {k: v for k, v in reference.items() if v != ""}


def type_meta_problem(obj: Mapping[str, Any]) -> str | None:
    """Why an object cannot be applied at all (GRM learns it only from the failed request)."""
    for field, shown in (("kind", "Kind"), ("apiVersion", "apiVersion")):
        if not text(obj.get(field)):
            return f"Object '{shown}' is missing"
    if not isinstance(obj.get("metadata"), Mapping) or not text(obj["metadata"].get("name")):
        return "Object 'metadata.name' is missing"
    return None


def build_desired(
    manifests: Iterable[Manifest],
    mr: Mapping[str, Any],
    is_namespaced: IsNamespaced,
    *,
    cluster_id: str = "",
    managed_by: str = ann.DEFAULT_MANAGED_BY,
) -> list[DesiredObject]:
    """All desired objects of an MR in decoding order (sort with :mod:`resource_manager.ssa.order` before applying)."""
    metadata = mr.get("metadata") or {}
    origin = origin_for(metadata.get("namespace", ""), metadata.get("name", ""), cluster_id)
    injected = labels_to_inject(mr, managed_by)
    result: list[DesiredObject] = []
    for manifest in manifests:
        obj = default_namespace(manifest.obj, is_namespaced)
        reference = status_reference(obj, injected)
        if not ann.ignored(obj):
            obj = with_origin(inject_labels(obj, injected), origin)
        result.append(DesiredObject(obj, reference, key_of(reference), ann.ignore_mode(obj), manifest.raw))
    return result

"""The shipped CRD must be wire-compatible with GRM's (spec §1, §1.4)."""

from typing import Any

from resource_manager.api.crd import CRD_NAME, load_crd


def _version(crd: dict[str, Any]) -> dict[str, Any]:
    versions = crd["spec"]["versions"]
    assert len(versions) == 1
    version: dict[str, Any] = versions[0]
    return version


def test_identity_names_and_scope() -> None:
    crd = load_crd()
    assert crd["apiVersion"] == "apiextensions.k8s.io/v1"
    assert crd["kind"] == "CustomResourceDefinition"
    assert crd["metadata"]["name"] == CRD_NAME
    spec = crd["spec"]
    assert spec["group"] == "resources.gardener.cloud"
    assert spec["scope"] == "Namespaced"
    assert spec["names"] == {
        "kind": "ManagedResource",
        "listKind": "ManagedResourceList",
        "plural": "managedresources",
        "singular": "managedresource",
        "shortNames": ["mr"],
    }
    version = _version(crd)
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"] == {"status": {}}


def test_printer_columns_match_spec_1_4() -> None:
    columns = _version(load_crd())["additionalPrinterColumns"]
    assert [(c["name"], c["type"], c["jsonPath"]) for c in columns] == [
        ("Class", "string", ".spec.class"),
        ("Applied", "string", '.status.conditions[?(@.type=="ResourcesApplied")].status'),
        ("Healthy", "string", '.status.conditions[?(@.type=="ResourcesHealthy")].status'),
        ("Progressing", "string", '.status.conditions[?(@.type=="ResourcesProgressing")].status'),
        ("Age", "date", ".metadata.creationTimestamp"),
    ]
    assert columns[1]["description"] == " Indicates whether all resources have been applied."


def test_schema_has_every_spec_and_status_field() -> None:
    schema = _version(load_crd())["schema"]["openAPIV3Schema"]["properties"]
    spec = schema["spec"]
    assert spec["required"] == ["secretRefs"]
    assert set(spec["properties"]) == {
        "class",
        "secretRefs",
        "injectLabels",
        "forceOverwriteLabels",
        "forceOverwriteAnnotations",
        "keepObjects",
        "equivalences",
        "deletePersistentVolumeClaims",
    }
    refs = spec["properties"]["secretRefs"]["items"]
    assert refs["x-kubernetes-map-type"] == "atomic"
    assert refs["properties"]["name"]["default"] == ""
    assert spec["properties"]["equivalences"]["items"]["items"]["required"] == ["group", "kind"]
    status = schema["status"]["properties"]
    assert set(status) == {"conditions", "observedGeneration", "resources", "secretsDataChecksum"}
    condition = status["conditions"]["items"]
    assert set(condition["properties"]) == {
        "type",
        "status",
        "reason",
        "message",
        "lastTransitionTime",
        "lastUpdateTime",
        "codes",
    }
    reference = status["resources"]["items"]["properties"]
    assert {"apiVersion", "kind", "name", "namespace", "labels", "annotations"} <= set(reference)


def test_each_call_returns_an_independent_copy() -> None:
    first = load_crd()
    first["spec"]["group"] = "changed"
    assert load_crd()["spec"]["group"] == "resources.gardener.cloud"

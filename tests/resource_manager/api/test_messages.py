"""GRM's condition messages: gardener's multi-error format, the apply and health texts (spec §1.2, §1.3)."""

from __future__ import annotations

from resource_manager.api import messages as m


def test_cleanup_messages_follow_gardeners_multierror_format() -> None:
    one = m.deletion_pending_error("v1/ConfigMap/n/a")
    assert m.cleanup_message([one]) == (
        "Could not clean all old resources: 1 error occurred: "
        'deletion of old resource "v1/ConfigMap/n/a" is still pending'
    )
    two = [one, m.deletion_failed_error("v1/Secret/n/s", "forbidden")]
    assert m.cleanup_message(two) == (
        "Could not clean all old resources: 2 errors occurred: "
        '[deletion of old resource "v1/ConfigMap/n/a" is still pending, '
        'error during deletion of old resource "v1/Secret/n/s": forbidden]'
    )
    assert m.deletion_pending_error("v1/Service/n/s", "boom", "-> Events:\n* x") == (
        'deletion of old resource "v1/Service/n/s" is still pending: boom\n\n-> Events:\n* x'
    )
    assert m.release_message(["e"]) == "Could not release all orphaned resources: 1 error occurred: e"


def test_apply_failed_messages() -> None:
    single = m.apply_error("apps/v1/Deployment/n/d", 'Deployment.apps "d" is invalid: spec.x: Required value')
    assert m.apply_failed_message([single]) == single
    assert single.startswith('error during apply of object "apps/v1/Deployment/n/d": ')
    many = m.apply_failed_message([f"e{i}" for i in range(12)], limit=3)
    assert many == "12 objects failed to apply:\ne0\ne1\ne2\n... and 9 more"


def test_health_messages() -> None:
    assert m.missing_message("ConfigMap", "n", "c") == 'Required ConfigMap "c" in namespace "n" is missing'
    assert m.missing_message("Foo", "n", "f", "no matches for kind") == (
        'Required Foo "f" in namespace "n" is missing: no matches for kind'
    )
    assert m.unhealthy_message("Pod", "n", "p", "pod is not ready") == 'Pod "n/p" is unhealthy: pod is not ready'
    assert m.health_check_error_message("CustomResourceDefinition", "", "x", "e") == (
        'Error executing health check for CustomResourceDefinition "/x": e'
    )
    assert m.progressing_message("Deployment", "n", "d", "x") == 'Deployment "n/d" is progressing: x'
    assert (m.missing_reason("Pod"), m.unhealthy_reason("Pod"), m.progressing_reason("Pod")) == (
        "PodMissing",
        "PodUnhealthy",
        "PodProgressing",
    )

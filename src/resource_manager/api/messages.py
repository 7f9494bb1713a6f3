"""GRM's condition reasons and message texts, exactly as it writes them (spec §1.2, §1.3, §3.4).

Why exact: gardenlet, operators and dashboards match on these reasons and messages (gardener's error-code
regex matches ``error during apply of object .* is invalid:``). Where GRM reports only the first failure,
the builders here list every one (up to a limit, with a count of the rest). :mod:`conditions` decides
which of them a condition carries.
"""

from __future__ import annotations

from collections.abc import Sequence

INITIALIZED = "ConditionInitialized"
APPLY_SUCCEEDED = "ApplySucceeded"
APPLY_FAILED = "ApplyFailed"
APPLY_PROGRESSING = "ApplyProgressing"
DECODING_FAILED = "DecodingFailed"
DELETION_FAILED = "DeletionFailed"
DELETION_PENDING = "DeletionPending"
RELEASE_FAILED = "ReleaseOfOrphanedResourcesFailed"
IGNORED = "ManagedResourceIgnored"
CHECKS_PENDING = "ChecksPending"
CANNOT_READ_SECRET = "CannotReadSecret"
RESOURCES_HEALTHY = "ResourcesHealthy"
RESOURCES_ROLLED_OUT = "ResourcesRolledOut"
HEALTH_CHECK_ERROR = "HealthCheckError"

MSG_INITIALIZED = "The condition has been initialized but its semantic check has not been performed yet."
MSG_RECONCILING = "The resources are currently being reconciled."
MSG_APPLIED = "All resources are applied."
MSG_IGNORED = "ManagedResource is marked to be ignored."
MSG_DELETING = "The resources are currently being deleted."
MSG_HEALTH_PENDING = "The health checks have not yet been executed for the current set of resources."
MSG_PROGRESSING_PENDING = "Checks have not yet been executed for the current set of resources."
MSG_HEALTHY = "All resources are healthy."
MSG_ROLLED_OUT = "All resources have been fully rolled out."


def multi_error(prefix: str, errors: Sequence[str]) -> str:
    """Gardener's ``NewErrorFormatFuncWithPrefix`` rendering of an aggregated error."""
    if len(errors) == 1:
        return f"{prefix}: 1 error occurred: {errors[0]}"
    return f"{prefix}: {len(errors)} errors occurred: [{', '.join(errors)}]"


def deletion_pending_error(name: str, error: str | None = None, events: str | None = None) -> str:
    """One entry of the DeletionPending message (``name`` from :func:`identity.display_name`)."""
    message = f'deletion of old resource "{name}" is still pending'
    if error:
        message = f"{message}: {error}"
    if events:
        message = f"{message}\n\n{events}"
    return message


def deletion_failed_error(name: str, error: str) -> str:
    return f'error during deletion of old resource "{name}": {error}'


def cleanup_message(errors: Sequence[str]) -> str:
    """Message of DeletionPending / DeletionFailed after pruning."""
    return multi_error("Could not clean all old resources", errors)


def release_message(errors: Sequence[str]) -> str:
    return multi_error("Could not release all orphaned resources", errors)


def apply_error(name: str, error: str) -> str:
    """GRM's per-object apply failure text (gardener's error-code regex matches ``… is invalid:``)."""
    return f'error during apply of object "{name}": {error}'


def apply_failed_message(errors: Sequence[str], limit: int = 10) -> str:
    """ApplyFailed message. One failure reads exactly like GRM's; we keep applying after a failure
    (§10.7), so several are listed, one per line, up to ``limit`` plus a count of the rest."""
    if len(errors) == 1:
        return errors[0]
    shown = "\n".join(errors[:limit])
    more = f"\n... and {len(errors) - limit} more" if len(errors) > limit else ""
    return f"{len(errors)} objects failed to apply:\n{shown}{more}"


def missing_reason(kind: str) -> str:
    return f"{kind}Missing"


def missing_message(kind: str, namespace: str, name: str, no_match_error: str | None = None) -> str:
    message = f'Required {kind} "{name}" in namespace "{namespace}" is missing'
    return f"{message}: {no_match_error}" if no_match_error else message


def unhealthy_reason(kind: str) -> str:
    return f"{kind}Unhealthy"


def unhealthy_message(kind: str, namespace: str, name: str, error: str) -> str:
    return f'{kind} "{namespace}/{name}" is unhealthy: {error}'


def health_check_error_message(kind: str, namespace: str, name: str, error: str) -> str:
    return f'Error executing health check for {kind} "{namespace}/{name}": {error}'


def progressing_reason(kind: str) -> str:
    return f"{kind}Progressing"


def progressing_message(kind: str, namespace: str, name: str, detail: str) -> str:
    return f'{kind} "{namespace}/{name}" is progressing: {detail}'

"""Errors as values, shared by every step that writes to the target (apply, release, prune) and the reconciler.

Why a module of its own: a failure is collected, not raised, so the conditions can list every object that
failed in a round; the text is the one GRM writes, so users and tools see the same messages.
"""

from __future__ import annotations

from typing import NamedTuple

from kubecore import ApiError


class Failure(NamedTuple):
    """One object that could not be applied, deleted or released; ``message`` is GRM's text."""

    name: str
    message: str


def error_text(exc: Exception) -> str:
    """The error as GRM words it: the API server's own message, not our request line."""
    if isinstance(exc, ApiError):
        return exc.message or str(exc)
    return str(exc)

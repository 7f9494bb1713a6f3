"""Small builders for test objects, so each test shows only the fields that matter to it."""

from __future__ import annotations

from typing import Any

from kstatus import Condition, Result, Status

Obj = dict[str, Any]


def make(api: str, kind: str, *, spec: Any = None, status: Any = None, **meta: Any) -> Obj:
    """An object with the given apiVersion, kind, spec, status and metadata fields."""
    obj: Obj = {"apiVersion": api, "kind": kind, "metadata": {"name": "x", **meta}}
    if spec is not None:
        obj["spec"] = spec
    if status is not None:
        obj["status"] = status
    return obj


def cond(ctype: str, status: str, reason: str = "", message: str = "") -> Obj:
    """A status condition entry."""
    return {"type": ctype, "status": status, "reason": reason, "message": message}


def in_progress(reason: str, message: str) -> Result:
    """The expected InProgress result with its Reconciling condition."""
    return Result(Status.IN_PROGRESS, message, (Condition("Reconciling", "True", reason, message),))


def failed(reason: str, message: str, result_message: str | None = None) -> Result:
    """The expected Failed result with its Stalled condition."""
    stalled = Condition("Stalled", "True", reason, message)
    return Result(Status.FAILED, message if result_message is None else result_message, (stalled,))


def current(message: str) -> Result:
    """The expected Current result (never with conditions)."""
    return Result(Status.CURRENT, message, ())

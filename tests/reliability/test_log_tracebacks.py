"""A crash in the controller logs a traceback without local variables (they hold Secret data)."""

from __future__ import annotations

import pytest
import structlog

from resource_manager.run import log_without_locals

CANARY = "canary-7f3a9c1e-never-log-me"


def _crash(secret_data: dict[str, str]) -> None:
    raise RuntimeError("reconcile failed")


def test_a_logged_crash_shows_the_traceback_but_no_locals(capsys: pytest.CaptureFixture[str]) -> None:
    saved = structlog.get_config()
    log_without_locals()
    try:
        try:
            _crash({"password": CANARY})
        except RuntimeError:
            structlog.get_logger("test").exception("reconcile crashed")
    finally:
        structlog.configure(**saved)
    out = capsys.readouterr().out
    assert "RuntimeError: reconcile failed" in out
    assert "_crash" in out
    assert CANARY not in out

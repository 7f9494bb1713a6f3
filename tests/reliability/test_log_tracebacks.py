"""A crash in the controller logs a traceback without local variables (they hold Secret data)."""

from __future__ import annotations

import pytest
import structlog

from resource_manager.manager import logs

CANARY = "canary-7f3a9c1e-never-log-me"


def _crash(secret_data: dict[str, str]) -> None:
    raise RuntimeError("reconcile failed")


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_logged_crash_shows_the_traceback_but_no_locals(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    saved = structlog.get_config()
    logs.configure("info", fmt)
    try:
        try:
            _crash({"password": CANARY})
        except RuntimeError:
            structlog.get_logger("test").exception("reconcile crashed")
    finally:
        structlog.configure(**saved)
    err = capsys.readouterr().err
    assert "RuntimeError: reconcile failed" in err
    assert "_crash" in err
    assert CANARY not in err

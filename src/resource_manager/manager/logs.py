"""Structured logs to stderr: JSON lines (GRM's default) or text for people, with a level filter.

Why here and not per module: every module logs through ``structlog.get_logger(name)``; this configures
the one pipeline they share, once, at start-up.
"""

from __future__ import annotations

import logging
import sys

import orjson
import structlog

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "error": logging.ERROR}


def _json(_: object, __: str, event: structlog.typing.EventDict) -> str:
    return orjson.dumps(event, default=str).decode()


def configure(level: str = "info", fmt: str = "json") -> None:
    """Route structlog to stderr with ``level`` (debug/info/error) and ``fmt`` (json/text)."""
    renderer: structlog.typing.Processor = _json if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(LEVELS[level]),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )

"""Prometheus metrics of the client core, plus per-client request counts without Prometheus.

Names and labels are client-go's (``rest_client_*``, ``workqueue_*``) so the dashboards and alerts
operators already have for Go controllers work unchanged; ``client`` is our extra label (source/target).
The controller must show that a resync sends zero writes, so requests are counted per client by verb
and code in plain Python as well (`RequestStats`), which tests and callers can read directly.
"""

from __future__ import annotations

from collections import Counter as _Counter

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("rest_client_requests", "HTTP requests to the Kubernetes API server", ["client", "method", "code"])
REQUEST_DURATION = Histogram(
    "rest_client_request_duration_seconds", "Duration of Kubernetes API requests", ["client", "verb"]
)
WORKQUEUE_DEPTH = Gauge("workqueue_depth", "Items waiting in a work queue", ["name"])
WORKQUEUE_ADDS = Counter("workqueue_adds", "Items added to a work queue", ["name"])
WORKQUEUE_RETRIES = Counter("workqueue_retries", "Rate-limited requeues of a work queue", ["name"])
WORKQUEUE_QUEUE_DURATION = Histogram(
    "workqueue_queue_duration_seconds",
    "How long an item waits in a work queue before a worker takes it",
    ["name"],
    buckets=(1e-5, 1e-4, 1e-3, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0),
)
WORKQUEUE_WORK_DURATION = Histogram(
    "workqueue_work_duration_seconds",
    "How long processing an item from a work queue takes",
    ["name"],
    buckets=(1e-5, 1e-4, 1e-3, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0),
)

WRITE_VERBS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestStats:
    """Request counts of one client by (verb, code); verb is the HTTP method or WATCH."""

    def __init__(self, client: str) -> None:
        self.client = client
        self._counts: _Counter[tuple[str, str]] = _Counter()
        self._children: dict[tuple[str, str], tuple[Counter, Histogram]] = {}

    def record(self, verb: str, code: str, seconds: float) -> None:
        self._counts[(verb, code)] += 1
        children = self._children.get((verb, code))
        if children is None:  # looking a labelled child up costs more than the request's own bookkeeping
            children = (REQUESTS.labels(self.client, verb, code), REQUEST_DURATION.labels(self.client, verb))
            self._children[(verb, code)] = children
        children[0].inc()
        children[1].observe(seconds)

    def count(self, verb: str | None = None, code: str | int | None = None) -> int:
        return sum(
            n
            for (v, c), n in self._counts.items()
            if (verb is None or v == verb.upper()) and (code is None or c == str(code))
        )

    @property
    def writes(self) -> int:
        return sum(n for (v, _), n in self._counts.items() if v in WRITE_VERBS)

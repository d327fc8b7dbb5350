"""Prometheus metrics. Counters live in the process that does the work; the API process also
reports what the database knows (events stored and published, relay lag, open dead letters)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shared.runtime.logs import log_failure

log = logging.getLogger("hallmark.metrics")


class Metrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        labels = {"service": service}
        self.events_stored = Counter(
            "hallmark_events_stored", "Domain events stored by this process", ["service"], registry=self.registry
        ).labels(**labels)
        self.events_published = Counter(
            "hallmark_events_published", "Events published by the relay", ["service"], registry=self.registry
        ).labels(**labels)
        self.events_consumed = Counter(
            "hallmark_events_consumed", "Incoming messages by outcome", ["service", "outcome"], registry=self.registry
        )
        self.dead_lettered = Counter(
            "hallmark_dead_lettered", "Messages sent to a DLQ", ["service"], registry=self.registry
        ).labels(**labels)
        self.http_latency = Histogram(
            "hallmark_http_request_seconds",
            "HTTP latency",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.service = service

    def consumed(self, outcome: str, n: int) -> None:
        if n:
            self.events_consumed.labels(service=self.service, outcome=outcome).inc(n)


class StoreCollector(Collector):
    """Gauges read from the service's database at scrape time."""

    def __init__(
        self,
        service: str,
        read: Callable[[], dict[str, int]],
        followers: Callable[[], dict[str, dict[str, int]]] | None = None,
    ) -> None:
        self.service = service
        self.read = read
        self.followers = followers

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            values = self.read()
        except Exception as exc:
            log_failure(log, "metrics: database read failed", exc)
            return
        helps = {
            "stored": "Highest notification id in the event store",
            "published": "Relay position (last notification published)",
            "relay_lag": "Notifications stored but not yet published",
            "dlq_open": "Dead letters waiting for ops",
            "timers_due": "Durable timers due and not fired yet (X1)",
        }
        for name, value in values.items():
            family = GaugeMetricFamily(f"hallmark_{name}", helps.get(name, name), labels=["service"])
            family.add_metric([self.service], value)
            yield family
        if self.followers is not None:
            lag = GaugeMetricFamily(
                "hallmark_follower_lag",
                "Notifications a log follower (e-mail) has still to handle",
                labels=["service", "follower"],
            )
            try:
                for follower, position in self.followers().items():
                    lag.add_metric([self.service, follower], position["lag"])
            except Exception as exc:
                log_failure(log, "metrics: follower positions read failed", exc)
                return
            yield lag

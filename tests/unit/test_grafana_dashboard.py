"""The Grafana dashboard (deploy/grafana/hallmark.json) shows requests, latency, relay lag, consumer lag
and dead letters from metrics that exist: the counters and histogram of shared/runtime/metrics.py here,
the database gauges in tests/chassis/test_grafana_dashboard.py (a live /metrics), and the consumer lag
from the Kafka Exporter that the Kafka resource turns on."""

from __future__ import annotations

import re

from prometheus_client import generate_latest

from shared.events import SERVICES
from shared.runtime.metrics import Metrics
from tests.unit.k8s import of_kind, rendered
from tests.unit.promql import KAFKA_EXPORTER, dashboard, exported, expressions, metric_names


def used() -> set[str]:
    return {name for expr in expressions(dashboard()) for name in metric_names(expr)}


def test_the_dashboard_is_well_formed_and_asks_one_prometheus() -> None:
    board = dashboard()
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    for panel in board["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["title"] and panel["targets"], panel
        assert panel["datasource"]["uid"] == "${datasource}"
        assert all(t["datasource"]["uid"] == "${datasource}" and t["expr"] for t in panel["targets"])


def test_it_shows_requests_latency_relay_lag_consumer_lag_and_dead_letters() -> None:
    names = used()
    assert {"hallmark_http_request_seconds_count", "hallmark_http_request_seconds_bucket"} <= names
    assert {"hallmark_relay_lag", "hallmark_events_stored_total", "hallmark_events_published_total"} <= names
    assert {"kafka_consumergroup_lag", "hallmark_events_consumed_total"} <= names
    assert {"hallmark_dlq_open", "hallmark_dead_lettered_total"} <= names


def test_the_counters_and_histogram_it_names_are_the_metrics_modules() -> None:
    page = generate_latest(Metrics("orders").registry).decode()
    from_module = exported(page)
    # The database gauges (relay lag, DLQ, positions, followers) are read at scrape time from the
    # service's database: tests/chassis/test_grafana_dashboard.py checks them on a live /metrics.
    counted = {n for n in used() if n.endswith(("_total", "_bucket", "_sum", "_count"))} - KAFKA_EXPORTER
    assert counted and counted <= from_module


def test_consumer_lag_comes_from_the_kafka_exporter_for_every_workers_group() -> None:
    for overlay in ("dev", "production"):
        (kafka,) = of_kind(rendered(overlay), "Kafka")
        pattern = kafka["spec"]["kafkaExporter"]["groupRegex"]
        groups = {
            t["metadata"]["consumerGroup"]
            for s in of_kind(rendered(overlay), "ScaledObject")
            for t in s["spec"]["triggers"]
        }
        assert groups == {f"hallmark-{s}" for s in SERVICES}
        assert all(re.fullmatch(pattern, g) for g in groups)
    for expr in expressions(dashboard()):
        if metric_names(expr) & KAFKA_EXPORTER:
            assert 'consumergroup=~"hallmark-($service)"' in expr

"""Every metric the Grafana dashboard (deploy/grafana/hallmark.json) names is on a service's live /metrics
(its database gauges read from a real PostgreSQL), or is the Kafka Exporter's consumer lag."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.orders.api import create_app
from tests.infra import Harness
from tests.unit.promql import KAFKA_EXPORTER, dashboard, exported, expressions, metric_names


def test_the_dashboard_names_only_metrics_a_service_exports(harness: Harness) -> None:
    runtime = harness.runtime("orders")  # orders has a log follower too (confirmation mail)
    with TestClient(create_app(runtime)) as client:
        assert client.get("/livez").status_code == 200
        page = client.get("/metrics").text
    live = exported(page)
    assert {"hallmark_relay_lag", "hallmark_dlq_open", "hallmark_follower_lag", "hallmark_timers_due"} <= live
    used = {name for expr in expressions(dashboard()) for name in metric_names(expr)}
    assert used - live - KAFKA_EXPORTER == set()

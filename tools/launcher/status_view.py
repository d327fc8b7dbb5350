"""`hallmark status`: every component, its address and health; per service its relay lag, consumer
lag per partition, open dead letters, timers due and the service's own SLA lists."""

from __future__ import annotations

import importlib
import json
from datetime import datetime
from typing import Any

import httpx

from tools.launcher.auxiliary import auxiliary_ports
from tools.launcher.kafka_ops import groups_lag
from tools.launcher.procs import port_open
from tools.launcher.target import OpsClient, Target, target

SLA_VIEWS: dict[str, tuple[tuple[str, str], ...]] = {
    "orders": (("picking SLA breached (O6)", "/admin/sla-breaches"),),
    "inventory": (("picking overdue (I4)", "/picking/overdue"),),
    "payments": (("held for review (P5)", "/admin/reviews"),),
    "shipping": (("late parcels (S3)", "/admin/late-parcels"), ("refused quotes (S1)", "/admin/refused-quotes")),
    "tickets": (("reply SLA breached (T3)", "/admin/sla-breaches"),),
}
"""Each service's own lists of what waits beyond its deadline (label, ops endpoint)."""


def consumed_topics(service: str) -> tuple[str, ...]:
    """The topics a service's workers read, as its ServiceSpec says."""
    spec = importlib.import_module(f"services.{service}.bootstrap").SPEC
    return tuple(spec.consumes)


def components(stack: Target) -> list[dict[str, Any]]:
    """Kafka, PostgreSQL, the auxiliaries, each API (its /readyz) and each worker (its metrics port)."""
    ports = stack.ports
    rows: list[dict[str, Any]] = [
        {"component": "kafka", "address": stack.bootstrap, "healthy": _open(stack.bootstrap)},
        {"component": "postgres", "address": stack.postgres, "healthy": _open(stack.postgres)},
    ]
    for name, port in auxiliary_ports(ports).items():
        rows.append({"component": name, "address": f"127.0.0.1:{port}", "healthy": port_open(port)})
    for service in stack.services:
        url, detail = stack.url(service), None
        try:
            response = httpx.get(f"{url}/readyz", timeout=5)
            healthy, detail = response.status_code == 200, response.json().get("checks")
        except (httpx.HTTPError, ValueError) as exc:
            healthy, detail = False, str(exc)
        metrics = ports.metrics(service)
        rows.append({"component": f"{service}-api", "address": url, "healthy": healthy, "checks": detail})
        rows.append(
            {
                "component": f"{service}-worker",
                "address": f"http://127.0.0.1:{metrics}/metrics",
                "healthy": port_open(metrics),
            }
        )
    return rows


def service_figures(client: OpsClient, service: str) -> dict[str, Any]:
    """What ops watch of one service, from its admin endpoints (None where it did not answer)."""
    figures: dict[str, Any] = {"relay_lag": None, "dlq_open": None, "timers_due": None, "timers_pending": None}
    errors: list[str] = []
    try:
        positions = client.json(service, "/admin/positions")
        figures.update(
            relay_lag=positions["relay"]["relay_lag"],
            dlq_open=positions["relay"]["dlq_open"],
            tracked=positions["consumers"],
            followers=positions["followers"],
        )
        timers = client.json(service, "/admin/timers")
        now = datetime.fromisoformat(client.json(service, "/admin/clock")["now"])
        figures["timers_pending"] = len(timers)
        figures["timers_due"] = sum(1 for t in timers if datetime.fromisoformat(t["due_at"]) <= now)
        figures["sla"] = {label: len(client.json(service, path)) for label, path in SLA_VIEWS.get(service, ())}
    except httpx.HTTPError as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    if errors:
        figures["error"] = "; ".join(errors)
    return figures


def consumer_lag(stack: Target) -> dict[str, dict[str, dict[str, int]]]:
    """Per service, per `<topic>:<partition>` it reads: committed offset, end offset, lag."""
    groups = {stack.group(s): [stack.topic(t) for t in consumed_topics(s)] for s in stack.services}
    found = groups_lag(stack.bootstrap, groups)
    return {s: found[stack.group(s)] for s in stack.services}


def status(name: str) -> dict[str, Any]:
    stack = target(name)
    rows = components(stack)
    report: dict[str, Any] = {"stack": name, "running": stack.running, "components": rows, "services": {}}
    if not any(r["healthy"] for r in rows if r["component"].endswith("-api")):
        return report
    client = OpsClient(stack)
    try:
        report["services"] = {s: service_figures(client, s) for s in stack.services}
    finally:
        client.close()
    lag: dict[str, Any] = {}
    try:
        lag = consumer_lag(stack)
    except Exception as exc:  # Kafka down: the rest of the view still helps
        report["kafka_error"] = f"{type(exc).__name__}: {exc}"
    for service, figures in report["services"].items():
        figures["consumer_lag"] = lag.get(service, {})
    return report


def render(report: dict[str, Any]) -> str:
    lines = [f"{'ok  ' if r['healthy'] else 'DOWN'}  {r['component']:<18} {r['address']}" for r in report["components"]]
    if report["services"]:
        lines.append("")
    for service, f in report["services"].items():
        sla = "  ".join(f"{label}: {count}" for label, count in f.get("sla", {}).items())
        lines.append(
            f"{service:<10} relay lag {_n(f['relay_lag'])}  dlq {_n(f['dlq_open'])}  "
            f"timers due {_n(f['timers_due'])} (pending {_n(f['timers_pending'])})  {sla}"
        )
        by_topic: dict[str, list[str]] = {}
        for key, figures in f.get("consumer_lag", {}).items():
            topic, _, _partition = key.rpartition(":")
            by_topic.setdefault(topic, []).append(str(figures["lag"]))
        if by_topic:
            lag = "  ".join(f"{topic} [{' '.join(lags)}]" for topic, lags in by_topic.items())
            lines.append(f"{'':<10} consumer lag per partition  {lag}")
        if "error" in f:
            lines.append(f"{'':<10} {f['error']}")
    if "kafka_error" in report:
        lines.append(f"consumer lag unknown: {report['kafka_error']}")
    return "\n".join(lines)


def cmd_status(args: Any) -> int:
    report = status(args.name)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0 if all(r["healthy"] for r in report["components"]) else 1


def _n(value: Any) -> str:
    return "?" if value is None else str(value)


def _open(address: str) -> bool:
    host, _, port = address.split(",")[0].rpartition(":")
    return port_open(int(port), host or "127.0.0.1")

"""The timeline page of one order: a lane per service, each event a mark, an arrow from each cause to
its effect, a slider for "as of" showing the terms at that instant. One self-contained HTML document
(inline SVG, CSS and script; nothing fetched, so it works offline)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from shared.events import SERVICES

LANE, STEP, LEFT, TOP = 70, 120, 110, 40

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } .gaps { color: #a00; } .ok { color: #070; }
svg { border: 1px solid #ddd; background: #fcfcfc; }
.lane line { stroke: #ccc; } .lane text { font-weight: 600; fill: #555; }
.event circle { fill: #2a6ebb; stroke: #fff; stroke-width: 2; } .event text { font-size: 11px; }
.event.gap circle { fill: #c00; } .cause { stroke: #888; fill: none; }
#asof { width: 60%; vertical-align: middle; } .later { opacity: 0.12; }
#terms dt { font-weight: 600; float: left; width: 11em; } #terms dd { margin-left: 11em; }
table { border-collapse: collapse; } td, th { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left; }
"""

SCRIPT = """
const data = JSON.parse(document.getElementById('timeline-data').textContent);
const slider = document.getElementById('asof');
function show(i) {
  const stop = data.stops[i];
  document.getElementById('asof-label').textContent = stop.at;
  const at = Date.parse(stop.at);
  document.querySelectorAll('[data-at]').forEach(el => {
    el.classList.toggle('later', Date.parse(el.dataset.at) > at);
  });
  const t = stop.terms;
  const fields = {status: t.status, cancellable: String(t.cancellable),
    fee: t.fee.amount_minor + ' ' + t.fee.currency, refund: t.refund.amount_minor + ' ' + t.refund.currency,
    reason: t.reason, policy: t.cancellation_policy_version};
  for (const [k, v] of Object.entries(fields)) document.getElementById('terms-' + k).textContent = v;
}
slider.addEventListener('input', () => show(Number(slider.value)));
const wanted = location.hash.match(/stop=(\\d+)/);  // e.g. #stop=0: open the page as of the first instant
if (wanted) slider.value = wanted[1];
show(Number(slider.value));
"""


def render(trail: dict[str, Any], stops: list[dict[str, Any]]) -> str:
    """`trail`: gather_trail's answer; `stops`: [{"at": iso, "terms": TermsPublic as JSON}] in time order."""
    events = trail["events"]
    lanes = [s for s in SERVICES if s in trail["services"]] or list(SERVICES)
    x = {e["event_id"]: LEFT + STEP // 2 + i * STEP for i, e in enumerate(events)}
    y = {s: TOP + i * LANE for i, s in enumerate(lanes)}
    gap_ids = {g.get("event_id") for g in trail["gaps"]}
    width, height = LEFT + STEP * max(len(events), 1) + STEP, TOP + LANE * len(lanes)
    parts = [
        f'<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#888"/></marker></defs>',
    ]
    for service in lanes:
        parts.append(
            f'<g class="lane" data-service="{service}"><line x1="{LEFT}" y1="{y[service]}" x2="{width}" '
            f'y2="{y[service]}"/><text x="8" y="{y[service] + 4}">{service}</text></g>'
        )
    by_id = {e["event_id"]: e for e in events}
    for event in events:
        cause = by_id.get(event.get("causation_id") or "")
        if cause is None:
            continue
        x1, y1, x2, y2 = x[cause["event_id"]], y[cause["service"]], x[event["event_id"]], y[event["service"]]
        parts.append(
            f'<path class="cause" data-at="{escape(event["occurred_at"])}" data-from="{cause["event_id"]}" '
            f'data-to="{event["event_id"]}" d="M {x1} {y1} C {x1 + 40} {y1}, {x2 - 40} {y2}, {x2 - 8} {y2}" '
            'marker-end="url(#arrow)"/>'
        )
    for i, event in enumerate(events):
        cx, cy = x[event["event_id"]], y[event["service"]]
        label = f"{event['event_type']} v{event['schema_version']}"
        detail = (
            f"{event['service']}: {label} at {event['occurred_at']}\ncorrelation {event['correlation_id']}\n"
            f"causation {event.get('causation_id') or '-'}"
        )
        parts.append(
            f'<g class="event{" gap" if event["event_id"] in gap_ids else ""}" id="ev-{escape(event["event_id"])}" '
            f'data-event-id="{escape(event["event_id"])}" data-service="{event["service"]}" '
            f'data-type="{escape(event["event_type"])}" data-at="{escape(event["occurred_at"])}">'
            f'<circle cx="{cx}" cy="{cy}" r="7"/><text x="{cx - 40}" y="{cy + (22 if i % 2 else -12)}">'
            f"{escape(event['event_type'])}</text><title>{escape(detail)}</title></g>"
        )
    parts.append("</svg>")
    rows = "".join(
        f"<tr><td>{escape(e['occurred_at'])}</td><td>{e['service']}</td><td>{escape(e['event_type'])} "
        f"v{e['schema_version']}</td><td>{escape(e['correlation_id'])}</td><td>{escape(e.get('causation_id') or '-')}"
        f"</td><td>{escape(_cause(e))}</td></tr>"
        for e in events
    )
    gaps = "".join(f"<li>{escape(g['kind'])}: {escape(g['message'])}</li>" for g in trail["gaps"])
    data = json.dumps({"stops": stops}).replace("<", "\\u003c")
    terms = "".join(f'<dt>{k}</dt><dd id="terms-{k}"></dd>' for k in TERMS)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Order {escape(trail["order_id"])}: timeline</title>
<style>{STYLE}</style></head><body>
<h1>Order {escape(trail["order_id"])}</h1>
<p>{len(events)} events from {len(trail["services"])} services, as of {escape(trail["as_of"])}.
{'<span class="ok">No gaps.</span>' if not gaps else '<span class="gaps">Gaps:</span>'}</p>
{f'<ul class="gaps" id="gaps">{gaps}</ul>' if gaps else ""}
{"".join(parts)}
<p><label for="asof">As of</label> <input id="asof" type="range" min="0" max="{max(len(stops) - 1, 0)}"
 value="{max(len(stops) - 1, 0)}" step="1"> <output id="asof-label"></output></p>
<h2>Terms at that instant</h2><dl id="terms">{terms}</dl>
<h2>Events</h2><table id="events"><tr><th>at</th><th>service</th><th>event</th><th>correlation</th>
<th>causation</th><th>caused by</th></tr>{rows}</table>
<script id="timeline-data" type="application/json">{data}</script>
<script>{SCRIPT}</script>
</body></html>
"""


TERMS = ("status", "cancellable", "fee", "refund", "reason", "policy")


def _cause(event: dict[str, Any]) -> str:
    cause = event.get("caused_by")
    return f"{cause['service']} {cause['event_type']}" if cause else "-"

"""JSON Schema per event type/version and one AsyncAPI 3.0 document, generated from the models.

`python -m shared.events.schema` rewrites `shared/events/asyncapi.json`; a test keeps it current,
`make lint` validates it with the AsyncAPI parser, and a test checks that the schemas of the
versions already published only grew compatibly (`shared/events/compat.py`).
Nested models (Money, Address, ...) are shared once under `components.schemas`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shared.events import SERVICES, Envelope, dlq_topic, events_topic, specs

ASYNCAPI_PATH = Path(__file__).with_name("asyncapi.json")


def message_name(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}"


SCHEMA_REF = "#/components/schemas/{model}"
COMPATIBILITY = (
    "Compatibility: readers ignore (and keep) fields they do not know, so adding an optional field "
    "is compatible and keeps the version. Renaming, removing or retyping a field, making a field "
    "required, or narrowing what a field accepts makes a new version of the event, with an upcaster "
    "from the previous one; published versions stay readable."
)


def payload_schema(event_type: str, version: int, shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """The payload's JSON Schema; its nested models go into `shared` (components.schemas)."""
    for spec in specs():
        if (spec.event_type, spec.version) == (event_type, version):
            schema = spec.model.model_json_schema(ref_template=SCHEMA_REF)
            for name, definition in schema.pop("$defs", {}).items():
                known = (shared if shared is not None else {}).setdefault(name, definition)
                if known != definition:
                    raise ValueError(f"two contract models are named {name}: rename one ({event_type} v{version})")
            return schema
    raise KeyError((event_type, version))


def asyncapi() -> dict[str, Any]:
    envelope = Envelope.model_json_schema()
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for service in SERVICES:
        topic = events_topic(service)
        channel_messages: dict[str, Any] = {}
        for spec in (s for s in specs() if s.producer == service):
            name = message_name(spec.event_type, spec.version)
            body = {k: v for k, v in envelope.items() if k not in ("title", "description")}
            body = json.loads(json.dumps(body))
            body["properties"]["payload"] = payload_schema(spec.event_type, spec.version, schemas)
            body["properties"]["event_type"] = {"const": spec.event_type}
            body["properties"]["schema_version"] = {"const": spec.version}
            messages[name] = {
                "name": name,
                "title": f"{spec.event_type} v{spec.version}",
                "summary": (spec.model.__doc__ or spec.event_type).strip().splitlines()[0],
                "contentType": "application/json",
                "headers": {
                    "type": "object",
                    "properties": {
                        "notification_id": {"type": "string", "description": "upstream notification id"},
                        "event_type": {"type": "string"},
                        "schema_version": {"type": "string"},
                        "correlation_id": {"type": "string"},
                    },
                },
                "bindings": {"kafka": {"key": {"type": "string", "description": "order id, or aggregate id"}}},
                "payload": body,
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channels[topic] = {
            "address": topic,
            "description": f"Domain events of the {service} service, keyed by order id.",
            "messages": channel_messages,
        }
        channels[dlq_topic(topic)] = {
            "address": dlq_topic(topic),
            "description": f"Dead letters of consumers of {topic}: original value and headers plus "
            "`error`, `consumer`, `source_partition`, `source_offset` headers.",
            "messages": {},
        }
        operations[f"publish-{service}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "messages": [{"$ref": f"#/channels/{topic}/messages/{m}"} for m in channel_messages],
        }
    return {
        "asyncapi": "3.1.0",
        "info": {
            "title": "Hallmark order-lifecycle events",
            "version": "1.0.0",
            "description": "Integration events of the five Hallmark services. Money is integer "
            "minor units with an ISO 4217 currency. Consumers upcast older schema versions. " + COMPATIBILITY,
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def render() -> str:
    return json.dumps(asyncapi(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    ASYNCAPI_PATH.write_text(render())
    print(f"wrote {ASYNCAPI_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

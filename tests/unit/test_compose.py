"""The compose file (deploy/docker/compose.yaml), checked without a Docker engine: it is a valid compose
file (the compose-spec schema), it starts what the launcher starts on the launcher's ports, every
variable it sets is a setting and together they make valid settings that point at its own containers,
and the data lives in named volumes."""

from __future__ import annotations

import importlib
import json
import re
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import Draft7Validator

from services.payments.settings import PaymentsSettings
from services.shipping.settings import ShippingSettings
from shared.events import SERVICES
from shared.runtime.settings import PlatformSettings, ServiceSettings
from tests.unit.k8s import ROOT
from tools.launcher.config import Ports

COMPOSE = ROOT / "deploy" / "docker" / "compose.yaml"
AUXILIARIES = {"mailsink", "payment-gateway", "carrier-sandbox", "topics"}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def interpolated(value: str) -> str:
    """`${NAME:-default}` as compose reads it with NAME unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def environment(name: str) -> dict[str, str]:
    return {k: interpolated(str(v)) for k, v in services()[name].get("environment", {}).items()}


def published(name: str) -> set[int]:
    ports = services()[name].get("ports", [])
    assert all(p.startswith("127.0.0.1:") for p in ports), "bound to the loopback only, as the launcher's"
    return {int(p.split(":")[1]) for p in ports}


def option(command: list[str], name: str) -> str:
    for i, arg in enumerate(command):
        if arg == name:
            return command[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    raise AssertionError(f"{name} not in {command}")


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{service}.settings")
    cls: type[ServiceSettings] = getattr(module, f"{service.capitalize()}Settings")
    return cls


def test_the_compose_file_is_valid_against_the_compose_spec() -> None:
    vendored = files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(vendored.read_text())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft7Validator(schema).iter_errors(compose())]
    assert errors == []


def test_it_starts_kafka_postgres_every_service_and_the_sandboxes_on_the_launchers_ports() -> None:
    found = services()
    roles = {f"{s}-{role}" for s in SERVICES for role in ("api", "worker")}
    assert set(found) == {"kafka", "postgres"} | AUXILIARIES | roles
    ports = Ports()
    for service in SERVICES:
        assert found[f"{service}-api"]["command"] == [service, "api"]
        assert found[f"{service}-worker"]["command"] == [service, "worker"]
        assert published(f"{service}-api") == {ports.services[service]}
        assert published(f"{service}-worker") == {ports.metrics(service)}
    assert published("kafka") == {ports.kafka} and published("postgres") == {ports.postgres}
    assert published("mailsink") == {ports.smtp} == {int(option(found["mailsink"]["command"], "--port"))}
    gateway, carrier = found["payment-gateway"]["command"], found["carrier-sandbox"]["command"]
    assert published("payment-gateway") == {ports.payment_gateway} == {int(option(gateway, "--port"))}
    assert published("carrier-sandbox") == {ports.carrier} == {int(option(carrier, "--port"))}


def test_kafka_is_the_apache_image_in_kraft_mode_and_postgres_is_15() -> None:
    kafka, postgres = services()["kafka"], services()["postgres"]
    assert re.fullmatch(r"apache/kafka:4\.1\.\d+", kafka["image"])
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert re.fullmatch(r"postgres:15\.\d+", postgres["image"])
    topics = services()["topics"]["command"]
    assert "create_topics('kafka:9092')" in topics[-1], "the registry's topics, with shared.events.PARTITIONS"


@pytest.mark.parametrize("name", sorted({f"{s}-{r}" for s in SERVICES for r in ("api", "worker")} | AUXILIARIES))
def test_every_variable_is_a_setting_and_they_point_at_the_composes_own_containers(name: str) -> None:
    env = environment(name)
    fields = {f.upper() for f in PlatformSettings.model_fields}
    fields |= {f"{s.upper()}_{f.upper()}" for s in SERVICES for f in settings_class(s).model_fields}
    assert set(env) - fields == set()
    given: dict[str, Any] = {k.lower(): v for k, v in env.items() if k.lower() in PlatformSettings.model_fields}
    platform = PlatformSettings(**given)
    found = services()
    kafka = found["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"].split("//")[1]
    assert platform.kafka_bootstrap_servers == kafka
    database = urlsplit(platform.database_url)
    password = interpolated(found["postgres"]["environment"]["POSTGRES_PASSWORD"])
    assert (database.hostname, database.password) == ("postgres", password)
    mailsink = int(option(found["mailsink"]["command"], "--port"))
    assert (platform.smtp_host, platform.smtp_port) == ("mailsink", mailsink)
    assert platform.clock == "manual" and platform.hallmark_env == "development"
    for service in SERVICES:
        prefix = f"{service.upper()}_"
        values: dict[str, Any] = {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)}
        settings_class(service)(platform=platform, **values)
    gateway = urlsplit(PaymentsSettings(platform=platform, provider_url=env["PAYMENTS_PROVIDER_URL"]).provider_url)
    assert (gateway.hostname, gateway.port) == (
        "payment-gateway",
        int(option(found["payment-gateway"]["command"], "--port")),
    )


def test_every_process_shares_the_manual_clock_and_the_data_lives_in_named_volumes() -> None:
    found = compose()
    clock_dir = environment("orders-api")["CLOCK_FILE"].rsplit("/", 1)[0]
    sharing = {name for name, s in found["services"].items() if f"clock:{clock_dir}" in s.get("volumes", [])}
    assert sharing == {f"{s}-{r}" for s in SERVICES for r in ("api", "worker")} | {"carrier-sandbox"}
    assert option(found["services"]["carrier-sandbox"]["command"], "--clock-file").startswith(clock_dir + "/")
    volumes = set(found["volumes"])
    assert (
        "kafka-data:" + found["services"]["kafka"]["environment"]["KAFKA_LOG_DIRS"]
        in found["services"]["kafka"]["volumes"]
    )
    assert "postgres-data:/var/lib/postgresql/data" in found["services"]["postgres"]["volumes"]
    assert {"kafka-data", "postgres-data", "clock", "mail", "payment-gateway"} <= volumes
    assert "vouchers" not in volumes  # P2: vouchers are kept in the payments database


def test_the_carrier_sandbox_signs_with_shippings_development_secrets() -> None:
    command = services()["carrier-sandbox"]["command"]
    secrets = dict(a.split("=", 2)[1:] for a in command if a.startswith("--secret="))
    assert secrets == ShippingSettings().webhook_secrets()
    shipping = urlsplit(option(command, "--shipping-url"))
    assert (shipping.hostname, shipping.port) == ("shipping-api", Ports().services["shipping"])

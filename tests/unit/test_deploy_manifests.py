"""The Kubernetes manifests say what the code reads: every variable they set is a setting, every command
is the one the launcher runs, secrets are only referenced, and the production settings they give pass
the production checks. Both overlays validate against the Kubernetes and operator schemas."""

from __future__ import annotations

import base64
import importlib
import secrets
from typing import Any

import pytest

from services.shipping.settings import ShippingSettings
from shared.runtime.audit.gather import AuditSettings
from shared.runtime.settings import PlatformSettings, ServiceSettings
from tests.unit.k8s import BASE, containers, documents, of_kind, rendered, validator
from tools.launcher.service_procs import api_command, worker_command

SERVICES = ["orders", "inventory", "payments", "shipping", "tickets"]
SECRET_STORE: dict[tuple[str, str], str] = {
    # What the cluster holds: CloudNativePG's owner credentials, and what ops put in hallmark-secrets.
    ("hallmark-postgres-app", "uri"): "postgresql://hallmark:s3cret@hallmark-postgres-rw.hallmark:5432/hallmark",
    ("hallmark-secrets", "JWT_SECRET"): secrets.token_urlsafe(32),
    ("hallmark-secrets", "SHIPPING_WEBHOOK_SECRET_DHL"): "d" * 32,  # S3: carriers sign with these
    ("hallmark-secrets", "SHIPPING_WEBHOOK_SECRET_FEDEX"): "f" * 32,
}


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{service}.settings")
    cls: type[ServiceSettings] = getattr(module, f"{service.capitalize()}Settings")
    return cls


def platform_config() -> dict[str, str]:
    (config,) = [d for d in documents("platform.yaml") if d["kind"] == "ConfigMap"]
    data: dict[str, str] = config["data"]
    return data


def service_containers(service: str) -> list[dict[str, Any]]:
    return [
        c
        for d in documents(f"{service}.yaml")
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    ]


def resolved_env(container: dict[str, Any]) -> dict[str, str]:
    """The container's variables with each secret reference read from the cluster's store."""
    values = {}
    for e in container.get("env", []):
        if "valueFrom" in e:
            ref = e["valueFrom"]["secretKeyRef"]
            values[e["name"]] = SECRET_STORE[(ref["name"], ref["key"])]
        else:
            values[e["name"]] = e["value"]
    return values


def unprefixed(env: dict[str, str], prefix: str) -> dict[str, Any]:
    """The variables with this prefix, as keyword arguments of the settings class that reads them."""
    return {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)}


def test_every_manifest_is_listed_by_the_kustomization() -> None:
    (kustomization,) = documents("kustomization.yaml")
    assert sorted(kustomization["resources"]) == sorted(
        p.name for p in BASE.glob("*.yaml") if p.stem != "kustomization"
    )


def test_platform_variables_are_platform_settings() -> None:
    fields = {name.upper() for name in PlatformSettings.model_fields}
    assert set(platform_config()) - fields == set()


@pytest.mark.parametrize("service", SERVICES)
def test_service_variables_are_settings_and_commands_are_the_launchers(service: str) -> None:
    prefix = f"{service.upper()}_"
    fields = {prefix + name.upper() for name in settings_class(service).model_fields}
    fields |= {name.upper() for name in PlatformSettings.model_fields}
    fields |= {name.upper() for name in AuditSettings.model_fields}  # the audit routes' (unprefixed)
    found = service_containers(service)
    assert [c["name"] for c in found] == ["api", "worker"]
    for container in found:
        names = {e["name"] for e in container.get("env", [])}
        assert names - fields == set(), f"{service}/{container['name']} sets variables nothing reads"
    api, worker = found
    port = int(resolved_env(api)[f"{prefix}HTTP_PORT"])
    launcher_api = ["python", *api_command(service, port)[1:]]
    assert api["command"] == [("0.0.0.0" if arg == "127.0.0.1" else arg) for arg in launcher_api]
    assert worker["command"] == ["python", *worker_command(service)[1:]]
    assert api["ports"] == [{"name": "http", "containerPort": port}]
    metrics = settings_class(service)(**unprefixed(resolved_env(worker), prefix)).worker_metrics_port
    assert worker["ports"] == [{"name": "metrics", "containerPort": metrics}]


def test_the_orders_api_reaches_every_services_audit_api_through_its_service_for_the_trail() -> None:
    """AUDIT_PEERS of orders-api names each service's Service (the trail reads their audit APIs)."""
    api = service_containers("orders")[0]
    peers = AuditSettings(audit_peers=resolved_env(api)["AUDIT_PEERS"]).peers()
    services = {d["metadata"]["name"]: d for s in SERVICES for d in of_kind(documents(f"{s}.yaml"), "Service")}
    for service, url in peers.items():
        assert url == f"http://{service}", url
        assert [p["port"] for p in services[service]["spec"]["ports"]] == [80]


@pytest.mark.parametrize("service", SERVICES)
def test_production_settings_from_the_manifests_pass_the_production_checks(service: str) -> None:
    """What the manifests give (plus the secrets from the cluster's store) is accepted in production:
    e.g. a real JWT secret, the system clock, the service's own database (vouchers are kept there, P2)."""
    prefix = f"{service.upper()}_"
    for container in service_containers(service):
        env = {**platform_config(), **resolved_env(container)}
        given: dict[str, Any] = {k.lower(): v for k, v in env.items() if k.lower() in PlatformSettings.model_fields}
        platform = PlatformSettings(**given)
        assert (platform.hallmark_env, platform.clock) == ("production", "system")
        settings = settings_class(service)(platform=platform, **unprefixed(env, prefix))
        assert settings.http_host == "0.0.0.0"
        assert settings.dsn == f"postgresql://hallmark:s3cret@hallmark-postgres-rw.hallmark:5432/hallmark_{service}"


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_overlays_validate_against_the_kubernetes_and_operator_schemas(overlay: str) -> None:
    docs = rendered(overlay)
    assert [p for d in docs for p in validator().problems(d)] == []
    kinds = {d["kind"] for d in docs}
    assert {"Kafka", "KafkaNodePool", "KafkaTopic", "Cluster", "Database", "ScaledObject"} <= kinds


def test_secrets_are_only_referenced_in_production() -> None:
    docs = rendered("production")
    assert of_kind(docs, "Secret") == []
    for deployment, container in containers(docs):
        for e in container.get("env", []):
            if "valueFrom" in e:
                ref = e["valueFrom"]["secretKeyRef"]
                assert (ref["name"], ref["key"]) in SECRET_STORE, f"{deployment} reads an unknown secret {ref}"
            else:
                assert "SECRET" not in e["name"] and "@" not in e["value"], f"{deployment}: {e['name']} is a literal"
        assert all("secretRef" not in source for source in container.get("envFrom", []))


def test_the_dev_overlays_secrets_are_refused_in_production() -> None:
    """Development needs values for the secrets; it gets the code's own development defaults, which the
    production checks refuse - no literal in git would start a production service."""
    (secret,) = of_kind(rendered("dev"), "Secret")
    values = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert set(values) == {key for name, key in SECRET_STORE if name == "hallmark-secrets"}
    with pytest.raises(ValueError, match="JWT_SECRET"):
        PlatformSettings(hallmark_env="production", jwt_secret=values["JWT_SECRET"])
    platform = PlatformSettings(hallmark_env="production", jwt_secret=secrets.token_urlsafe(32), jwt_audience="shop")
    dhl, fedex = values["SHIPPING_WEBHOOK_SECRET_DHL"], values["SHIPPING_WEBHOOK_SECRET_FEDEX"]
    with pytest.raises(ValueError, match="SHIPPING_WEBHOOK_SECRET_DHL"):
        ShippingSettings(platform=platform, webhook_secret_dhl=dhl, webhook_secret_fedex="f" * 32)
    with pytest.raises(ValueError, match="SHIPPING_WEBHOOK_SECRET_FEDEX"):
        ShippingSettings(platform=platform, webhook_secret_dhl="d" * 32, webhook_secret_fedex=fedex)


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_images_are_pinned(overlay: str) -> None:
    docs = rendered(overlay)
    images = {c["image"] for _, c in containers(docs)}
    assert len(images) == 1
    (image,) = images
    name, _, tag = image.rpartition(":")
    assert name.endswith("hallmark") and tag and tag != "latest"
    (cluster,) = of_kind(docs, "Cluster")
    assert not cluster["spec"]["imageName"].endswith(":latest")
    (kafka,) = of_kind(docs, "Kafka")
    assert kafka["spec"]["kafka"]["version"].count(".") == 2


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_P2_payments_mounts_no_voucher_volume(overlay: str) -> None:
    """Vouchers are kept in the payments database, so two API replicas on two nodes read the same ones:
    no claim, no volume, no directory setting."""
    docs = rendered(overlay)
    assert [
        d["metadata"]["name"] for d in of_kind(docs, "PersistentVolumeClaim") if "voucher" in d["metadata"]["name"]
    ] == []
    for deployment, container in containers(docs):
        assert all("voucher" not in m["name"] for m in container.get("volumeMounts", [])), deployment
        assert all(e["name"] != "PAYMENTS_VOUCHER_DIR" for e in container.get("env", [])), deployment

"""The Kubernetes manifests say what the code reads: every variable they set is a setting, every
command they run exists, and the production settings they give pass the production checks."""

from __future__ import annotations

import importlib
import importlib.util
import secrets
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.runtime.settings import PlatformSettings, ServiceSettings

BASE = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base"
SERVICES = ["orders", "inventory", "payments", "shipping", "tickets"]
SECRET_STORE: dict[str, dict[str, Any]] = {
    "shipping": {"webhook_secret_dhl": "d" * 32, "webhook_secret_fedex": "f" * 32},  # S3: carriers sign with these
}


def documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((BASE / name).read_text()) if d]


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{service}.settings")
    cls: type[ServiceSettings] = getattr(module, f"{service.capitalize()}Settings")
    return cls


def platform_config() -> dict[str, str]:
    (config,) = [d for d in documents("platform.yaml") if d["kind"] == "ConfigMap"]
    data: dict[str, str] = config["data"]
    return data


def containers(service: str) -> list[dict[str, Any]]:
    return [
        c
        for d in documents(f"{service}.yaml")
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    ]


def test_every_manifest_is_listed_by_the_kustomization() -> None:
    (kustomization,) = documents("kustomization.yaml")
    assert sorted(kustomization["resources"]) == sorted(
        p.name for p in BASE.glob("*.yaml") if p.stem != "kustomization"
    )


def test_platform_variables_are_platform_settings() -> None:
    fields = {name.upper() for name in PlatformSettings.model_fields}
    assert set(platform_config()) - fields == set()


@pytest.mark.parametrize("service", SERVICES)
def test_service_variables_are_settings_and_commands_exist(service: str) -> None:
    prefix = f"{service.upper()}_"
    fields = {prefix + name.upper() for name in settings_class(service).model_fields}
    found = containers(service)
    assert [c["name"] for c in found] == ["api", "worker"]
    for container in found:
        names = {e["name"] for e in container.get("env", [])}
        assert names - fields == set(), f"{service}/{container['name']} sets variables nothing reads"
        command = container["command"]
        if command[0] == "uvicorn":
            module, attribute = command[command.index("--factory") + 1].split(":")
            assert callable(getattr(importlib.import_module(module), attribute))
        else:
            assert command[:2] == ["python", "-m"] and importlib.util.find_spec(command[2]) is not None


@pytest.mark.parametrize("service", SERVICES)
def test_production_settings_from_the_manifests_pass_the_production_checks(service: str) -> None:
    """What the manifests give (plus the secret from the cluster's store) is accepted in production:
    e.g. payments must keep vouchers somewhere that survives a restart."""
    given: dict[str, Any] = {k.lower(): v for k, v in platform_config().items()}
    platform = PlatformSettings(**given, jwt_secret=secrets.token_urlsafe(32))
    assert (platform.hallmark_env, platform.clock) == ("production", "system")
    prefix = f"{service.upper()}_"
    for container in containers(service):
        values = {e["name"][len(prefix) :].lower(): e["value"] for e in container.get("env", [])}
        settings = settings_class(service)(platform=platform, **values, **SECRET_STORE.get(service, {}))
        assert settings.http_host == "0.0.0.0"

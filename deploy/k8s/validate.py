"""Validates the Kubernetes manifests offline, as `make lint` runs it: `python deploy/k8s/validate.py`.

Each overlay is rendered by `kubectl kustomize` (no cluster needed). Every rendered resource of a core
kind is checked against the Kubernetes OpenAPI schemas that the `kubernetes-validate` package ships
(strict: an unknown field fails), for the oldest and newest Kubernetes versions we deploy to; every
resource of an operator's kind (Strimzi, CloudNativePG, KEDA) against its schema in deploy/schemas/.
A kind with no schema fails too. The tests (tests/unit/test_deploy_manifests.py) import this module."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

DEPLOY = Path(__file__).resolve().parents[1]
OVERLAYS = {"dev": DEPLOY / "k8s" / "overlays" / "dev", "production": DEPLOY / "k8s" / "overlays" / "production"}
SCHEMAS = DEPLOY / "schemas"
KUBERNETES_VERSIONS = ("1.31.0", "1.37.0")
"""The oldest and the newest Kubernetes the manifests are meant for."""
OPERATOR_KINDS = {
    ("kafka.strimzi.io/v1", "Kafka"): "kafka.strimzi.io/kafka-v1.json",
    ("kafka.strimzi.io/v1", "KafkaNodePool"): "kafka.strimzi.io/kafkanodepool-v1.json",
    ("kafka.strimzi.io/v1", "KafkaTopic"): "kafka.strimzi.io/kafkatopic-v1.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io/cluster-v1.json",
    ("postgresql.cnpg.io/v1", "Database"): "postgresql.cnpg.io/database-v1.json",
    ("keda.sh/v1alpha1", "ScaledObject"): "keda.sh/scaledobject-v1alpha1.json",
}

Document = dict[str, Any]


def render(overlay: Path) -> list[Document]:
    """The overlay as kustomize builds it (offline)."""
    out = subprocess.run(["kubectl", "kustomize", str(overlay)], check=True, capture_output=True, text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def _schema_dir(version: str) -> Any:
    return files("kubernetes_validate") / "kubernetes-json-schema" / f"v{version}-local-strict"


@cache
def _registry(version: str) -> Registry[Any]:
    definitions = json.loads((_schema_dir(version) / "_definitions.json").read_text())
    return Resource.from_contents(definitions) @ Registry()


@cache
def _core_validator(version: str, api_version: str, kind: str) -> Draft202012Validator | None:
    group, _, api = api_version.rpartition("/")
    name = f"{kind.lower()}-{group.split('.')[0]}-{api}.json" if group else f"{kind.lower()}-{api}.json"
    path = _schema_dir(version) / name
    if not path.is_file():
        return None
    return Draft202012Validator(json.loads(path.read_text()), registry=_registry(version))


@cache
def _operator_validator(api_version: str, kind: str) -> Draft202012Validator | None:
    name = OPERATOR_KINDS.get((api_version, kind))
    if name is None:
        return None
    schema = json.loads((SCHEMAS / name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry(KUBERNETES_VERSIONS[-1]))


def problems(document: Document) -> list[str]:
    """What is wrong with one rendered resource (nothing: an empty list)."""
    api_version, kind = document.get("apiVersion", ""), document.get("kind", "")
    what = f"{kind}/{document.get('metadata', {}).get('name', '?')}"
    operator = _operator_validator(api_version, kind)
    if operator is not None:
        validators = [("operator schema", operator)]
    else:
        validators = []
        for version in KUBERNETES_VERSIONS:
            core = _core_validator(version, api_version, kind)
            if core is None:
                return [f"{what}: no schema for {api_version} {kind} (Kubernetes {version}, deploy/schemas)"]
            validators.append((f"Kubernetes {version}", core))
    found = []
    for against, validator in validators:
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            path = ".".join(str(p) for p in error.absolute_path) or "(resource)"
            found.append(f"{what}: {path}: {error.message} ({against})")
    return found


def main(argv: list[str]) -> int:
    names = argv or sorted(OVERLAYS)
    failed = 0
    for name in names:
        documents = render(OVERLAYS[name])
        found = [p for d in documents for p in problems(d)]
        for problem in found:
            print(f"{name}: {problem}", file=sys.stderr)
        failed += len(found)
        print(f"k8s {name}: {len(documents)} resources, {len(found)} problems")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The Kubernetes manifests as the tests read them: the base files, and each overlay as kustomize renders
it, through deploy/k8s/validate.py (the module `make lint` runs)."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"
Document = dict[str, Any]


@cache
def validator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_k8s_validate", ROOT / "deploy" / "k8s" / "validate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def documents(name: str) -> list[Document]:
    """The documents of one base file."""
    return [d for d in yaml.safe_load_all((BASE / name).read_text()) if d]


@cache
def _rendered(overlay: str) -> tuple[Document, ...]:
    module = validator()
    return tuple(module.render(module.OVERLAYS[overlay]))


def rendered(overlay: str) -> list[Document]:
    """The overlay ('dev' or 'production') as `kubectl kustomize` renders it."""
    return list(_rendered(overlay))


def of_kind(docs: list[Document], kind: str) -> list[Document]:
    return [d for d in docs if d["kind"] == kind]


def named(docs: list[Document], kind: str, name: str) -> Document:
    (found,) = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    return found


def containers(docs: list[Document]) -> list[tuple[str, Document]]:
    """(Deployment name, container) for every container of every Deployment."""
    return [
        (d["metadata"]["name"], c)
        for d in of_kind(docs, "Deployment")
        for c in d["spec"]["template"]["spec"]["containers"]
    ]


def selects(selector: dict[str, str], deployment: Document) -> bool:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(k) == v for k, v in selector.items())

"""Kubernetes on operators: the Kafka, topics, PostgreSQL databases and autoscalers the manifests ask
Strimzi, CloudNativePG and KEDA for are the ones the code expects (topic registry, partition count,
database names, consumer groups), and every service runs as an API and a worker with probes,
resources, a disruption budget and an autoscaler."""

from __future__ import annotations

import importlib
from pathlib import PurePosixPath
from typing import Any

import pytest

from shared.events import PARTITIONS, SERVICES, all_topics
from shared.runtime.settings import PlatformSettings
from shared.runtime.worker import build_worker
from tests.unit.k8s import Document, containers, named, of_kind, rendered, selects

OVERLAYS = ["dev", "production"]
BROKERS = {"dev": 1, "production": 3}
POSTGRES_INSTANCES = {"dev": 1, "production": 3}  # a primary and two replicas in production


def brokers(docs: list[Document]) -> int:
    return sum(p["spec"]["replicas"] for p in of_kind(docs, "KafkaNodePool") if "broker" in p["spec"]["roles"])


def platform_data(docs: list[Document]) -> dict[str, str]:
    (config,) = of_kind(docs, "ConfigMap")
    data: dict[str, str] = config["data"]
    return data


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_is_kraft_on_node_pools_and_the_services_are_given_its_bootstrap(overlay: str) -> None:
    docs = rendered(overlay)
    (kafka,) = of_kind(docs, "Kafka")
    name = kafka["metadata"]["name"]
    pools = of_kind(docs, "KafkaNodePool")
    assert all(p["metadata"]["labels"]["strimzi.io/cluster"] == name for p in pools)
    assert any("controller" in p["spec"]["roles"] for p in pools), "KRaft needs controllers"
    assert brokers(docs) == BROKERS[overlay]
    (plain,) = [listener for listener in kafka["spec"]["kafka"]["listeners"] if listener["type"] == "internal"]
    assert platform_data(docs)["KAFKA_BOOTSTRAP_SERVERS"] == f"{name}-kafka-bootstrap:{plain['port']}"
    config = kafka["spec"]["kafka"]["config"]
    assert config["auto.create.topics.enable"] is False
    assert config["default.replication.factor"] == config["offsets.topic.replication.factor"] == BROKERS[overlay]
    assert config["min.insync.replicas"] == max(BROKERS[overlay] - 1, 1)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_topic_the_code_uses_is_a_kafka_topic_with_the_partitions_it_expects(overlay: str) -> None:
    docs = rendered(overlay)
    (kafka,) = of_kind(docs, "Kafka")
    topics = of_kind(docs, "KafkaTopic")
    assert sorted(t["spec"]["topicName"] for t in topics) == sorted(all_topics())
    for topic in topics:
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert topic["spec"]["partitions"] == PARTITIONS
        assert topic["spec"]["replicas"] == BROKERS[overlay]
        assert topic["spec"]["config"]["min.insync.replicas"] == max(BROKERS[overlay] - 1, 1)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_postgres_has_one_database_per_service_owned_by_the_role_the_services_log_in_as(overlay: str) -> None:
    docs = rendered(overlay)
    (cluster,) = of_kind(docs, "Cluster")
    name = cluster["metadata"]["name"]
    owner = cluster["spec"]["bootstrap"]["initdb"]["owner"]
    databases = of_kind(docs, "Database")
    wanted = []
    for service in SERVICES:
        module = importlib.import_module(f"services.{service}.settings")
        settings = getattr(module, f"{service.capitalize()}Settings")(platform=PlatformSettings())
        wanted.append(PurePosixPath(settings.dsn.split("?")[0]).name)
    assert sorted(d["spec"]["name"] for d in databases) == sorted(wanted)
    assert {(d["spec"]["cluster"]["name"], d["spec"]["owner"]) for d in databases} == {(name, owner)}
    assert {d["spec"]["databaseReclaimPolicy"] for d in databases} == {"retain"}
    assert "DATABASE_URL" not in platform_data(docs)
    for deployment, container in containers(docs):
        (url,) = [e for e in container["env"] if e["name"] == "DATABASE_URL"]
        assert url["valueFrom"]["secretKeyRef"] == {"name": f"{name}-app", "key": "uri"}, deployment
    assert cluster["spec"]["instances"] == POSTGRES_INSTANCES[overlay]


def consumer_group(service: str) -> tuple[str, tuple[str, ...]]:
    """The worker's consumer group (its Faust app id) and the topics it reads, from the real worker."""
    boot = importlib.import_module(f"services.{service}.bootstrap")
    runtime = boot.bootstrap(persistence="memory")
    try:
        return str(build_worker(runtime).conf.id), runtime.consumes
    finally:
        runtime.close()


@pytest.mark.parametrize("service", SERVICES)
def test_workers_scale_on_their_consumer_groups_lag_and_no_further_than_the_partitions(service: str) -> None:
    docs = rendered("production")
    scaled = named(docs, "ScaledObject", f"{service}-worker")
    named(docs, "Deployment", scaled["spec"]["scaleTargetRef"]["name"])
    (trigger,) = scaled["spec"]["triggers"]
    group, topics = consumer_group(service)
    assert topics, f"{service} reads no topic: nothing to scale on"
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["consumerGroup"] == group
    assert trigger["metadata"]["bootstrapServers"] == platform_data(docs)["KAFKA_BOOTSTRAP_SERVERS"]
    assert "topic" not in trigger["metadata"], "the lag of every topic the group reads"
    assert trigger["metadata"]["allowIdleConsumers"] == "false"
    assert 2 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"] == PARTITIONS


@pytest.mark.parametrize("service", SERVICES)
def test_apis_scale_on_cpu(service: str) -> None:
    docs = rendered("production")
    hpa = named(docs, "HorizontalPodAutoscaler", f"{service}-api")
    target = named(docs, "Deployment", hpa["spec"]["scaleTargetRef"]["name"])
    assert target["metadata"]["labels"]["app.kubernetes.io/component"] == "api"
    ((metric,),) = [hpa["spec"]["metrics"]]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"
    (container,) = target["spec"]["template"]["spec"]["containers"]
    assert "cpu" in container["resources"]["requests"], "utilisation is measured against the request"
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_runs_an_api_and_a_worker_with_probes_resources_and_a_disruption_budget(overlay: str) -> None:
    docs = rendered(overlay)
    budgets = of_kind(docs, "PodDisruptionBudget")
    for service in SERVICES:
        for role in ("api", "worker"):
            deployment = named(docs, "Deployment", f"{service}-{role}")
            assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
            (container,) = deployment["spec"]["template"]["spec"]["containers"]
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"]
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
            covering = [b for b in budgets if selects(b["spec"]["selector"]["matchLabels"], deployment)]
            assert len(covering) == 1 and covering[0]["spec"]["maxUnavailable"] == 1
            probes = probe_paths(container)
            if role == "api":
                assert probes == {"startup": "/livez", "liveness": "/livez", "readiness": "/readyz"}
                service_ = named(docs, "Service", service)
                assert selects(service_["spec"]["selector"], deployment)
            else:
                assert probes == {"startup": "/metrics", "liveness": "/metrics"}


def probe_paths(container: dict[str, Any]) -> dict[str, str]:
    return {
        kind: container[f"{kind}Probe"]["httpGet"]["path"]
        for kind in ("startup", "liveness", "readiness")
        if f"{kind}Probe" in container
    }


def test_dev_pods_share_one_manual_clock_file() -> None:
    docs = rendered("dev")
    clock_file = PurePosixPath(platform_data(docs)["CLOCK_FILE"])
    assert platform_data(docs)["CLOCK"] == "manual"
    claims = set()
    for deployment in of_kind(docs, "Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == str(clock_file.parent)]
        (volume,) = [v for v in spec["volumes"] if v["name"] == mount["name"]]
        claims.add(volume["persistentVolumeClaim"]["claimName"])
    assert len(claims) == 1
    named(docs, "PersistentVolumeClaim", claims.pop())

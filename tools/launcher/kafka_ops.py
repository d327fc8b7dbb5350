"""Kafka as ops see it: consumer-group lag per partition and a topic read end to end (Python, for
`hallmark status` and `hallmark stuck`), and Kafka's own command-line tools on the launcher's jars
(`hallmark kafka consume|groups`)."""

from __future__ import annotations

import argparse
import asyncio
import subprocess
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.events import PARTITIONS, SERVICES
from tools.launcher.kafka import ensure_jars, java_command
from tools.launcher.target import target

CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer"
CONSUMER_GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"


async def _groups_lag(bootstrap: str, groups: dict[str, list[str]]) -> dict[str, dict[str, dict[str, int]]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="hallmark-cli", request_timeout_ms=5000)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, client_id="hallmark-cli", request_timeout_ms=5000)
    await admin.start()
    await consumer.start()
    try:
        partitions = sorted({TopicPartition(t, p) for ts in groups.values() for t in ts for p in range(PARTITIONS)})
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        found: dict[str, dict[str, dict[str, int]]] = {}
        for group, topics in groups.items():
            committed = await admin.list_consumer_group_offsets(group)
            found[group] = {}
            for tp in (TopicPartition(t, p) for t in topics for p in range(PARTITIONS)):
                meta = committed.get(tp)
                offset = meta.offset if meta is not None and meta.offset >= 0 else starts[tp]
                found[group][f"{tp.topic}:{tp.partition}"] = {
                    "committed": offset,
                    "end": ends[tp],
                    "lag": max(ends[tp] - offset, 0),
                }
        return found
    finally:
        await consumer.stop()
        await admin.close()


def groups_lag(bootstrap: str, groups: dict[str, list[str]]) -> dict[str, dict[str, dict[str, int]]]:
    """Per group (-> the topics it reads), per `<topic>:<partition>`: the group's committed offset, the
    log end offset and their difference (a partition the group never committed counts from the
    log's start)."""
    return asyncio.run(_groups_lag(bootstrap, groups))


async def _read_topic(bootstrap: str, topic: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, client_id="hallmark-cli", enable_auto_commit=False)
    await consumer.start()
    values: list[bytes] = []
    try:
        partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or range(PARTITIONS))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        waiting = {tp for tp in partitions if ends[tp] > 0}
        while waiting:
            batches = await consumer.getmany(*waiting, timeout_ms=1000, max_records=5000)
            for records in batches.values():
                values += [r.value for r in records if r.value is not None]
            waiting = {tp for tp in waiting if await consumer.position(tp) < ends[tp]}
    finally:
        await consumer.stop()
    return values


def read_topic(bootstrap: str, topic: str) -> list[bytes]:
    """Every message of a topic up to its current end (no consumer group, nothing committed)."""
    return asyncio.run(_read_topic(bootstrap, topic))


# --- `hallmark kafka consume|groups`: Kafka's own tools --------------------------------------------
def run_tool(main_class: str, args: list[str]) -> int:
    """Run one of Kafka's tools from the launcher's jars (`deploy/local/pom.xml`, kafka-tools)."""
    command = [*java_command(ensure_jars(), "-Xmx256m", "-XX:TieredStopAtLevel=1"), main_class, *args]
    return subprocess.run(command).returncode


def cmd_consume(args: argparse.Namespace) -> int:
    stack = target(args.name)
    command = ["--bootstrap-server", stack.bootstrap, "--topic", stack.topic(args.topic)]
    command += ["--property", "print.key=true", "--property", "print.partition=true", "--property", "print.offset=true"]
    if args.from_beginning:
        command.append("--from-beginning")
    if args.max_messages:
        command += ["--max-messages", str(args.max_messages)]
    if args.timeout_ms:
        command += ["--timeout-ms", str(args.timeout_ms)]
    return run_tool(CONSOLE_CONSUMER, command + _strip_dashes(args.extra))


def cmd_groups(args: argparse.Namespace) -> int:
    stack = target(args.name)
    command = ["--bootstrap-server", stack.bootstrap]
    if args.describe is None:
        command.append("--list")
    elif args.describe == "all":
        command += ["--describe", "--all-groups"]
    else:
        group = stack.group(args.describe) if args.describe in SERVICES else args.describe
        command += ["--describe", "--group", group]
    return run_tool(CONSUMER_GROUPS, command + _strip_dashes(args.extra))


def add_parser(sub: Any) -> None:
    kafka = sub.add_parser("kafka", help="Kafka's own tools on the stack's Kafka (console consumer, consumer groups)")
    tools = kafka.add_subparsers(dest="tool", required=True)
    consume = tools.add_parser("consume", help="print a topic's messages (key, partition, offset, value)")
    consume.add_argument("topic", help="e.g. orders.events (the stack's namespace prefix is added)")
    consume.add_argument("--from-beginning", action="store_true")
    consume.add_argument("--max-messages", type=int, help="stop after this many")
    consume.add_argument("--timeout-ms", type=int, help="stop after this long without a message")
    consume.add_argument("extra", nargs=argparse.REMAINDER, help="after --: more ConsoleConsumer options")
    consume.set_defaults(func=cmd_consume)
    groups = tools.add_parser("groups", help="list consumer groups, or describe one (offsets, lag, members)")
    groups.add_argument(
        "--describe", nargs="?", const="all", metavar="GROUP|SERVICE", help="a group, a service's group, or all"
    )
    groups.add_argument("extra", nargs=argparse.REMAINDER, help="after --: more ConsumerGroupCommand options")
    groups.set_defaults(func=cmd_groups)


def _strip_dashes(extra: list[str]) -> list[str]:
    return extra[1:] if extra[:1] == ["--"] else extra

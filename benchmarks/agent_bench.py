"""Faust's agent (as the worker ran it until it consumed below Faust: `take_ready` batches, acks after
each batch) and the worker as it is now (a Faust worker whose own Kafka consumer is not started, an
aiokafka `getmany` loop as its task: `shared.runtime.worker`) against a raw aiokafka consumer reading
the same messages and doing nothing else; each in its own process.

`python -m benchmarks.agent_bench faust|worker|raw BOOTSTRAP TOPIC N` prints {"seconds", "cpu"} from the
first message to the n-th as JSON; `bench_agent` runs each three times and prints the medians."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks.measure import Run, repeat, report
from shared.events import PARTITIONS


class Counter:
    def __init__(self, n: int) -> None:
        self.n, self.seen = n, 0
        self.wall0 = self.cpu0 = 0.0

    def add(self, k: int) -> None:
        if not self.seen:
            self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        self.seen += k
        if self.seen >= self.n:
            result = {"seconds": time.perf_counter() - self.wall0, "cpu": time.process_time() - self.cpu0}
            os.write(1, (json.dumps(result) + "\n").encode())  # Faust redirects sys.stdout to its log
            os._exit(0)  # no orderly shutdown to wait for


def run_faust(bootstrap: str, topic: str, n: int) -> None:
    import faust

    from benchmarks.take_ready import take_ready

    app = faust.App(
        "bench-agent-" + secrets.token_hex(3),
        broker=f"kafka://{bootstrap}",
        web_enabled=False,
        topic_allow_declare=False,
        topic_disable_leader=True,
        topic_partitions=PARTITIONS,
        store="memory://",
        datadir=tempfile.mkdtemp(prefix="agent-", dir=os.environ.get("BENCH_AGENT_DATADIR")),
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
    )
    source = app.topic(topic, value_serializer="raw", key_serializer="raw", partitions=PARTITIONS)
    counter = Counter(n)

    @app.agent(source)
    async def count(stream: Any) -> None:
        async for events in take_ready(stream, 200):
            counter.add(len(events))

    sys.argv = [sys.argv[0], "worker", "-l", "warn", "--without-web", "--logfile", "/dev/null"]
    app.main()


def run_worker_shape(bootstrap: str, topic: str, n: int) -> None:
    from shared.runtime.worker import WorkerApp

    app = WorkerApp(
        "bench-worker-" + secrets.token_hex(3),
        broker=f"kafka://{bootstrap}",
        web_enabled=False,
        store="memory://",
        datadir=tempfile.mkdtemp(prefix="worker-", dir=os.environ.get("BENCH_AGENT_DATADIR")),
    )

    @app.task
    async def intake() -> None:
        await run_raw(bootstrap, topic, n)

    sys.argv = [sys.argv[0], "worker", "-l", "warn", "--without-web", "--logfile", "/dev/null"]
    app.main()


async def run_raw(bootstrap: str, topic: str, n: int) -> None:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id="bench-raw-" + secrets.token_hex(3), auto_offset_reset="earliest"
    )
    await consumer.start()
    counter = Counter(n)
    while True:
        batches = await consumer.getmany(timeout_ms=1000, max_records=200)
        for records in batches.values():
            counter.add(len(records))
        if batches:
            await consumer.commit()


def bench_agent(bootstrap: str, topic: str, n: int, loop: str) -> dict[str, float]:
    """Both sides on the event loop the worker uses (`loop`: asyncio or uvloop)."""

    def measure(kind: str) -> Run:
        cmd = [sys.executable, "-m", "benchmarks.agent_bench", kind, bootstrap, topic, str(n)]
        with tempfile.TemporaryDirectory(prefix="bench-agent-") as datadir:  # the child exits without tidying
            env = {**os.environ, "BENCH_AGENT_LOOP": loop, "BENCH_AGENT_DATADIR": datadir}
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=True)
        result = json.loads(next(line for line in done.stdout.splitlines() if line.startswith('{"seconds"')))
        return Run(n, result["seconds"], result["cpu"])

    print(f"consuming {n} messages on {loop}, nothing applied (Faust's overhead on its own)")
    agent, worker = repeat(lambda _: measure("faust")), repeat(lambda _: measure("worker"))
    baseline = repeat(lambda _: measure("raw"))
    raw = "raw aiokafka consumer (getmany)"
    return {
        "agent": report("Faust agent (take_ready, ack per batch)", agent, raw, baseline, 0.5),
        "worker": report("Faust worker, getmany intake as its task (the workers now)", worker, raw, baseline, 0.5),
    }


if __name__ == "__main__":
    if os.environ.get("BENCH_AGENT_LOOP", "uvloop") == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    kind, server, name, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if kind == "faust":
        run_faust(server, name, count)
    elif kind == "worker":
        run_worker_shape(server, name, count)
    else:
        asyncio.run(run_raw(server, name, count))

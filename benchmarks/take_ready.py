"""Batches from a Faust stream without waiting for them to fill: how the workers consumed before they
read below Faust (`shared/runtime/intake.py`), kept for `agent_bench`'s comparison.

Faust's `Stream.take_events(n, within=t)` hands over a batch when n events arrived or t seconds
passed, so at low load every message waits up to t. `take_ready` hands over whatever has arrived as
soon as anything has: one message at idle, larger batches under load (the next batch gathers while
the current one is applied), at most `max_batch` at a time. Events are acknowledged only after the
batch was applied, so an offset is never committed for a message that was not recorded.

It relies on the stream's processor hook and passive iteration (faust-streaming 0.15, pinned).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any


async def take_ready(stream: Any, max_batch: int) -> AsyncIterator[list[Any]]:
    arrived: list[Any] = []
    ready = asyncio.Event()  # something has arrived
    room = asyncio.Event()  # the buffer may grow
    room.set()

    async def gather(value: Any) -> Any:
        arrived.append(stream.current_event)
        ready.set()
        if len(arrived) >= max_batch:
            room.clear()
            await stream.wait(room)  # hold the stream back until this batch is taken
        return value

    stream.enable_acks = False  # acknowledged below, after the batch was applied
    stream.add_processor(gather)
    stream._enable_passive(aiter(stream.channel))
    while not stream.should_stop:
        await stream.wait_for_stopped(ready)
        batch = arrived[:max_batch]
        del arrived[: len(batch)]
        if not arrived:
            ready.clear()
        room.set()
        if not batch:
            continue
        try:
            yield batch
        finally:
            for event in batch:
                await stream.ack(event)

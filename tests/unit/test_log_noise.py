"""Outages are logged, not shouted: a follower logs one line per failed attempt (no traceback), backs
off exponentially up to a cap and logs one summary when it recovers, without sending anything twice;
repeated warnings (a client retrying a broker that is down) are let through once per interval."""

from __future__ import annotations

import asyncio
import email
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from services.orders.adapters.mail import confirmation_mailer
from services.orders.settings import OrdersSettings
from shared.runtime.follower import LogFollower, MemoryPositions
from shared.runtime.logs import RepeatFilter
from shared.runtime.settings import PlatformSettings
from tests.unit.orders.scenario import Scenario
from tests.unit.shipping.test_contracts_and_mail import free_port
from tools.launcher.mailsink import KeepOnDisk


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(msg: str, *args: object, level: int = logging.WARNING, name: str = "aiokafka") -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_a_repeated_warning_is_let_through_once_per_interval_and_says_how_many_were_held() -> None:
    clock = Clock()
    repeat = RepeatFilter(10.0, clock)
    passed = []
    for tick in range(500):  # 50 connection errors a second for 10 s, two kinds, and an info line each
        clock.now = tick / 50
        for msg in ("Unable connect to node with id %s: %s", "Unable to update metadata from %r"):
            r = record(msg, 1, "refused")
            if repeat.filter(r):
                passed.append(r)
        assert repeat.filter(record("consumed %s", tick, level=logging.INFO))  # below warning: all
    assert len(passed) == 2 and all(not hasattr(r, "repeated") for r in passed)
    clock.now = 10.0  # the next interval: one each, carrying what was held back
    later = [r for r in (record("Unable connect to node with id %s: %s", 1, "x"),) if repeat.filter(r)]
    assert [r.repeated for r in later] == [499]  # type: ignore[attr-defined]
    assert not repeat.filter(record("Unable connect to node with id %s: %s", 1, "x"))
    assert RepeatFilter(0.0, clock).filter(record("anything"))  # 0: every one


@pytest.fixture
def sink(tmp_path: Path) -> tuple[Controller, int, Path]:
    port = free_port()
    return Controller(KeepOnDisk(tmp_path), hostname="127.0.0.1", port=port), port, tmp_path


def confirmed_orders(port: int, count: int) -> Scenario:
    """`count` orders confirmed (stock reserved, paid): each is to be e-mailed once (O6)."""
    s = Scenario()
    s.runtime.settings = OrdersSettings(platform=PlatformSettings(smtp_port=port))
    for _ in range(count):
        order_id = s.place([("RING-STEEL-PEARL", 12)])
        s.reserve(order_id, ("RING-STEEL-PEARL", 12, 12))
        s.pay(order_id, 12 * 450)
        assert s.order(order_id).status == "Confirmed"
    return s


def test_O6_an_smtp_outage_is_one_line_per_attempt_backing_off_and_one_summary_and_nothing_twice(
    sink: tuple[Controller, int, Path], caplog: pytest.LogCaptureFixture
) -> None:
    controller, port, inbox = sink
    s = confirmed_orders(port, 2)
    follower = LogFollower(s.app, "orders", "confirmation-mail", confirmation_mailer(s.runtime), MemoryPositions())
    follower.max_backoff = 0.08
    stop = asyncio.Event()

    async def scenario() -> None:
        task = asyncio.create_task(follower.run(stop, 0.01, lambda: True))
        await polled(lambda: sum(r.msg == "follower step failed; retrying" for r in caplog.records) >= 6)
        controller.start()  # SMTP is back
        await polled(lambda: len(list(inbox.glob("*.eml"))) == 2 and "follower recovered" in caplog.messages)
        stop.set()
        await task

    with caplog.at_level(logging.INFO, logger="hallmark"):
        asyncio.run(asyncio.wait_for(scenario(), 30))
    controller.stop()
    failed = [r for r in caplog.records if r.msg == "follower step failed; retrying"]
    assert len(failed) >= 6 and all(r.exc_info is None for r in failed)  # one line each, no traceback
    assert [r.retry_in_s for r in failed[:6]] == [0.01, 0.02, 0.04, 0.08, 0.08, 0.08]  # type: ignore[attr-defined]
    assert "ConnectionRefusedError" in failed[0].error  # type: ignore[attr-defined]
    (recovered,) = [r for r in caplog.records if r.msg == "follower recovered"]
    assert recovered.failures == len(failed)  # type: ignore[attr-defined]
    ids = sorted(email.message_from_bytes(p.read_bytes())["Message-ID"] for p in inbox.glob("*.eml"))
    assert len(ids) == 2 and len(set(ids)) == 2


async def polled(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not reached in time")


class FailingOnce(MemoryPositions):
    """The position write right after a send fails once, as when PostgreSQL stops right then."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at
        self.failed = False

    def write(self, name: str, position: int) -> None:
        if position == self.at and not self.failed:
            self.failed = True
            raise ConnectionResetError("server closed the connection unexpectedly")
        super().write(name, position)


def test_O6_an_email_sent_before_the_position_write_failed_is_not_sent_again(
    sink: tuple[Controller, int, Path],
) -> None:
    controller, port, inbox = sink
    s = confirmed_orders(port, 3)
    controller.start()
    try:
        notifications = s.app.recorder.select_notifications(start=1, limit=1000)
        first = next(n.id for n in notifications if n.topic.endswith("Order.Confirmed"))
        mailer = confirmation_mailer(s.runtime)
        follower = LogFollower(s.app, "orders", "confirmation-mail", mailer, FailingOnce(at=first))
        with pytest.raises(ConnectionResetError):
            follower.step()
        assert len(list(inbox.glob("*.eml"))) == 1
        while follower.step():
            pass
    finally:
        controller.stop()
    ids = [email.message_from_bytes(p.read_bytes())["Message-ID"] for p in inbox.glob("*.eml")]
    assert len(ids) == 3 and len(set(ids)) == 3


def test_an_outage_is_a_503_handled_by_the_app_not_a_traceback_in_the_servers_log() -> None:
    """Found by the fault suite: during a PostgreSQL restart, orders' API answered 503 but the error also
    went on to uvicorn, which logged 'Exception in ASGI application' with the traceback."""
    import eventsourcing.persistence as es
    import httpx
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from shared.runtime.http.problems import install
    from shared.runtime.logs import is_outage

    api = FastAPI()
    install(api, {})

    @api.get("/down")
    async def down() -> None:
        raise es.OperationalError("server closed the connection unexpectedly")

    @api.get("/bug")
    async def bug() -> None:
        raise ZeroDivisionError("a bug")

    with TestClient(api, raise_server_exceptions=True) as client:  # anything re-raised to the server raises here
        answer = client.get("/down")
        assert (answer.status_code, answer.json()["errors"][0]["rule"]) == (503, "unavailable")
        with pytest.raises(ZeroDivisionError):
            client.get("/bug")  # a bug still reaches the server's log with its traceback
    peer_down = httpx.HTTPStatusError("503", request=httpx.Request("POST", "http://x"), response=httpx.Response(503))
    peer_bug = httpx.HTTPStatusError("500", request=httpx.Request("POST", "http://x"), response=httpx.Response(500))
    assert (is_outage(peer_down), is_outage(peer_bug), is_outage(httpx.ConnectError("refused"))) == (True, False, True)

"""The e-mail path at less CPU per message: one SMTP connection kept across messages (replaced when the
server dropped it, without sending a message twice), messages rendered straight to bytes, followers
woken by the relay instead of polling, the timer loop told of sooner deadlines, the intake waiting
longer when idle."""

from __future__ import annotations

import asyncio
import email
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from services.orders.adapters.mail import confirmation_mailer
from shared.runtime.clock import SystemClock
from shared.runtime.follower import LogFollower, MemoryPositions
from shared.runtime.mail import Mail, SmtpSender
from shared.runtime.timers import TimerService
from tests.unit.orders.scenario import Scenario
from tests.unit.shipping.test_contracts_and_mail import free_port
from tests.unit.test_log_noise import confirmed_orders, polled
from tools.launcher.mailsink import KeepOnDisk


def inbox_of(directory: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(directory.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def mail(n: int, **changes: str) -> Mail:
    fields = {
        "sender": "orders@hallmark.example",
        "to": "ana@example.com",
        "subject": f"Order {n}",
        "message_id": f"<m{n}@hallmark>",
        "body": f"Dear customer,\n\n.a line starting with a dot\nline {n}\n",
    }
    return Mail(**{**fields, **changes})


def test_O6_one_smtp_connection_carries_many_messages_and_a_dropped_one_is_replaced_sending_nothing_twice(
    tmp_path: Path,
) -> None:
    port = free_port()
    controller = Controller(KeepOnDisk(tmp_path), hostname="127.0.0.1", port=port)
    controller.start()
    sender = SmtpSender("127.0.0.1", port)
    try:
        for n in range(5):
            sender.send(mail(n))
        assert sender.connections == 1
        controller.stop()  # the server goes away, dropping the kept connection
        controller = Controller(KeepOnDisk(tmp_path), hostname="127.0.0.1", port=port)
        controller.start()
        sender.send(mail(5))  # found dead at MAIL FROM: sent on a new connection, once
        assert sender.connections == 2
    finally:
        sender.close()
        controller.stop()
    with pytest.raises(OSError):  # a fresh connection that fails is the follower's to retry
        sender.send(mail(6))
    received = inbox_of(tmp_path)
    assert [m["Message-ID"] for m in received] == [f"<m{n}@hallmark>" for n in range(6)]
    assert received[0].get_content().replace("\r\n", "\n") == "Dear customer,\n\n.a line starting with a dot\nline 0\n"


def test_O6_a_message_is_rendered_directly_when_ascii_and_encoded_by_the_email_package_otherwise() -> None:
    plain = email.message_from_bytes(mail(1).as_bytes(), policy=default)
    assert isinstance(plain, EmailMessage)
    assert (plain["From"], plain["To"], plain["Subject"], plain["Message-ID"]) == (
        "orders@hallmark.example",
        "ana@example.com",
        "Order 1",
        "<m1@hallmark>",
    )
    assert plain.get_content_type() == "text/plain" and plain["Date"]
    accented = mail(2, subject="Pedido de Peña", body="Señora Peña,\n")
    parsed = email.message_from_bytes(accented.as_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    assert (parsed["Subject"], parsed.get_content()) == ("Pedido de Peña", "Señora Peña,\r\n")
    with pytest.raises(ValueError):  # no header injection through a customer's address
        mail(3, to="ana@example.com\r\nBcc: all@example.com").as_bytes()


def test_O6_a_woken_follower_mails_at_once_and_an_idle_one_does_not_poll(tmp_path: Path) -> None:
    port = free_port()
    controller = Controller(KeepOnDisk(tmp_path), hostname="127.0.0.1", port=port)
    controller.start()
    s = confirmed_orders(port, 2)
    mailer = confirmation_mailer(s.runtime)
    follower = LogFollower(s.app, "orders", "confirmation-mail", mailer, MemoryPositions())
    steps = []
    step = follower.step

    def counted() -> int:
        steps.append(1)
        return step()

    follower.step = counted  # type: ignore[method-assign]
    stop, wake = asyncio.Event(), asyncio.Event()

    async def scenario() -> None:
        task = asyncio.create_task(follower.run(stop, 0.01, lambda: True, wake, idle_poll=600))
        await polled(lambda: len(list(tmp_path.glob("*.eml"))) == 2)  # the first step, at start
        for _ in range(2):
            confirm_one(s)
        await asyncio.sleep(0.3)  # not woken: no step (it would have stepped ~30 times polling)
        assert len(steps) == 1
        wake.set()  # the relay moved past new events
        await polled(lambda: len(list(tmp_path.glob("*.eml"))) == 4)
        stop.set()
        await task

    try:
        asyncio.run(asyncio.wait_for(scenario(), 30))
    finally:
        controller.stop()
    assert len(steps) == 2
    assert len({m["Message-ID"] for m in inbox_of(tmp_path)}) == 4


def confirm_one(s: Scenario) -> None:
    order_id = s.place([("RING-STEEL-PEARL", 12)])
    s.reserve(order_id, ("RING-STEEL-PEARL", 12, 12))
    s.pay(order_id, 12 * 450)


def test_X1_the_timer_loop_is_woken_only_for_a_deadline_sooner_than_it_knew_of() -> None:
    timers = TimerService(app=None, clock=SystemClock(), handlers={}, dsn="")
    now = datetime.now(UTC)
    timers.next_due = now + timedelta(hours=1)
    timers.scheduled(now + timedelta(hours=2))  # in the relay's transaction
    timers.indexed()  # committed
    assert not timers.wake.is_set() and timers.next_due == now + timedelta(hours=1)
    timers.scheduled(now + timedelta(hours=3))
    timers.scheduled(now + timedelta(minutes=5))
    timers.indexed()
    assert timers.wake.is_set() and timers.next_due == now + timedelta(minutes=5)
    assert 299 < timers._until_next(idle_poll=600) <= 300
    assert timers._until_next(idle_poll=10) == 10


def test_the_intake_waits_for_messages_until_a_commit_is_due_and_long_when_nothing_is_to_commit() -> None:
    from aiokafka import TopicPartition

    from shared.runtime.intake import Intake

    async def waits() -> list[int]:
        intake = Intake(None, None, "127.0.0.1:1", "g", ("t",), commit_interval=1.0, idle_wait=10.0)  # type: ignore[arg-type]
        found = [intake.wait_ms()]
        intake.pending[TopicPartition("t", 0)] = 5
        intake.committed_at = time.monotonic()
        found.append(intake.wait_ms())
        intake.committed_at -= 5
        found.append(intake.wait_ms())
        return found

    idle, soon, due = asyncio.run(waits())
    assert (idle, due) == (10_000, 0) and 900 <= soon <= 1000

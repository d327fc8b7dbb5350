"""Structured JSON logs carrying the correlation id of the request or message being handled."""

from __future__ import annotations

import json
import logging
import smtplib
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id_var: ContextVar[str | None] = ContextVar("causation_id", default=None)

_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        cid = correlation_id_var.get()
        if cid:
            entry["correlation_id"] = cid
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def outage_types() -> tuple[type[Exception], ...]:
    """The errors that mean a part we depend on is unreachable (PostgreSQL, Kafka, SMTP, a peer API)."""
    import aiokafka.errors
    import eventsourcing.persistence as es
    import httpx
    import psycopg
    import psycopg_pool

    return (
        OSError,
        smtplib.SMTPException,
        psycopg.OperationalError,
        psycopg.InterfaceError,
        psycopg_pool.PoolTimeout,
        es.OperationalError,
        es.InterfaceError,
        es.ConnectionUnavailableError,
        aiokafka.errors.KafkaConnectionError,
        aiokafka.errors.KafkaTimeoutError,
        aiokafka.errors.NodeNotReadyError,
        aiokafka.errors.RequestTimedOutError,
        httpx.TransportError,
    )


def is_outage(exc: BaseException) -> bool:
    """A part we depend on is unreachable (PostgreSQL, Kafka, SMTP, a peer API answering 502/503/504):
    worth one line, not a traceback."""
    import httpx

    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in (502, 503, 504)
    return isinstance(exc, outage_types())


def log_failure(logger: logging.Logger, message: str, exc: BaseException, **extra: Any) -> None:
    """One warning line with the error for an outage; the traceback for anything else (a bug)."""
    logger.warning(message, exc_info=None if is_outage(exc) else exc, extra={"error": repr(exc), **extra})


class RepeatFilter(logging.Filter):
    """At most one record per (logger, message template) every `interval` seconds, for warnings and
    above: while Kafka or PostgreSQL is down, clients retry many times a second and would log each
    attempt. The next record let through carries `repeated`: how many like it were held back."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self.seen: dict[tuple[str, str], list[float]] = {}
        """key -> [when one was last let through, how many were held back since]."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or self.interval <= 0:
            return True
        key, now = (record.name, str(record.msg)), self.clock()
        state = self.seen.get(key)
        if state is not None and now - state[0] < self.interval:
            state[1] += 1
            return False
        if state is not None and state[1]:
            record.repeated = int(state[1])
        self.seen[key] = [now, 0]
        return True


def configure_logging(service: str, level: str = "INFO", repeat_interval: float = 10.0) -> None:
    """Route every logger (ours, uvicorn's, faust's, aiokafka's) through one JSON handler, with
    repeated warnings held back (`RepeatFilter`; 0 lets every one through)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(RepeatFilter(repeat_interval))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "faust", "aiokafka", "mode"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    logging.getLogger("aiokafka").setLevel("WARNING")
    logging.getLogger("uvicorn.access").setLevel("WARNING")

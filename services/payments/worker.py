"""Payments worker: `python -m services.payments.worker` (Faust CLI arguments accepted)."""

from __future__ import annotations

from services.payments.bootstrap import bootstrap
from shared.runtime.logs import configure_logging
from shared.runtime.worker import run_worker


def main() -> None:
    runtime = bootstrap()
    configure_logging("payments", runtime.settings.platform.log_level)
    run_worker(runtime)


if __name__ == "__main__":
    main()

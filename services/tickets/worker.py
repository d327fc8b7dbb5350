"""Tickets worker: `python -m services.tickets.worker` (Faust CLI arguments accepted)."""

from __future__ import annotations

from services.tickets.bootstrap import bootstrap
from shared.runtime.logs import configure_logging
from shared.runtime.worker import run_worker


def main() -> None:
    runtime = bootstrap()
    configure_logging("tickets", runtime.settings.platform.log_level)
    run_worker(runtime)


if __name__ == "__main__":
    main()

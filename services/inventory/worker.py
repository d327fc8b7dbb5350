"""Inventory worker: `python -m services.inventory.worker` (Faust CLI arguments accepted)."""

from __future__ import annotations

from services.inventory.bootstrap import bootstrap
from shared.runtime.logs import configure_logging
from shared.runtime.worker import run_worker


def main() -> None:
    runtime = bootstrap()
    configure_logging("inventory", runtime.settings.platform.log_level)
    run_worker(runtime)


if __name__ == "__main__":
    main()

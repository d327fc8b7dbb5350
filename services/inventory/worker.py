"""Inventory worker: `python -m services.inventory.worker` (Faust CLI arguments accepted)."""

from services.inventory.bootstrap import bootstrap
from shared.runtime.worker import service_worker

main = service_worker(bootstrap)

if __name__ == "__main__":
    main()

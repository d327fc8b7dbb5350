"""Shipping worker: `python -m services.shipping.worker` (Faust CLI arguments accepted)."""

from services.shipping.bootstrap import bootstrap
from shared.runtime.worker import service_worker

main = service_worker(bootstrap)

if __name__ == "__main__":
    main()

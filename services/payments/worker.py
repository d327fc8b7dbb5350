"""Payments worker: `python -m services.payments.worker` (Faust CLI arguments accepted)."""

from services.payments.bootstrap import bootstrap
from shared.runtime.worker import service_worker

main = service_worker(bootstrap)

if __name__ == "__main__":
    main()

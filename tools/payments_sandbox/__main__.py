"""Run the sandbox gateway: `python -m tools.payments_sandbox --host 127.0.0.1 --port 8090`."""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

import uvicorn

from tools.payments_sandbox.app import create_app


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve the gateway until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m tools.payments_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--data-dir", type=Path, help="where the gateway keeps its state (default: a new temp dir)")
    parser.add_argument("--slow-seconds", type=float, default=2.0, help="delay of the slow test card 4000000000000119")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    args = parser.parse_args(argv)
    data_dir: Path = args.data_dir or Path(tempfile.mkdtemp(prefix="hallmark-sandbox-"))
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("hallmark.sandbox").info("sandbox gateway keeps its state in %s", data_dir)
    app = create_app(data_dir, args.slow_seconds)
    # no access log (the gateway logs each capture and refund itself); uvloop and httptools: a stand-in
    # for the card provider should not cost the machine what the shop's own processes need
    uvicorn.run(
        app, host=args.host, port=args.port, log_level=args.log_level, access_log=False, loop="uvloop", http="httptools"
    )


if __name__ == "__main__":
    main()

"""Run the sandbox carrier: `python -m tools.carrier_sandbox --host 127.0.0.1 --port 8091
--shipping-url http://127.0.0.1:8004 --secret DHL=... --secret FedEx=...` (a bare `--secret S`
signs for both carriers)."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from shared.runtime.clock import make_clock
from tools.carrier_sandbox.app import CARRIER_BY_PREFIX, create_app

CARRIERS = sorted(CARRIER_BY_PREFIX.values())


def parse_secrets(values: list[str]) -> dict[str, str]:
    """`DHL=s1`, `FedEx=s2`, or one bare secret for every carrier."""
    secrets: dict[str, str] = {}
    for value in values:
        carrier, sep, secret = value.partition("=")
        if sep and carrier in CARRIERS:
            secrets[carrier] = secret
        else:
            secrets.update(dict.fromkeys(CARRIERS, value))
    missing = [c for c in CARRIERS if not secrets.get(c)]
    if missing:
        raise SystemExit(f"--secret: no secret for {', '.join(missing)}")
    return secrets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.carrier_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--shipping-url", default="http://127.0.0.1:8004")
    parser.add_argument("--secret", action="append", required=True, help="CARRIER=SECRET (repeat), or SECRET")
    parser.add_argument("--clock-file", help="the stack's manual clock file (timestamps then agree with shipping)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    clock = make_clock("manual" if args.clock_file else "system", args.clock_file)
    app = create_app(args.shipping_url, parse_secrets(args.secret), clock)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()

"""A local SMTP sink (aiosmtpd) that keeps every message on disk, one .eml file each.

`python -m tools.launcher.mailsink --port 8025 --dir DIR`; `hallmark mail` lists what arrived."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class KeepOnDisk:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{time.time_ns()}.eml"
        tmp = self.directory / f".{name}"
        tmp.write_bytes(envelope.original_content or envelope.content)
        tmp.rename(self.directory / name)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(KeepOnDisk(directory), hostname=args.host, port=args.port)
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()

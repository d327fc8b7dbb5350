"""The services' APIs the audit benchmark talks to: in a thread of its own process (beside the
runtime it built) or each in its own process, as `make up` and a deployment run them."""

from __future__ import annotations

import importlib
import threading
import time
from typing import Any

import httpx
import uvicorn

from tools.launcher.stack import Stack


def serve(runtime: Any, port: int) -> uvicorn.Server:
    api = importlib.import_module(f"services.{runtime.name}.api").create_app(runtime)
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return server


def api_process(stack: Stack, service: str) -> str:
    """The service's API started in its own process (as `make up` runs it); its URL once it answers."""
    return api_processes(stack, [service])[service]


def api_processes(stack: Stack, services: list[str]) -> dict[str, str]:
    """The services' APIs started at once, each in its own process; their URLs once they answer."""
    for service in services:
        stack.start_api(service)
    deadline = time.monotonic() + 90
    urls = {service: stack.url(service) for service in services}
    for service, url in urls.items():
        while True:
            try:
                if httpx.get(f"{url}/livez", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{service}'s API did not start")
            time.sleep(0.2)
    return urls

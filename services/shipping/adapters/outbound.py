"""Shipping domain events -> integration events on `shipping.events`."""

from __future__ import annotations

from typing import Any

from shared.runtime.translate import Outbound


def translate(domain_event: Any) -> Outbound | None:
    return None

"""How the tickets service reacts to other services' events (none yet)."""

from __future__ import annotations

from typing import Any

POLICIES: dict[str, Any] = {}
TIMERS: dict[str, Any] = {}

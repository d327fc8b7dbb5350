"""The small demo catalogue `make up` seeds (prices in minor units, USD)."""

from __future__ import annotations

from typing import Any

DEMO_CATALOGUE: list[dict[str, Any]] = [
    {
        "code": "RING-STEEL-PEARL",
        "name": "Stainless steel ring with freshwater pearl",
        "unit_price_minor": 450,
        "currency": "USD",
        "moq": 12,
        "weight_grams": 6,
        "on_hand": 600,
    },
    {
        "code": "EAR-RESIN-HOOP",
        "name": "Resin hoop earrings, pair",
        "unit_price_minor": 320,
        "currency": "USD",
        "moq": 24,
        "weight_grams": 8,
        "on_hand": 1200,
    },
    {
        "code": "NECK-ZIRC-PEND",
        "name": "Zirconia pendant necklace, 45 cm",
        "unit_price_minor": 780,
        "currency": "USD",
        "moq": 6,
        "weight_grams": 12,
        "on_hand": 300,
    },
    {
        "code": "BRAC-STEEL-CHAIN",
        "name": "Stainless steel chain bracelet",
        "unit_price_minor": 510,
        "currency": "USD",
        "moq": 10,
        "weight_grams": 15,
        "on_hand": 20,
    },
]

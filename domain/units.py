"""Unit conversion: the database stores SI units, the API speaks the caller's."""

from __future__ import annotations

from decimal import Decimal

KG_PER_LB = 0.45359237


def kg_to(value_kg: float | Decimal | None, unit: str) -> float | None:
    if value_kg is None:
        return None
    value = float(value_kg)
    return round(value / KG_PER_LB, 2) if unit == "lb" else round(value, 3)


def to_kg(value: float | None, unit: str) -> float | None:
    if value is None:
        return None
    return value * KG_PER_LB if unit == "lb" else value

"""Money is integer cents everywhere; these helpers parse and format euros exactly."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"^\s*([+-]?)\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*(?:€|EUR)?\s*$", re.IGNORECASE)


class AmountError(ValueError):
    """A text that is not an amount in euros."""


def parse_euros(text: str) -> int:
    """'12,50' / '12.5' / '-3' / '4,00 €' -> cents. Refuses thousands separators and >2 decimals."""
    m = _AMOUNT.match(text or "")
    if not m:
        raise AmountError(f"not an amount in euros: {text!r}")
    sign, units, frac = m.groups()
    cents = int(units) * 100 + int((frac or "0").ljust(2, "0"))
    return -cents if sign == "-" else cents


def euros_to_cents(value: Decimal | str) -> int:
    try:
        d = Decimal(value)
    except InvalidOperation as exc:
        raise AmountError(f"not an amount: {value!r}") from exc
    cents = d * 100
    if cents != cents.to_integral_value():
        raise AmountError(f"more than two decimals: {value!r}")
    return int(cents)


def format_euros(cents: int, lang: str = "fr") -> str:
    """1234 -> '12,34 €' (fr) or '€12.34' (en). Negative amounts keep their sign."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    if lang == "en":
        return f"{sign}€{units:,}.{rest:02d}"
    grouped = f"{units:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d}\u00a0€"

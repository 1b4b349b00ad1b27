"""Swedish number formats: the study's one way to write a number in text, tables and figures.

Swedish conventions (Språkrådet, SCB): a space as thousands separator (the no-break space U+00A0, so a number
never wraps), a decimal comma, the minus sign U+2212, and a space before the percent sign. These machines
have no Swedish locale, so formatting goes through ``babel``. A value that rounds to zero is written without
a sign (never "−0" or "−0,0").

This module sits at the bottom of the data flow so every layer (population, workforce, cooperation, plots,
reports) can use it.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from babel.numbers import format_decimal

LOCALE = "sv_SE"
MINUS = "\u2212"
NBSP = "\u00a0"
#: Written for a missing value (the Swedish table convention for "no data").
MISSING = "–"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_number(value: float | None, decimals: int = 0) -> str:
    """Format a number the Swedish way: ``12345.6`` → ``'12 345,6'`` (no-break space, decimal comma).

    Missing values give an en dash; infinite values raise ``ValueError`` (a report must never show ∞).
    """
    if _missing(value):
        return MISSING
    number = float(value)
    if math.isinf(number):
        raise ValueError(f"cannot format an infinite number ({value!r}) for a report")
    rounded = round(number, decimals)
    if rounded == 0:
        rounded = 0.0  # drop the sign of a negative zero ("−0" is not a Swedish number)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(rounded, format=pattern, locale=LOCALE)
    return text.replace("\u2212", MINUS).replace("-", MINUS)


def fmt_percent(share: float | None, decimals: int = 1) -> str:
    """Format a share (0.123) as a Swedish percentage: ``'12,3 %'``."""
    if _missing(share):
        return MISSING
    return f"{fmt_number(100 * float(share), decimals)}{NBSP}%"


def fmt_signed(value: float | None, decimals: int = 0) -> str:
    """A change with its sign: ``'+1 234'``, ``'−56'``, ``'0'``."""
    if _missing(value):
        return MISSING
    text = fmt_number(value, decimals)
    return text if text.startswith(MINUS) or round(float(value), decimals) == 0 else "+" + text


def fmt_general(value: float, significant: int = 4) -> str:
    """A number with up to ``significant`` significant digits, Swedish style (assumption values: 0,85; 1,05)."""
    if _missing(value):
        return MISSING
    number = float(value)
    if number == 0:
        return "0"
    decimals = max(0, significant - 1 - math.floor(math.log10(abs(number))))
    text = fmt_number(number, decimals)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text

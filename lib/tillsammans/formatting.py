"""Swedish number formats: the study's one way to write a number in text, tables and figures.

Swedish conventions (Språkrådet, SCB): a space as thousands separator (the no-break space U+00A0, so a number
never wraps), a decimal comma, the minus sign U+2212, and a space before the percent sign. These machines
have no Swedish locale, so the digits come from Python's own formatting with the Swedish symbols put in
(what ``babel``'s ``sv_SE`` pattern ``#,##0.00`` writes, at a fraction of its cost: a report writes thousands
of numbers, most of them tick labels). A value that rounds to zero is written without
a sign (never "−0" or "−0,0").

This module sits at the bottom of the data flow so every layer (population, workforce, cooperation, plots,
reports) can use it.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

MINUS = "\u2212"
NBSP = "\u00a0"
#: Written for a missing value (the Swedish table convention for "no data").
MISSING = "–"
#: A number the formatters take: Python's or numpy's (tables and results hand over numpy scalars).
Real = float | np.integer | np.floating

#: Python's ``,`` grouping and ``.`` decimal point and the ASCII minus, written the Swedish way.
_SWEDISH = str.maketrans({",": NBSP, ".": ",", "-": MINUS})


def _number(value: Any) -> float | None:
    """``value`` as a float, or None when it is missing (None, NaN, ``pd.NA``, ``NaT``)."""
    if value is None:
        return None
    if isinstance(value, (float, int)):  # the common case (numpy's float64 is a float), without pandas
        number = float(value)
        return None if math.isnan(number) else number
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass  # not a scalar pandas can judge: float() below says what is wrong with it
    return float(value)


def fmt_number(value: Real | None, decimals: int = 0) -> str:
    """Format a number the Swedish way: ``12345.6`` → ``'12 345,6'`` (no-break space, decimal comma).

    Missing values give an en dash; infinite values raise ``ValueError`` (a report must never show ∞).
    """
    number = _number(value)
    if number is None:
        return MISSING
    if math.isinf(number):
        raise ValueError(f"cannot format an infinite number ({value!r}) for a report")
    rounded = round(number, decimals)
    if rounded == 0:
        rounded = 0.0  # drop the sign of a negative zero ("−0" is not a Swedish number)
    places = max(decimals, 0)
    # Up to 15 significant digits the float's fixed-point digits are those of its shortest repr; beyond,
    # they are not (1.2345678901234567e20 prints ...671680), and the repr's digits are the number written.
    digits = (format(rounded, f",.{places}f") if abs(rounded) < 10.0 ** (15 - places) else
              format(Decimal(repr(rounded)), f",.{places}f"))
    return digits.translate(_SWEDISH)


def fmt_percent(share: Real | None, decimals: int = 1) -> str:
    """Format a share (0.123) as a Swedish percentage: ``'12,3 %'``."""
    number = _number(share)
    if number is None:
        return MISSING
    return f"{fmt_number(100 * number, decimals)}{NBSP}%"


def fmt_signed(value: Real | None, decimals: int = 0) -> str:
    """A change with its sign: ``'+1 234'``, ``'−56'``, ``'0'``."""
    number = _number(value)
    if number is None:
        return MISSING
    text = fmt_number(number, decimals)
    return text if text.startswith(MINUS) or round(number, decimals) == 0 else "+" + text


def fmt_general(value: Real, significant: int = 4) -> str:
    """A number with up to ``significant`` significant digits, Swedish style (assumption values: 0,85; 1,05)."""
    number = _number(value)
    if number is None:
        return MISSING
    if number == 0:
        return "0"
    decimals = max(0, significant - 1 - math.floor(math.log10(abs(number))))
    text = fmt_number(number, decimals)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text

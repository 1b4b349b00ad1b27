"""The study's one number format (tillsammans.formatting): Swedish conventions with known answers."""

import math

import pytest

from tillsammans.formatting import fmt_general, fmt_number, fmt_percent, fmt_signed


def test_thousands_and_decimal_comma():
    assert fmt_number(12345.67, 1) == "12\u00a0345,7"
    assert fmt_number(-1234) == "\u22121\u00a0234"


def test_no_negative_zero():
    assert fmt_number(-0.04, 1) == "0,0"
    assert fmt_number(-0.4) == "0"
    assert fmt_signed(-0.2) == "0"


def test_percent_and_sign():
    assert fmt_percent(0.123) == "12,3\u00a0%"
    assert fmt_signed(5) == "+5"
    assert fmt_signed(-3) == "\u22123"


def test_general_keeps_whole_numbers_whole():
    # The cooperation assumptions once printed 70 km/h as "7 km/h" by stripping zeros of an integer.
    assert fmt_general(70.0) == "70"
    assert fmt_general(0.85) == "0,85"
    assert fmt_general(0.51462) == "0,5146"


def test_missing_and_infinite():
    assert fmt_number(None) == "–"
    assert fmt_number(math.nan) == "–"
    with pytest.raises(ValueError, match="infinite"):
        fmt_number(math.inf)

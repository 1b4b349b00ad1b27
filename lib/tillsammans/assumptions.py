"""Shared machinery for the models' assumptions: labelled fields, overrides, Swedish display, report tables.

Each model (population, workforce) keeps its assumptions in a frozen dataclass whose fields carry a Swedish
label and a source in their metadata; these helpers turn one into the assumptions table of a report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import Field, field, fields, replace
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from tillsammans.formatting import fmt_general

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def assumption(default: Any, label: str, source: str, display: Callable[[Any], str] | None = None) -> Any:
    """A dataclass field with its Swedish label and its source (or the reason it is an assumption).

    ``display`` writes the value for the report when :func:`format_value` would not say it well (a share as
    a percentage, a unit); it must use :mod:`tillsammans.formatting`.
    """
    metadata: dict[str, Any] = {"label": label, "source": source}
    if display is not None:
        metadata["display"] = display
    return field(default=default, metadata=metadata)


def names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def with_overrides(cls: type[T], base: T | None = None, **overrides: Any) -> T:
    """``base`` (default: the defaults of ``cls``) with some fields changed; unknown names are an error."""
    allowed = names(cls)
    unknown = sorted(set(overrides) - set(allowed))
    if unknown:
        raise ValueError(f"unknown assumption(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    return replace(base if base is not None else cls(), **overrides)


def format_value(value: Any) -> str:
    """Swedish display of an assumption value (decimal comma, ranges with an en dash, ja/nej)."""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if value is None:
        return "från data"
    if isinstance(value, tuple):
        return "–".join(format_value(v) for v in value)
    if isinstance(value, float):
        return fmt_general(value)
    return str(value)


def display(assumptions: Any, name: str) -> str:
    """The Swedish display of one field's value (its ``display`` function, else :func:`format_value`)."""
    found = {f.name: f for f in fields(assumptions)}
    if name not in found:
        raise ValueError(f"unknown assumption {name!r}; allowed: {', '.join(found)}")
    return found[name].metadata.get("display", format_value)(getattr(assumptions, name))


def parameters(assumptions: Any, names: Iterable[str] | None = None) -> dict[str, str]:
    """Swedish label → Swedish value with unit, for a report's parameter box (all fields, or ``names``)."""
    found = {f.name: f for f in fields(assumptions)}
    chosen = list(found) if names is None else list(names)
    unknown = [n for n in chosen if n not in found]
    if unknown:
        raise ValueError(f"unknown assumption(s) {', '.join(unknown)}; allowed: {', '.join(found)}")
    return {found[n].metadata["label"]: display(assumptions, n) for n in chosen}


def table(assumptions: Any, source_column: str = "Källa") -> pd.DataFrame:
    """One row per field: ``Antagande, Värde, <source_column>``."""
    rows = [{"Antagande": f.metadata["label"],
             "Värde": f.metadata.get("display", format_value)(getattr(assumptions, f.name)),
             source_column: f.metadata["source"]} for f in fields(assumptions) if isinstance(f, Field)]
    return pd.DataFrame(rows, columns=["Antagande", "Värde", source_column])

"""The region registry: Sweden, its 21 counties and 290 municipalities, and the C-Tillsammans network.

Codes are SCB's region codes as strings (``"00"`` Sweden, ``"03"`` a county, ``"0381"`` a municipality);
leading zeros matter, so codes are never integers. The registry is read from the processed ``regions``
table (source: Kolada's region list, current boundaries), built by ``make data``.

Names are accepted wherever a code is: ``resolve("älvkarleby")``, ``resolve("ALVKARLEBY")`` and
``resolve("0319")`` all give ``"0319"``.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from tillsammans.cache import storable

#: The seven municipalities of C-Tillsammans (network formed May 2020), in the order the study lists them.
NETWORK: tuple[str, ...] = ("0381", "0331", "0305", "0330", "0360", "0319", "0382")

#: Uppsala county, home of the network.
HOME_COUNTY = "03"

#: Sweden as a whole.
SWEDEN = "00"

LEVELS = ("country", "county", "municipality")


class UnknownRegionError(ValueError):
    """A region code or name that the registry does not know; the message lists the nearest valid ones."""


def _fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Älvkarleby' and 'alvkarleby' fold to the same string."""
    decomposed = unicodedata.normalize("NFKD", str(text).strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@storable
@dataclass(frozen=True)
class Registry:
    """Lookup of region codes and names.

    Parameters
    ----------
    regions : DataFrame
        Columns ``region_code, name, level, county_code`` (``level`` one of ``country``, ``county``,
        ``municipality``), as in the processed ``regions`` table.
    """

    regions: pd.DataFrame
    _by_fold: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        missing = {"region_code", "name", "level", "county_code"} - set(self.regions.columns)
        if missing:
            raise ValueError(f"region table lacks columns {sorted(missing)}")
        frame = self.regions.astype({"region_code": str}).set_index("region_code", drop=False)
        object.__setattr__(self, "regions", frame)
        by_fold: dict[str, str] = {}
        for code, name, level in zip(frame["region_code"], frame["name"], frame["level"], strict=True):
            by_fold.setdefault(_fold(name), code)
            if level == "county":
                # Kolada names counties "Region Uppsala"; people also say "Uppsala län".
                short = str(name).removeprefix("Region ").strip()
                by_fold.setdefault(_fold(f"{short} län"), code)
        object.__setattr__(self, "_by_fold", by_fold)

    # -- lookups ---------------------------------------------------------------------------------

    def codes(self, level: str | None = None) -> list[str]:
        """All codes, or those of one level (``country``, ``county`` or ``municipality``)."""
        if level is None:
            return list(self.regions.index)
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r}; allowed: {', '.join(LEVELS)}")
        return list(self.regions.index[self.regions["level"] == level])

    def municipalities(self) -> list[str]:
        """The codes of all municipalities (290 with current boundaries)."""
        return self.codes("municipality")

    def name(self, code: str) -> str:
        """The region's name, e.g. ``'0319'`` → ``'Älvkarleby'``."""
        return str(self.regions.at[self.resolve(code), "name"])

    def level(self, code: str) -> str:
        return str(self.regions.at[self.resolve(code), "level"])

    def county_of(self, code: str) -> str:
        """The county code of a municipality (or of a county itself)."""
        code = self.resolve(code)
        county = self.regions.at[code, "county_code"]
        if pd.isna(county) or county == "":
            raise ValueError(f"{code} ({self.name(code)}) is not in a county")
        return str(county)

    def is_network(self, code: str) -> bool:
        return self.resolve(code) in NETWORK

    def resolve(self, code_or_name: str | int, level: str | None = None) -> str:
        """Return the SCB code for a code or a name, or raise :class:`UnknownRegionError`.

        Parameters
        ----------
        code_or_name : str
            A code (``"0319"``) or a name (``"Älvkarleby"``, any case, accents optional). Integers are
            refused with an explanation, because ``0319`` typed as a number has lost its leading zero.
        level : str, optional
            Require the region to be of this level (``"municipality"``, ``"county"``, ``"country"``).
        """
        if isinstance(code_or_name, bool) or not isinstance(code_or_name, str):
            raise UnknownRegionError(
                f"region code must be a string such as '0319', got {type(code_or_name).__name__} "
                f"{code_or_name!r} (a number loses the leading zero; pass it quoted, e.g. papermill -r)"
                + self._suggest(str(code_or_name).zfill(4))
            )
        text = code_or_name.strip()
        if text in self.regions.index:
            code = text
        elif _fold(text) in self._by_fold:
            code = self._by_fold[_fold(text)]
        else:
            raise UnknownRegionError(f"unknown region {code_or_name!r}." + self._suggest(text))
        if level is not None and self.regions.at[code, "level"] != level:
            raise UnknownRegionError(
                f"{code} ({self.regions.at[code, 'name']}) is a {self.regions.at[code, 'level']}, "
                f"not a {level}." + self._suggest(text, level=level)
            )
        return code

    def resolve_many(self, codes: Iterable[str], level: str | None = None, min_count: int = 1) -> list[str]:
        """Resolve a list of codes or names; refuses duplicates and lists shorter than ``min_count``."""
        if isinstance(codes, str):
            codes = [c for c in codes.replace(";", ",").split(",") if c.strip()]
        resolved = [self.resolve(c, level=level) for c in codes]
        dupes = sorted({c for c in resolved if resolved.count(c) > 1})
        if dupes:
            raise ValueError(
                "duplicate regions in list: " + ", ".join(f"{c} {self.name(c)}" for c in dupes)
            )
        if len(resolved) < min_count:
            got = f"got {len(resolved)}: {', '.join(resolved)}" if resolved else "got none"
            raise ValueError(f"need at least {min_count} region{'s' if min_count > 1 else ''}, {got}; give codes "
                             f"or names separated by commas, e.g. {','.join(NETWORK[:min_count + 1])}")
        return resolved

    def _suggest(self, text: str, level: str | None = None, n: int = 3) -> str:
        pool = self.regions if level is None else self.regions[self.regions["level"] == level]
        lost_zero = [c for c in (text.zfill(4), text.zfill(2)) if text.isdigit() and c != text and c in pool.index]
        if lost_zero:
            code = lost_zero[0]
            return (f" Did you mean {code} {pool.at[code, 'name']}? Codes keep their leading zero (a code typed as "
                    f"a number, {text}, has lost it).")
        if text.isdigit():
            same_len = [c for c in pool.index if len(c) == len(text)]
            nearest = sorted(same_len, key=lambda c: (abs(int(c) - int(text)), c))[:n]
        else:
            names = {_fold(nm): code for code, nm in zip(pool.index, pool["name"], strict=True)}
            close = difflib.get_close_matches(_fold(text), list(names), n=n, cutoff=0.5)
            nearest = [names[c] for c in close]
        if not nearest:
            return f" Valid codes are SCB region codes, e.g. {', '.join(NETWORK)} (the network)."
        listed = ", ".join(f"{c} {pool.at[c, 'name']}" for c in nearest)
        return f" Did you mean: {listed}?"


@lru_cache(maxsize=4)
def _registry_from(path: str, mtime: float) -> Registry:
    frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path, dtype=str)
    return Registry(frame)


def registry(path: str | Path | None = None) -> Registry:
    """The registry from the processed ``regions`` table (default ``data/processed/regions.parquet``).

    Cached per file and modification time, so a rebuilt table is picked up. A table in a processed folder
    is checked against its ``manifest.json`` first (:mod:`tillsammans.integrity`).
    """
    from tillsammans import integrity
    from tillsammans.paths import processed_dir

    path = Path(path) if path is not None else processed_dir() / "regions.parquet"
    if (path.parent / integrity.MANIFEST).exists():
        path = integrity.verified_path(path.name, path.parent)
    elif not path.exists():
        raise FileNotFoundError(f"region table {path} not found; run `make data` to build data/processed/")
    return _registry_from(str(path), path.stat().st_mtime)


def resolve(code_or_name: str, level: str | None = "municipality") -> str:
    """Shortcut: resolve a municipality code or name with the default registry."""
    return registry().resolve(code_or_name, level=level)

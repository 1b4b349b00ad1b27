"""The catalogue of municipal functions considered for cooperation, and staff per function and municipality.

Staff come from a municipality's own extract when one is supplied in ``data/raw/local/`` (schema below),
otherwise they are *estimated* from the population with a national ratio (staff per 10 000 inhabitants).
The ratios in :data:`CATALOGUE` are stated assumptions, not measured values: the mirror holds no staff counts
by occupation per municipality. The official source to replace them is SKR, *Kommunal personal* (the yearly
November statistics), table 4 "Antal anställningar, faktiska årsarbetare … efter AID-etikett"; every estimate
is labelled ``source = "skattning"`` so a report can say so.

Local staff file
----------------
``data/raw/local/cooperation_staff.csv`` (UTF-8, comma-separated, header row), one row per municipality and
function::

    kommun_kod,funktion,arsarbetare
    0319,it,4.5
    0319,overformyndare,1

* ``kommun_kod`` – SCB municipality code as text (``0319``; leading zero kept),
* ``funktion`` – a key of :data:`CATALOGUE` (``it``, ``hr_lon``, ``ekonomi`` …),
* ``arsarbetare`` – full-time equivalents (årsarbetare), a number ≥ 0.

Rows override the estimate for that municipality and function only; the rest stay estimates. The file's
column names are Swedish because municipal HR staff write it; inside the library they become
``region_code, function, fte`` (:data:`LOCAL_STAFF_COLUMNS`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: Columns of the catalogue, with their meaning.
CATALOGUE_COLUMNS = {
    "function": "key used throughout the module",
    "label": "Swedish name for reports",
    "kind": "'stöd' (internal support), 'specialist' (specialist/myndighet) or 'volym' "
            "(citizen-facing volume)",
    "staff_per_10k": "assumed full-time staff per 10 000 inhabitants (national ratio; an assumption)",
    "min_staff": "competence floor: staff who must be available for the function to run at all",
    "coverage": "share of the function's staff needed on an ordinary day to carry its workload",
    "public_authority": "the function exercises public authority (decisions on individuals)",
    "on_site_share": "share of the work that must be done on site in the municipality (travel matters)",
    "case_handling": "case-handling function for the Erlang-C staffing comparison",
    "cost_kpi": "Kolada KPI for the function's cost, if one exists (else empty)",
    "keywords": "words that identify the function in the existing-cooperations table",
    "sector": "the welfare sector of the workforce model (tillsammans.workforce.SECTORS) whose staff the "
              "function belongs to; its projected gap is the ranking's workforce criterion",
}

# Assumed values are deliberately round numbers: they are placeholders to be replaced by local HR data or by
# SKR's AID tables, and they are listed in `assumptions_table()` with that label.
_ROWS = [
    # funktion, namn, karaktär, per10k, floor, täckning, myndighet, platsandel, ärende, KPI, nyckelord, verksamhet
    ("it", "IT", "stöd", 6.0, 2, 0.6, False, 0.2, True, "", ("it",), "admin_ovrigt"),
    ("hr_lon", "HR och lön", "stöd", 6.0, 2, 0.6, False, 0.1, True, "", ("lön", "hr", "personal"), "admin_ovrigt"),
    ("ekonomi", "Ekonomi", "stöd", 6.0, 2, 0.6, False, 0.1, False, "", ("ekonomi",), "admin_ovrigt"),
    ("upphandling", "Upphandling", "stöd", 1.5, 1, 0.6, False, 0.05, False, "", ("upphandling",), "admin_ovrigt"),
    ("miljo", "Miljö- och hälsoskydd", "specialist", 2.5, 2, 0.6, True, 0.4, True, "",
     ("miljö", "hälsoskydd", "livsmedel"), "admin_ovrigt"),
    ("bygglov", "Bygglov", "specialist", 2.0, 2, 0.6, True, 0.3, True, "", ("bygglov", "pbl"), "admin_ovrigt"),
    ("overformyndare", "Överförmyndare", "specialist", 1.0, 1, 0.6, True, 0.05, True, "u37009",
     ("överförmyndar",), "admin_ovrigt"),
    ("raddningstjanst", "Räddningstjänst", "specialist", 5.0, 5, 0.8, True, 1.0, False, "n07037",
     ("räddningstjänst",), "admin_ovrigt"),
    ("socialtjanst_specialist", "Socialtjänstens specialistfunktioner", "specialist", 2.0, 2, 0.6, True,
     0.3, True, "n30005", ("familjerätt", "socialjour", "specialist"), "ifo"),
    ("hsl_specialist", "Specialister i kommunal hälso- och sjukvård", "specialist", 1.5, 1, 0.6, False,
     0.5, False, "", ("hälso- och sjukvård", "mas"), "halso_sjukvard"),
    # Welfare functions whose staff groups are small although their sectors are large: the handläggare who
    # decide on eldercare (SoL) and on support under LSS. Cooperation on them is legally possible in a joint
    # board or by avtalssamverkan with delegation (kommunallagen 9 kap. 37 §; see legal_forms.csv); no such
    # arrangement among the seven is recorded in the existing-cooperations table.
    ("bistand_aldre", "Biståndshandläggning i äldreomsorgen", "specialist", 2.5, 1, 0.6, True, 0.3, True, "",
     ("biståndshandlägg",), "aldreomsorg"),
    ("lss_handlaggning", "Handläggning enligt LSS", "specialist", 1.0, 1, 0.6, True, 0.2, True, "",
     ("lss-handlägg",), "funktionsstod"),
    ("kansli", "Administration och kansli", "stöd", 4.0, 2, 0.6, False, 0.2, False, "n05002",
     ("kansli", "arkiv", "registratur", "nämndadministration"), "admin_ovrigt"),
]

CATALOGUE = pd.DataFrame(
    [dict(zip(CATALOGUE_COLUMNS, row, strict=True)) for row in _ROWS]
).set_index("function", drop=False)

#: The file name looked for in ``data/raw/local/``.
LOCAL_STAFF_FILE = "cooperation_staff.csv"
#: The local file's columns (Swedish, for the HR staff who write it) → the library's columns.
LOCAL_STAFF_COLUMNS = {"kommun_kod": "region_code", "funktion": "function", "arsarbetare": "fte"}


def catalogue(functions: list[str] | None = None) -> pd.DataFrame:
    """The function catalogue (one row per function), optionally restricted to some functions.

    Raises
    ------
    ValueError
        If a requested function is not in the catalogue (the message lists the allowed keys).
    """
    if functions is None:
        return CATALOGUE.copy()
    unknown = [f for f in functions if f not in CATALOGUE.index]
    if unknown:
        raise ValueError(f"unknown function(s) {unknown}; allowed: {', '.join(CATALOGUE.index)}")
    return CATALOGUE.loc[list(functions)].copy()


def read_local_staff(path: str | Path, municipalities: list[str] | None = None) -> pd.DataFrame:
    """Read and validate a local staff file (schema in the module docstring).

    Parameters
    ----------
    path : path
        The CSV file.
    municipalities : list of str, optional
        Allowed municipality codes; by default every code the region registry knows as a municipality.

    Returns
    -------
    DataFrame
        ``region_code, function, fte``.

    Raises
    ------
    ValueError
        Missing columns, an unknown function or municipality, a non-numeric, negative or missing
        ``fte``, or a duplicated (municipality, function) pair; the message names the file, the rule
        and an example row.
    """
    path = Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in LOCAL_STAFF_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; required: {', '.join(LOCAL_STAFF_COLUMNS)}")
    frame = frame[list(LOCAL_STAFF_COLUMNS)].apply(lambda s: s.str.strip())
    frame = frame.rename(columns=LOCAL_STAFF_COLUMNS)

    def fail(rule: str, mask: pd.Series) -> None:
        row = frame[mask].iloc[0].rename(index={v: k for k, v in LOCAL_STAFF_COLUMNS.items()})
        line = int(mask.to_numpy().nonzero()[0][0]) + 2  # +1 header, +1 one-based
        raise ValueError(f"{path}: {rule}; e.g. line {line}: {row.to_dict()}")

    bad_fn = ~frame["function"].isin(CATALOGUE.index)
    if bad_fn.any():
        fail(f"unknown funktion (allowed: {', '.join(CATALOGUE.index)})", bad_fn)
    if municipalities is None:
        from tillsammans.municipalities import registry

        municipalities = registry().municipalities()
    bad_code = ~frame["region_code"].isin(list(municipalities))
    if bad_code.any():
        fail("unknown kommun_kod (SCB municipality code as text with leading zero, e.g. 0319)", bad_code)
    values = pd.to_numeric(frame["fte"].str.replace(",", ".", regex=False), errors="coerce")
    if values.isna().any():
        fail("arsarbetare must be a number", values.isna())
    if (values < 0).any():
        fail("arsarbetare must not be negative", values < 0)
    if not np.isfinite(values).all():
        fail("arsarbetare must be finite", ~np.isfinite(values))
    dupes = frame.duplicated(["region_code", "function"], keep=False)
    if dupes.any():
        fail("duplicate (kommun_kod, funktion) pair", dupes)
    frame["fte"] = values.astype(float)
    return frame.reset_index(drop=True)


def staff_by_function(
    population: pd.Series,
    functions: list[str] | None = None,
    local: pd.DataFrame | str | Path | None = "auto",
) -> pd.DataFrame:
    """Staff (full-time equivalents) per municipality and function: local data where given, else estimates.

    Parameters
    ----------
    population : Series
        Inhabitants indexed by municipality code (e.g. Kolada ``n01951`` for one year).
    functions : list of str, optional
        Catalogue keys; all when omitted.
    local : DataFrame, path, None or "auto"
        A validated local staff table (see :func:`read_local_staff`), a path to one, ``None`` for estimates
        only, or ``"auto"`` to use ``data/raw/local/cooperation_staff.csv`` when it exists.

    Returns
    -------
    DataFrame
        Tidy: ``region_code, function, population, fte, heads, source`` where ``heads`` is the
        head count used by the binomial model (årsarbetare rounded, at least 1) and ``source`` is
        ``"lokal"`` or ``"skattning"``.
    """
    cat = catalogue(functions)
    if population.isna().any() or (population <= 0).any():
        bad = population[population.isna() | (population <= 0)]
        raise ValueError(f"population must be positive for every municipality; got {bad.to_dict()}")
    rows = [
        {"region_code": str(code), "function": fn, "population": float(pop),
         "fte": float(pop) / 10_000 * cat.at[fn, "staff_per_10k"], "source": "skattning"}
        for code, pop in population.items() for fn in cat.index
    ]
    frame = pd.DataFrame(rows)
    if isinstance(local, str) and local == "auto":
        from tillsammans.paths import local_dir

        candidate = local_dir() / LOCAL_STAFF_FILE
        local = candidate if candidate.exists() else None
    if local is not None:
        table = local if isinstance(local, pd.DataFrame) else read_local_staff(local)
        key = ["region_code", "function"]
        merged = frame.merge(table.rename(columns={"fte": "_lokal"}), on=key, how="left")
        has = merged["_lokal"].notna()
        merged.loc[has, "fte"] = merged.loc[has, "_lokal"]
        merged.loc[has, "source"] = "lokal"
        frame = merged.drop(columns="_lokal")
    # The binomial model counts people; a 0.6 FTE post is still one person who can be absent.
    heads = np.maximum(1, np.floor(frame["fte"] + 0.5))
    frame["heads"] = np.where(frame["fte"] > 0, heads, 0).astype(int)
    return frame[["region_code", "function", "population", "fte", "heads", "source"]]

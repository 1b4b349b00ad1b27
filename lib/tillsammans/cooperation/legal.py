"""Legal forms of municipal cooperation (kommunallagen 9 kap.) and the existing arrangements of the network.

Both tables are curated reference data committed in ``data/reference/cooperation/`` (see its README): every
row carries its source URL, and details the sources did not confirm say ``unverified``. Functions here
never drop those markers; :func:`existing_table` and :func:`legal_form_table` show the tables in Swedish for
reports (through :mod:`.labels`: "ej verifierat", host municipalities by name), the sources unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from tillsammans.cooperation import labels

EXISTING_FILE = "existing_cooperations.csv"
LEGAL_FORMS_FILE = "legal_forms.csv"
UNVERIFIED = "unverified"

#: Legal forms through which staff are actually shared (project cooperation, letters of intent and joint
#: command centres are shown but do not pool staff).
POOLING_FORMS = ("gemensam nämnd", "kommunalförbund", "avtalssamverkan", "gemensamt bolag", "köp av tjänst")

#: The forms a new arrangement among the municipalities would choose from (samordningsförbund is limited
#: by law to rehabilitation and is left out).
CANDIDATE_FORMS = ("gemensam nämnd", "värdkommun", "kommunalförbund", "avtalssamverkan", "gemensamt",
                   "köp av tjänst")


def reference_dir() -> Path:
    from tillsammans.paths import reference_dir as root

    return root() / "cooperation"


def load_legal_forms(path: str | Path | None = None) -> pd.DataFrame:
    """The seven legal forms with legal basis, employer, authority, cost sharing and sources."""
    path = Path(path) if path else reference_dir() / LEGAL_FORMS_FILE
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    required = {"form", "legal_basis", "myndighetsutovning_allowed", "employer", "source_url"}
    if missing := required - set(frame.columns):
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    return frame


def load_existing(path: str | Path | None = None) -> pd.DataFrame:
    """The curated table of existing cooperations (31 arrangements), as stored."""
    path = Path(path) if path else reference_dir() / EXISTING_FILE
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    required = {"name", "function", "legal_form", "members", "host", "start", "end", "source_url", "evidence"}
    if missing := required - set(frame.columns):
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    return frame


def _members(text: str) -> list[str]:
    return re.findall(r"\b(?:\d{4}|R\d{2}|FK|AF)\b", text)


def _status(row: pd.Series, as_of: dt.date) -> str:
    text = f"{row['name']} {row['legal_form']}".lower()
    if "planerad" in text or "avsiktsförklaring" in text:
        return "planerad"
    end = row["end"].strip()
    match = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", end)
    if match:
        year, month, day = int(match[1]), int(match[2] or 12), int(match[3] or 28)
        return "avslutad" if dt.date(year, month, day) <= as_of else "aktiv"
    if UNVERIFIED in end.lower():
        return "oklar"
    return "aktiv"


def _function_keys(text: str, catalogue: pd.DataFrame) -> list[str]:
    text = text.lower()
    keys = []
    for fn, words in catalogue["keywords"].items():
        for word in words:
            # Short keywords ("it", "hr") must be whole words; longer ones may be word stems.
            pattern = rf"\b{re.escape(word)}\b" if len(word) <= 3 else rf"\b{re.escape(word)}"
            if re.search(pattern, text):
                keys.append(fn)
                break
    return keys


def existing_cooperations(
    municipalities: Sequence[str],
    catalogue: pd.DataFrame,
    as_of: dt.date | str | None = None,
    table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Arrangements involving at least one of ``municipalities``, with derived columns.

    Added columns: ``network_members`` (the listed municipalities among the members), ``network_count``,
    ``functions`` (catalogue keys matched from the ``function`` text), ``status`` (``aktiv``,
    ``avslutad``, ``planerad`` or ``oklar`` as of ``as_of``, default today), ``pools_staff`` (the legal
    form pools staff) and ``unverified_fields`` (the columns whose text says ``unverified``).
    """
    as_of = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else (as_of or dt.date.today())
    table = load_existing() if table is None else table
    codes = [str(c) for c in municipalities]
    out = table.copy()
    members = out["members"].map(_members)
    out["network_members"] = members.map(lambda ms: [c for c in codes if c in ms])
    out["network_count"] = out["network_members"].map(len)
    out = out[out["network_count"] > 0].copy()
    out["functions"] = out["function"].map(lambda t: _function_keys(t, catalogue))
    out["status"] = out.apply(_status, axis=1, as_of=as_of)
    out["pools_staff"] = out["legal_form"].str.lower().map(
        lambda f: not f.startswith("other") and any(f.startswith(p) for p in POOLING_FORMS))
    data_cols = [c for c in table.columns if c not in ("source_url", "source_date")]
    out["unverified_fields"] = out.apply(
        lambda r: [c for c in data_cols if UNVERIFIED in str(r[c]).lower()], axis=1)
    return out.reset_index(drop=True)


def current_groups(existing: pd.DataFrame) -> dict[str, list[set[str]]]:
    """Per function, the sets of network municipalities that already share it among themselves today.

    Only active arrangements in a staff-pooling legal form count; overlapping sets are merged.
    """
    groups: dict[str, list[set[str]]] = {}
    active = existing[(existing["status"] == "aktiv") & existing["pools_staff"]]
    for _, row in active.iterrows():
        members = set(row["network_members"])
        if len(members) < 2:
            continue
        for fn in row["functions"]:
            sets = groups.setdefault(fn, [])
            overlapping = [s for s in sets if s & members]
            merged = members.union(*overlapping)
            groups[fn] = [s for s in sets if not (s & members)] + [merged]
    return groups


def coverage(existing: pd.DataFrame, municipalities: Sequence[str], catalogue: pd.DataFrame) -> pd.DataFrame:
    """Per function: how much of the network already cooperates today.

    Returns
    -------
    DataFrame
        Index ``function``; ``covered`` (network municipalities in an active staff-pooling arrangement with
        anyone), ``covered_share``, ``within_network`` (those sharing with another network member),
        ``within_share`` and ``arrangements`` (names of the active arrangements).
    """
    codes = [str(c) for c in municipalities]
    active = existing[(existing["status"] == "aktiv") & existing["pools_staff"]]
    rows = []
    for fn in catalogue.index:
        rel = active[active["functions"].map(lambda fs, fn=fn: fn in fs)]
        covered = sorted({c for ms in rel["network_members"] for c in ms})
        within = sorted({c for ms in rel["network_members"] if len(ms) >= 2 for c in ms})
        rows.append({"function": fn, "covered": covered, "covered_share": len(covered) / len(codes),
                     "within_network": within, "within_share": len(within) / len(codes),
                     "arrangements": list(rel["name"])})
    return pd.DataFrame(rows).set_index("function")


def legal_scores(catalogue: pd.DataFrame, forms: pd.DataFrame | None = None) -> pd.Series:
    """Legal feasibility per function in [0, 1], from the legal-forms table.

    The share of candidate forms that can carry the function: every candidate form for a support function;
    for a function exercising public authority, the forms whose ``myndighetsutovning_allowed`` is ``yes``
    (1) or ``partly`` (½, delegation under 9 kap. 37 § KL).
    """
    forms = load_legal_forms() if forms is None else forms
    cand = forms[forms["form"].str.lower().map(lambda f: any(f.startswith(c) for c in CANDIDATE_FORMS))]
    allowed = cand["myndighetsutovning_allowed"].str.lower().map(
        lambda t: 1.0 if t.startswith("yes") else 0.5 if t.startswith("partly") else 0.0)
    share_authority = float(allowed.sum() / len(cand)) if len(cand) else 0.0
    scores = catalogue["public_authority"].map(lambda m: share_authority if m else 1.0)
    return scores.astype(float).rename("legal")


def legal_form_table(forms: pd.DataFrame | None = None) -> pd.DataFrame:
    """The legal forms in Swedish for reports (:func:`.labels.display_text`; sources kept as they are)."""
    forms = load_legal_forms() if forms is None else forms
    shown = ("form", "legal_basis", "separate_legal_entity", "employer", "myndighetsutovning_allowed",
             "cost_sharing")
    out = pd.DataFrame({labels.COLUMNS[c]: forms[c].map(labels.display_text) for c in shown})
    out["Källa"] = forms["source_url"]
    return out


def _registry_name(code: str) -> str:
    from tillsammans.municipalities import registry

    return registry().name(code)


def existing_table(existing: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Existing arrangements for reports: Swedish columns, status, and every unverified detail marked.

    A cell whose source text says ``unverified`` is shown as "ej verifierat" and the row lists the
    unverified fields, so a report never presents them as fact. Members and host municipalities are named
    (``names`` first, then the region registry); the compilers' English notes are translated
    (:mod:`.labels`).
    """
    names = dict(names or {})

    def name(code: str) -> str:
        return names[code] if code in names else _registry_name(code)

    sv_cols = ("name", "function", "legal_form", "host", "start", "end", "cost_sharing")
    out = pd.DataFrame({labels.COLUMNS[c]: existing[c].map(labels.display_text) for c in sv_cols})
    out["Värdkommun"] = out["Värdkommun"].map(lambda t: labels.name_codes(t, name))
    out.insert(2, "Medlemmar i nätverket",
               existing["network_members"].map(lambda cs: ", ".join(name(c) for c in cs)))
    out["Status"] = existing["status"]
    out["Ej verifierat"] = existing["unverified_fields"].map(
        lambda cs: ", ".join(labels.COLUMNS.get(c, c) for c in cs) if cs else "–")
    out["Källa"] = existing["source_url"]
    return out

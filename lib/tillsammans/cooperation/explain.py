"""Plain-Swedish reasoning for the top-ranked functions, generated from the results (no hand-typed numbers)."""

from __future__ import annotations

import pandas as pd

from tillsammans.formatting import fmt_number, fmt_percent

_num = fmt_number


def _pct(share: float, decimals: int = 0) -> str:
    return fmt_percent(share, decimals)


_EVIDENCE = {
    "stöds": "Koladadata över 290 kommuner stöder en skalfördel",
    "motsägs": "Koladadata visar snarare högre kostnad per enhet i större kommuner, så ingen besparing räknas",
    "ej påvisbar": "Koladadata kan inte visa någon skalfördel (intervallet omfattar noll)",
    "saknar nyckeltal": "Kolada saknar ett kostnadsmått för just denna funktion, så bedömningen vilar på litteraturen",
}


def explain_top(
    ranked: pd.DataFrame,
    catalogue: pd.DataFrame,
    vulnerability_fn: pd.DataFrame,
    staff: pd.DataFrame,
    coverage: pd.DataFrame,
    staffing: pd.DataFrame | None = None,
    cost_effect: pd.DataFrame | None = None,
    top: int = 3,
) -> str:
    """Markdown: one paragraph per top function explaining its rank from the computed numbers.

    Every figure in the text is read from the arguments; the wording only interprets them.
    """
    vuln = vulnerability_fn.set_index("funktion")
    effects = cost_effect.set_index("kpi") if cost_effect is not None and len(cost_effect) else None
    queue = staffing.set_index("funktion") if staffing is not None and len(staffing) else None
    parts = []
    for fn, row in ranked.head(top).iterrows():
        cat = catalogue.loc[fn]
        v = vuln.loc[fn]
        heads = staff[staff["funktion"] == fn]["personer"]
        estimated = (staff[staff["funktion"] == fn]["kalla"] == "skattning").all()
        text = [f"**{int(row['rang'])}. {cat['namn']}** (sammanvägd poäng {_num(row['total'], 2)})."]
        text.append(
            f"Med {('skattningsvis ' if estimated else '')}{_num(heads.min())}–{_num(heads.max())} personer per "
            f"kommun är sannolikheten att minst en kommun en given arbetsdag har för få på plats "
            f"{_pct(v['risk_idag'])} med dagens organisation; med gemensam personal {_pct(v['risk_samlad'], 1)}.")
        if queue is not None and fn in queue.index and queue.at[fn, "skillnad"] > 0:
            q = queue.loc[fn]
            text.append(
                f"För samma servicenivå i ärendehandläggningen behövs {_num(q['behov_samlad'])} handläggare i en "
                f"gemensam organisation mot {_num(q['behov_egen'])} om var och en bemannar för sig.")
        kpi = cat["kolada_kostnad"]
        evidence = row["data_stod"]
        if kpi and effects is not None and kpi in effects.index:
            e = effects.loc[kpi]
            text.append(
                f"{_EVIDENCE[evidence]}: om kostnaden följde sambandet med storlek skulle den ändras med "
                f"{_pct(e['effekt'])} (95 % KI {_pct(e['effekt_lag'])} till {_pct(e['effekt_hog'])}) "
                f"för nätverkets samlade befolkning (Kolada {kpi}, {e['namn'].lower()}; närmaste kostnadsmått "
                "som finns, en beskrivning av sambandet och inte en effekt av samverkan).")
        else:
            text.append(_EVIDENCE.get(evidence, "") + ".")
        if row["besparing_netto"] > 0:
            text.append(f"Förväntad nettobesparing efter transaktionskostnader: omkring {_pct(row['besparing_netto'])} "
                        "av funktionens kostnad – ett antagande byggt på litteraturen, inte ett mätt resultat.")
        else:
            text.append("Ingen nettobesparing förväntas; skälet är sårbarhet och rekrytering, inte pengar.")
        if cat["myndighetsutovning"]:
            text.append("Funktionen innebär myndighetsutövning och kräver gemensam nämnd, kommunalförbund eller "
                        "delegation enligt 9 kap. 37 § kommunallagen.")
        else:
            text.append("Funktionen kan drivas i alla vanliga samverkansformer, även avtalssamverkan.")
        if cat["platsandel"] >= 0.5:
            text.append("En stor del av arbetet måste göras på plats, så avstånden i nätverket begränsar vinsten.")
        else:
            text.append("Det mesta av arbetet kan göras på distans, så avstånden spelar liten roll.")
        cov = coverage.loc[fn]
        if cov["arrangemang"]:
            text.append(f"Befintlig samverkan: {'; '.join(cov['arrangemang'])} – "
                        f"{_num(len(cov['tackta']))} av kommunerna är redan med i någon samverkan om funktionen.")
        else:
            text.append("Ingen av kommunerna har i dag en verifierad aktiv samverkan om funktionen.")
        parts.append(" ".join(text))
    return "\n\n".join(parts)

"""Plain-Swedish reasoning for the top-ranked functions, generated from the results (no hand-typed
numbers)."""

from __future__ import annotations

import pandas as pd

from tillsammans.formatting import fmt_number, fmt_percent, fmt_signed

_EVIDENCE = {
    "stöds": "Koladadata över 290 kommuner stöder en skalfördel",
    "motsägs": ("Koladadata visar snarare högre kostnad per enhet i större kommuner, så ingen besparing "
                "räknas"),
    "ej påvisbar": "Koladadata kan inte visa någon skalfördel (intervallet omfattar noll)",
    "saknar nyckeltal": ("Kolada saknar ett kostnadsmått för just denna funktion, så bedömningen vilar på "
                         "litteraturen"),
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
    sector_gaps: pd.DataFrame | None = None,
    gap_year: int | None = None,
) -> str:
    """Markdown: one paragraph per top function explaining its rank from the computed numbers.

    Every figure in the text is read from the arguments; the wording only interprets them. With
    ``sector_gaps`` (:func:`~tillsammans.cooperation.gaps.network_sector_gaps`) and ``gap_year`` each paragraph
    also says how large the projected staff gap of the function's sector is.
    """
    from tillsammans.workforce import SECTORS

    vuln = vulnerability_fn.set_index("function")
    effects = cost_effect.set_index("kpi") if cost_effect is not None and len(cost_effect) else None
    queue = staffing.set_index("function") if staffing is not None and len(staffing) else None
    parts = []
    for fn, row in ranked.head(top).iterrows():
        cat = catalogue.loc[fn]
        v = vuln.loc[fn]
        heads = staff[staff["function"] == fn]["heads"]
        estimated = (staff[staff["function"] == fn]["source"] == "skattning").all()
        text = [f"**{int(row['rank'])}. {cat['label']}** (sammanvägd poäng {fmt_number(row['total'], 2)})."]
        span = f"{fmt_number(heads.min())}–{fmt_number(heads.max())}"
        text.append(
            f"Med {('skattningsvis ' if estimated else '')}{span} personer per "
            f"kommun är sannolikheten att minst en kommun en given arbetsdag har för få på plats "
            f"{fmt_percent(v['risk_today'], 0)} med dagens organisation; med gemensam personal "
            f"{fmt_percent(v['risk_pooled'], 1)}.")
        if queue is not None and fn in queue.index and queue.at[fn, "saved"] > 0:
            q = queue.loc[fn]
            text.append(
                f"För samma servicenivå i ärendehandläggningen behövs {fmt_number(q['staff_pooled'])} "
                f"handläggare i en gemensam organisation mot {fmt_number(q['staff_alone'])} om var och en "
                "bemannar för sig.")
        sector = cat.get("sector") if hasattr(cat, "get") else None
        if sector_gaps is not None and isinstance(sector, str) and sector in sector_gaps.index:
            g = sector_gaps.loc[sector]
            where = SECTORS[sector].lower()
            if g["gap"] > 0:
                text.append(
                    f"Funktionen hör till {where}, där personalprognosen ger nätverket ett gap på "
                    f"{fmt_signed(g['gap'])} årsarbetare år {gap_year} ({fmt_percent(g['gap_share'], 0)} av dagens "
                    "personal) – samverkan kan göra bristen lättare att bära.")
            else:
                text.append(
                    f"Funktionen hör till {where}, där personalprognosen inte ger nätverket någon brist år "
                    f"{gap_year} (gap {fmt_signed(g['gap'])} årsarbetare).")
        kpi = cat["cost_kpi"]
        evidence = row["evidence"]
        if kpi and effects is not None and kpi in effects.index:
            e = effects.loc[kpi]
            text.append(
                f"{_EVIDENCE[evidence]}: om kostnaden följde sambandet med storlek skulle den ändras med "
                f"{fmt_percent(e['effect'], 0)} (95 % KI {fmt_percent(e['effect_low'], 0)} till "
                f"{fmt_percent(e['effect_high'], 0)}) för nätverkets samlade befolkning (Kolada {kpi}, "
                f"{e['label'].lower()}; närmaste kostnadsmått som finns, en beskrivning av sambandet och "
                "inte en effekt av samverkan).")
        else:
            text.append(_EVIDENCE.get(evidence, "") + ".")
        if row["net_saving"] > 0:
            text.append("Förväntad nettobesparing efter transaktionskostnader: omkring "
                        f"{fmt_percent(row['net_saving'], 0)} av funktionens kostnad – ett antagande byggt "
                        "på litteraturen, inte ett mätt resultat.")
        else:
            text.append("Ingen nettobesparing förväntas; skälet är sårbarhet och rekrytering, inte pengar.")
        if cat["public_authority"]:
            text.append("Funktionen innebär myndighetsutövning och kräver gemensam nämnd, kommunalförbund "
                        "eller delegation enligt 9 kap. 37 § kommunallagen.")
        else:
            text.append("Funktionen kan drivas i alla vanliga samverkansformer, även avtalssamverkan.")
        if cat["on_site_share"] >= 0.5:
            text.append("En stor del av arbetet måste göras på plats, så avstånden i nätverket begränsar "
                        "vinsten.")
        else:
            text.append("Det mesta av arbetet kan göras på distans, så avstånden spelar liten roll.")
        cov = coverage.loc[fn]
        if cov["arrangements"]:
            text.append(f"Befintlig samverkan: {'; '.join(cov['arrangements'])} – "
                        f"{fmt_number(len(cov['covered']))} av kommunerna är redan med i någon samverkan om "
                        "funktionen.")
        else:
            text.append("Ingen av kommunerna har i dag en verifierad aktiv samverkan om funktionen.")
        parts.append(" ".join(text))
    return "\n\n".join(parts)

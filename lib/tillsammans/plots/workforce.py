"""Figures and Swedish tables of the workforce model: tornado, derived-values table, backtest table, labels.

The model (:mod:`tillsammans.workforce`) returns tidy DataFrames with English column names; the Swedish words
a report shows live here, numbers written by :mod:`tillsammans.formatting`.
"""

from __future__ import annotations

import pandas as pd

from tillsammans.formatting import fmt_general, fmt_number, fmt_percent
from tillsammans.vocabulary import WORKING_AGE_LABEL

#: Swedish names of the uncertain assumptions (tornado rows).
ASSUMPTION_LABELS: dict[str, str] = {
    "retirement_age": "Pensionsålder",
    "turnover": "Personalomsättning",
    "productivity": "Produktivitet (personal per brukare)",
    "employment_level": "Sysselsättningsnivå",
    "population": "Befolkningsutveckling (10–90 %)",
}

#: Swedish names of the levers.
LEVER_LABELS: dict[str, str] = {
    "gap": "Gap utan åtgärder",
    "productivity": "Produktivitet och teknik",
    "sick_leave": "Lägre sjukfrånvaro",
    "hours": "Deltidsanställda arbetar mer",
    "retirement": "Senare pensionsålder",
    "together": "Alla hävstänger tillsammans",
}

#: Swedish names of the backtest series and methods.
SERIES_LABELS = {"total": "Alla årsarbetare (n00098)", "forskola": "Förskola (n11104)",
                 "vard_omsorg": "Vård och omsorg (n20041)"}
METHOD_LABELS = {"model": "Modellen", "constant_staff": "Oförändrad personal",
                 "constant_per_inhabitant": "Oförändrad personal per invånare"}

#: Swedish names of the population model's calibration choices (:data:`tillsammans.workforce.POPULATION_VARIANTS`).
VARIANT_LABELS: dict[str, str] = {
    "main": "Huvudberäkningen",
    "window_3_years": "Flyttningar från de senaste 3 åren (i stället för 5)",
    "window_9_years": "Flyttningar från de senaste 9 åren (i stället för 5)",
    "own_migration_profile": "Inflyttarnas ålder: kommunens egen profil utan utjämning mot länet",
    "county_migration_profile": "Inflyttarnas ålder: länets profil",
    "no_age_group_alignment": "Ingen avstämning mot Koladas åldersgrupper 2022",
    "no_latest_totals": "Inte framförd till SCB:s folkmängd 2023–2025",
    "pure_projection_from_2019": "Ren framskrivning från 2019 (inga observerade flyttningar, födda, döda efter 2019)",
    "jump_off_2022": "Startår 2022 (Koladas åldersgrupper) i stället för 2019 (SCB:s ettårsklasser)",
}

#: Swedish column labels of :func:`tillsammans.workforce.compare`.
COMPARE_LABELS: dict[str, str] = {
    "staff_today": "Årsarbetare i dag",
    "need_end": "Behov slutåret",
    "cum_recruitment_need": "Rekryteringsbehov (tillväxt + pension)",
    "cum_turnover": "Därtill personalomsättning",
    "gap_base": "Gap i dag",
    "gap_end": "Gap slutåret",
    "gap_per_1000_end": "Gap per 1 000 invånare",
    "gap_share_working_age_end": f"Gap, andel av {WORKING_AGE_LABEL}",
}


def staff_data_text(local_hr: object, local_file_exists: bool) -> str:
    """Where a report's staff figures come from, in words, for its parameter box.

    ``local_hr`` is the report's parameter (``"auto"``, ``None`` or a file); ``local_file_exists`` whether the
    municipality's own extract is in place (:func:`tillsammans.workforce.local_hr_path`).
    """
    if local_hr is None:
        return "Kolada (eget HR-underlag används inte)"
    if local_hr == "auto":
        return "kommunens eget HR-underlag" if local_file_exists else "Kolada (inget eget HR-underlag finns)"
    return "kommunens eget HR-underlag (angiven fil)"


def _range_text(name: str, value: float) -> str:
    if name == "retirement_age":
        return f"{fmt_number(value, 1)} år"
    if name == "employment_level":
        return f"×{fmt_general(value, 3)}"
    if name == "population":
        return fmt_percent(value, 0)
    return f"{fmt_percent(value, 1)}/år"


def draw_tornado(ax, frame: pd.DataFrame, central: float, colours: tuple[str, str] = ("#0072B2", "#D55E00")
                 ) -> None:
    """Horizontal bars of the gap at each assumption's low and high value around the central gap.

    ``frame`` is :func:`tillsammans.workforce.uncertainty.tornado` (sorted, largest swing first).
    """
    rows = frame.iloc[::-1]
    labels = [f"{ASSUMPTION_LABELS.get(r.assumption, r.assumption)}\n({_range_text(r.assumption, r.low)} – "
              f"{_range_text(r.assumption, r.high)})" for r in rows.itertuples(index=False)]
    y = range(len(rows))
    ax.barh(y, rows["gap_low"] - central, left=central, color=colours[0], label="Lägsta värdet")
    ax.barh(y, rows["gap_high"] - central, left=central, color=colours[1], label="Högsta värdet")
    ax.axvline(central, color="black", linewidth=0.8)
    ax.set_yticks(list(y), labels, fontsize=8)
    ax.grid(axis="y", visible=False)


def tornado_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The tornado as a Swedish table: ``Antagande, Lägsta, Högsta, Gap vid lägsta, Gap vid högsta, Utslag``."""
    return pd.DataFrame({
        "Antagande": [ASSUMPTION_LABELS.get(a, a) for a in frame["assumption"]],
        "Lägsta": [_range_text(r.assumption, r.low) for r in frame.itertuples(index=False)],
        "Högsta": [_range_text(r.assumption, r.high) for r in frame.itertuples(index=False)],
        "Gap vid lägsta": frame["gap_low"].to_numpy(),
        "Gap vid högsta": frame["gap_high"].to_numpy(),
        "Utslag": frame["swing"].to_numpy(),
    })


def ranges_table(ranges: pd.DataFrame) -> pd.DataFrame:
    """The uncertain assumptions' ranges as a Swedish table: ``Antagande, Lägsta, Huvudantagande, Högsta, Källa``."""
    return pd.DataFrame({
        "Antagande": [ASSUMPTION_LABELS.get(a, a) for a in ranges["assumption"]],
        "Lägsta": [_range_text(r.assumption, r.low) for r in ranges.itertuples(index=False)],
        "Huvudantagande": [_range_text(r.assumption, r.central) for r in ranges.itertuples(index=False)],
        "Högsta": [_range_text(r.assumption, r.high) for r in ranges.itertuples(index=False)],
        "Källa": ranges["source"].to_numpy(),
    })


def derived_table(result) -> pd.DataFrame:
    """The values a run derived from data, for the assumptions table: ``Antagande, Värde, Källa``."""
    from tillsammans.workforce import EMPLOYEE_AGE_PROFILE_SOURCE, EMPLOYMENT_PROFILE_SOURCE
    from tillsammans.workforce.inputs import value_year, values

    inputs, code = result.inputs, result.municipality

    def year(kpi: str) -> str:
        found = value_year(inputs, code, kpi)
        return "" if found is None else f", {found}"

    v = values(inputs, code)
    f, t, rates = result.factors, result.turnover, result.rates
    local = result.origin == "local"
    rows = [
        ("Personal i dag", "kommunens HR-underlag" if local else "Kolada",
         "Kommunens eget HR-underlag ersätter Koladas standardvärden" if local else
         f"Kolada n00098{year('n00098')}, n11104, n20041; övriga verksamheter med rikets kostnadsandelar"),
        ("Andel med hemtjänst/särskilt boende 65–79 / 80–89 / 90+",
         " / ".join(fmt_percent(rates[k]) for k in ("use_65_79", "use_80_89", "use_90")),
         (f"Kolada n20891, n20892{year('n20892')} och antagen kvot 90+ / 80–89"
          if pd.notna(v.get("n20892")) else
          "Kolada n20891, n20892 för riket (kommunen saknar värde) och antagen kvot 90+ / 80–89")),
        ("Åldersfördelning under 55 år (personal och nyanställda)", "rikets anställda", EMPLOYEE_AGE_PROFILE_SOURCE),
        ("Åldersfördelning 55+ år", "följer pensionsåldern",
         (f"Andel 55+ Kolada n00214, n20214, n30214{year('n00214')}; inom 55+ de som ännu inte gått i pension "
         "enligt fördelningen av pensionsåldern")),
        ("Pensionsavgångar basåret, andel av personalen", fmt_percent(t["retirement_rate"]),
         "Modellens åldersfördelning"),
        ("Personalomsättning utöver pension, använd", f"{fmt_percent(t['turnover'])} per år", t["source"]),
    ]
    if "gross_mean" in t:
        rows.append(("Avgångar inkl. pension, kommunens medel (landets 5–50–95-percentiler)",
                     (f"{fmt_percent(t['gross_mean'])} ({fmt_percent(t['national_p05'])} – "
                     f"{fmt_percent(t['national_median'])} – {fmt_percent(t['national_p95'])})"),
                     (f"Kolada n00239, n00233, {int(t['years'])} år"
                      + ("; begränsad till 95-percentilen" if t.get("capped") else ""))))
    rows += [
        ("Sysselsatta invånare 15–74 år (kalibrering)", fmt_number(f["employed_residents"]),
         f"Kolada n02202{year('n02202')}; {EMPLOYMENT_PROFILE_SOURCE}"),
        ("Sysselsättning i förhållande till rikets profil", fmt_general(f["employment_scale"], 3),
         "Kolada n02202 ÷ rikets åldersprofil tillämpad på kommunens befolkning"),
        ("Sysselsatta invånare 20–65 år enligt Koladas mått (kontroll)", fmt_percent(f["employment_20_64"]),
         f"Kolada n02243{year('n02243')}"),
        ("Utpendling / inpendling", f"{fmt_percent(f['out_commuting'])} / {fmt_percent(f['in_commuting'])}",
         f"Kolada n02279, n02276{year('n02276')}" + ("" if result.assumptions.commuting else " (används inte)")),
        ("Andel sysselsatta i kommun-/regionsektor", fmt_percent(f["welfare_share"]), f"Kolada n02203{year('n02203')}"),
        ("Årsarbetare per sysselsatt i kommun-/regionsektor", fmt_general(f["fte_per_person"], 3),
         "Median av landets 290 kommuner: Kolada n00098 ÷ (n02201 × n02203)"),
        ("Deltidsanställda (hävstång timmar)", fmt_number(v.get("n00227")), f"Kolada n00227{year('n00227')}"),
        ("Sjukfrånvaro (hävstång)", fmt_percent(v.get("n00090", float("nan")) / 100), f"Kolada n00090{year('n00090')}"),
    ]
    return pd.DataFrame(rows, columns=["Antagande", "Värde", "Källa"])


def backtest_table(errors: pd.DataFrame, horizons=(1, 3, 5, 10)) -> pd.DataFrame:
    """Backtest errors as a Swedish table: one row per series, horizon and method (percent).

    ``errors`` is :func:`tillsammans.workforce.backtest_errors` by series and horizon.
    """
    sel = errors[errors["horizon"].isin(horizons)].copy()
    sel["series"] = pd.Categorical(sel["series"], categories=list(SERIES_LABELS))
    sel = sel.sort_values(["series", "horizon", "method"])
    return pd.DataFrame({
        "Personal": sel["series"].map(SERIES_LABELS).astype(str).to_numpy(),
        "År framåt": sel["horizon"].to_numpy(),
        "Metod": sel["method"].map(METHOD_LABELS).astype(str).to_numpy(),
        "Medelfel": sel["mape"].to_numpy(),
        "Medianfel": sel["median_ape"].to_numpy(),
        "Personalviktat fel": sel["wape"].to_numpy(),
        "Bias": sel["bias"].to_numpy(),
        "Medelfel utan seriebrott": sel["mape_no_break"].to_numpy(),
        "Bias utan seriebrott": sel["bias_no_break"].to_numpy(),
        "Antal": sel["n"].to_numpy(),
        "Varav seriebrott": sel["n_break"].to_numpy(),
    })


def backtest_drivers_table(drivers: pd.DataFrame, names) -> pd.DataFrame:
    """:func:`tillsammans.workforce.backtest_drivers` as a Swedish table; ``names`` maps codes to names."""
    return pd.DataFrame({
        "Kommun": [names(c) for c in drivers["region_code"]],
        "Från år": drivers["jump_off"].astype(str).to_numpy(),
        "Till år": drivers["year"].astype(str).to_numpy(),
        "Årsarbetare startåret": drivers["staff_at_jump_off"].to_numpy(),
        "Förutsagt": drivers["predicted"].to_numpy(),
        "Utfall": drivers["observed"].to_numpy(),
        "Fel, procent": drivers["ape"].to_numpy(),
        "Andel av medelfelet": drivers["share_of_mean"].to_numpy(),
        "Seriebrott": ["ja" if b else "nej" for b in drivers["break"]],
    })


def network_table(municipalities: pd.DataFrame, total: pd.DataFrame, names, end_year: int) -> pd.DataFrame:
    """The network's municipalities and their sum, with 80 % intervals, as a Swedish table.

    ``municipalities`` and ``total`` are the two parts of :func:`tillsammans.workforce.network_workforce`;
    the sum's interval is that of the path-by-path sums, not the sum of the intervals.
    """
    m = municipalities
    rows = pd.DataFrame({
        "Kommun": [names(c) for c in m["region_code"]],
        "Årsarbetare i dag": m["staff_today"].to_numpy(),
        "Behov": m["need_end"].to_numpy(), "Behov, 10 %": m["need_end_q10"].to_numpy(),
        "Behov, 90 %": m["need_end_q90"].to_numpy(),
        "Rekrytering": m["cum_recruitment_need"].to_numpy(),
        "Rekrytering, 10 %": m["cum_recruitment_need_q10"].to_numpy(),
        "Rekrytering, 90 %": m["cum_recruitment_need_q90"].to_numpy(),
        "Gap i dag": m["gap_base"].to_numpy(),
        "Gap": m["gap_end"].to_numpy(), "Gap, 10 %": m["gap_end_q10"].to_numpy(),
        "Gap, 90 %": m["gap_end_q90"].to_numpy(),
    })
    end = total[total["year"] == end_year].set_index("output")
    sum_row = {"Kommun": "Nätverket", "Årsarbetare i dag": m["staff_today"].sum(),
               "Behov": end.loc["staff_need", "central"], "Behov, 10 %": end.loc["staff_need", "q10"],
               "Behov, 90 %": end.loc["staff_need", "q90"],
               "Rekrytering": end.loc["recruitment_need", "central"],
               "Rekrytering, 10 %": end.loc["recruitment_need", "q10"],
               "Rekrytering, 90 %": end.loc["recruitment_need", "q90"], "Gap i dag": m["gap_base"].sum(),
               "Gap": end.loc["gap", "central"], "Gap, 10 %": end.loc["gap", "q10"], "Gap, 90 %": end.loc["gap", "q90"]}
    return pd.concat([rows, pd.DataFrame([sum_row])], ignore_index=True)


def sensitivity_table(sensitivity: pd.DataFrame, names, municipality: str | None = None) -> pd.DataFrame:
    """:func:`tillsammans.workforce.population_sensitivity` as a Swedish table: one row per choice, the
    network's gap and its change, and the municipality's when it is in the network."""
    total = sensitivity[sensitivity["region_code"] == "total"].set_index("variant")
    out = pd.DataFrame({"Val i befolkningsmodellen": [VARIANT_LABELS.get(v, v) for v in total.index],
                        f"Invånare {WORKING_AGE_LABEL}, nätverket": total["working_age"].to_numpy(),
                        "Gap, nätverket": total["gap"].to_numpy(),
                        "Skillnad, nätverket": total["gap_change"].to_numpy()})
    if municipality is not None and municipality in set(sensitivity["region_code"]):
        own = sensitivity[sensitivity["region_code"] == municipality].set_index("variant").reindex(total.index)
        out[f"Gap, {names(municipality)}"] = own["gap"].to_numpy()
        out[f"Skillnad, {names(municipality)}"] = own["gap_change"].to_numpy()
    return out


def shortfall_table(shortfall: pd.DataFrame) -> pd.DataFrame:
    """Today's qualified-staff shortfall as a Swedish table."""
    return pd.DataFrame({
        "Mått": shortfall["label"].to_numpy(),
        "År": shortfall["year"].astype("Int64").astype(str).to_numpy(),
        "Årsarbetare": shortfall["staff"].to_numpy(),
        "Andel i kommunen": shortfall["share"].to_numpy(),
        "Andel i riket": shortfall["national_share"].to_numpy(),
        "Årsarbetare utan": shortfall["without"].to_numpy(),
        "Till rikets nivå": shortfall["to_national"].to_numpy(),
    })


__all__ = [
    "ASSUMPTION_LABELS",
    "COMPARE_LABELS",
    "LEVER_LABELS",
    "METHOD_LABELS",
    "SERIES_LABELS",
    "VARIANT_LABELS",
    "backtest_drivers_table",
    "backtest_table",
    "derived_table",
    "draw_tornado",
    "network_table",
    "ranges_table",
    "sensitivity_table",
    "shortfall_table",
    "staff_data_text",
    "tornado_table",
]

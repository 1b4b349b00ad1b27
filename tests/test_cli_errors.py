"""Issue 13 items 1, 5, 8 and 12: bad command lines get one or two lines saying what is wrong and what is
allowed, a non-zero exit, and no traceback unless ``--debug``; nothing is rendered.

Each test here backs a row of the table in ``docs/reliability.md``. They run the command line in-process
(``tillsammans.__main__.main``) except where the exit status and the whole output of a real process matter.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tillsammans import paths
from tillsammans.__main__ import error_message, main

NOTEBOOK = str(paths.notebooks_dir() / "01_population.ipynb")


@pytest.fixture
def reports(tmp_path, monkeypatch):
    target = tmp_path / "reports"
    monkeypatch.setenv("TILLSAMMANS_REPORTS", str(target))
    return target


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _assert_short_error(code: int, err: str, *fragments: str, max_lines: int = 2) -> None:
    assert code != 0
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert 1 <= len(lines) <= max_lines, err
    for fragment in fragments:
        assert fragment in err, err


@pytest.mark.parametrize(("selection", "fragments"), [
    ("0318", ["unknown region '0318'", "Did you mean: 0319 Älvkarleby"]),
    ("319", ["Did you mean 0319 Älvkarleby?", "leading zero"]),
    ("Alvkarlebyy", ["unknown region 'Alvkarlebyy'", "0319 Älvkarleby"]),
    ("03", ["03 (Region Uppsala) is a county, not a municipality"]),
    ("0319,0319", ["duplicate regions in list: 0319 Älvkarleby"]),
    ("", ["--municipalities is empty", "default, all, network"]),
    (" , ", ["--municipalities is empty"]),
])
def test_bad_municipality_selection(capsys, reports, processed_dir, selection, fragments):
    code, _, err = _run(capsys, "reports", "--municipalities", selection, "--notebooks", NOTEBOOK, "--no-progress")
    _assert_short_error(code, err, *fragments)
    assert not reports.exists() or not any(reports.glob("*/*.html"))


def test_selection_words_are_stripped_and_case_blind(registry):
    from tillsammans.municipalities import NETWORK
    from tillsammans.reports.build import select_municipalities

    assert select_municipalities("all ", registry)[0] == registry.municipalities()
    assert select_municipalities(" Default", registry) == (list(NETWORK), list(NETWORK))
    assert select_municipalities("NETWORK", registry) == ([], list(NETWORK))
    assert select_municipalities(" 0319 ; heby ", registry) == (["0319", "0331"], None)
    assert select_municipalities("0319", registry, network="0319,0381")[1] == ["0319", "0381"]


def test_network_of_one_is_refused(capsys, reports, processed_dir):
    code, _, err = _run(capsys, "reports", "--municipalities", "network", "--network", "0319", "--no-progress")
    _assert_short_error(code, err, "need at least 2 regions, got 1: 0319")


@pytest.mark.parametrize(("parameter", "fragments"), [
    # item 1: the subject of a report comes from --municipalities only
    ("municipality=0381", ["-p municipality=… would publish one municipality's report under another's name",
                           "--municipalities"]),
    ("municipalities=[\"0319\",\"0381\"]", ["-p municipalities=…", "--network"]),
    # item 5: a misspelled name no longer vanishes
    ("end_yaer=2050", ["unknown parameter 'end_yaer' (did you mean 'end_year'?)", "allowed: "]),
    ("colour=red", ["unknown parameter 'colour'", "allowed: compare_from, end_year"]),
])
def test_refused_parameters(capsys, reports, processed_dir, parameter, fragments):
    code, _, err = _run(capsys, "reports", "--municipalities", "0319", "--notebooks", NOTEBOOK, "-p", parameter,
                        "--no-progress")
    _assert_short_error(code, err, *fragments)
    assert not (reports / "0319-alvkarleby").exists()


def test_plan_refuses_a_subject_override_from_python(registry):
    """The same rule for callers of the library: plan() never lets extra parameters pick the subject."""
    from tillsammans.reports import ReportError, plan

    with pytest.raises(ReportError, match="municipality"):
        plan(["0319"], None, notebooks=[NOTEBOOK], extra_parameters={"municipality": "0381"}, registry=registry)
    jobs = plan(["0319"], None, notebooks=[NOTEBOOK], extra_parameters={"end_year": 2050}, registry=registry)
    assert jobs[0].parameters == {"end_year": 2050, "municipality": "0319"} and jobs[0].out_dir == "0319-alvkarleby"


@pytest.mark.parametrize(("argv", "fragment"), [
    (["-p", "end_year"], "must look like NAME=VALUE"),
    (["-p", "=2050"], "must look like NAME=VALUE"),
    (["-p", "end_year=2050", "-p", "end_year=2060"], "given twice"),
    (["-p", "end_year=NaN"], "not a usable value"),
    (["-p", "end_year=1e999"], "not a usable value"),
    (["--jobs", "0"], "must be at least 1"),
    (["--jobs", "two"], "is not a whole number"),
    (["--timeout", "-5"], "must be 0 (no limit) or a positive number"),
])
def test_usage_errors_exit_2_with_the_rule(capsys, argv, fragment):
    with pytest.raises(SystemExit) as info:
        main(["reports", "--municipalities", "0319", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_decimal_parameters_are_numbers():
    """-p productivity=0.005 used to arrive as the string '0.005' (a leading zero kept it a string)."""
    from tillsammans.__main__ import _parse_parameters

    assert _parse_parameters(["productivity=0.005", "municipality=0319", "n=0", "turnover=null"]) == {
        "productivity": 0.005, "municipality": "0319", "n": 0, "turnover": None}


def test_missing_and_broken_notebooks(capsys, reports, processed_dir, tmp_path):
    code, _, err = _run(capsys, "reports", "--municipalities", "0319", "--notebooks", "notebooks/01_populaton.ipynb")
    _assert_short_error(code, err, "notebook(s) not found", "01_populaton.ipynb", "01_population.ipynb")
    broken = tmp_path / "09_broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    code, _, err = _run(capsys, "reports", "--municipalities", "0319", "--notebooks", str(broken))
    _assert_short_error(code, err, "09_broken.ipynb is not a notebook")


def test_internal_fault_says_so_and_debug_shows_the_traceback(capsys, monkeypatch, reports, processed_dir):
    from tillsammans.reports import build

    def broken(*_args, **_kwargs):
        raise TypeError("an internal fault")

    monkeypatch.setattr(build, "plan", broken)
    code, _, err = _run(capsys, "reports", "--municipalities", "0319", "--notebooks", NOTEBOOK)
    _assert_short_error(code, err, "error: TypeError: an internal fault", "--debug")
    with pytest.raises(TypeError, match="an internal fault"):
        main(["reports", "--debug", "--municipalities", "0319", "--notebooks", NOTEBOOK])
    with pytest.raises(TypeError, match="an internal fault"):
        main(["--debug", "reports", "--municipalities", "0319", "--notebooks", NOTEBOOK])


def test_long_messages_are_cut_with_a_pointer_to_debug():
    from tillsammans.data import DataValidationError

    exc = DataValidationError([(f"file{i}.csv", "a rule", "row") for i in range(40)])
    text = error_message(exc)
    assert text.startswith("error: 40 data validation error(s):")
    assert len(text.splitlines()) == 12 and "30 more lines (--debug shows all)" in text


def test_cli_in_a_real_process_prints_one_line_and_exits_1(tmp_path, processed_dir):
    """The whole output of ``python -m tillsammans reports --municipalities 0318`` (item 8: it was 15–25
    lines of traceback with the message last)."""
    env = {**os.environ, "TILLSAMMANS_REPORTS": str(tmp_path / "reports")}
    done = subprocess.run([sys.executable, "-m", "tillsammans", "reports", "--municipalities", "0318"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "error: unknown region '0318'. Did you mean: 0319 Älvkarleby, 0330 Knivsta, 0305 Håbo?"]

"""Report production end to end: papermill runs, HTML export, cache, atomicity, index, bad input."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tillsammans import paths
from tillsammans.reports import runner
from tillsammans.reports.export import external_references
from tillsammans.reports.index import write_index

NB01 = paths.notebooks_dir() / "01_population.ipynb"


def test_slug_and_folder_names():
    assert runner.slug("Älvkarleby") == "alvkarleby"
    assert runner.slug("Upplands Väsby") == "upplands-vasby"
    assert runner.municipality_dir("0319", "Älvkarleby") == "0319-alvkarleby"


def test_scope_and_unknown_parameter_is_an_error():
    assert runner.notebook_scope(NB01) == "municipality"
    with pytest.raises(runner.ReportError, match=r"unknown parameter\(s\) \['municiplaity'\]"):
        runner.check_parameters(NB01, {"municiplaity": "0319"})


def test_plan_the_seven_and_refuse_unknown_codes(registry):
    from tillsammans.municipalities import NETWORK, UnknownRegionError

    jobs = runner.plan(list(NETWORK), None, notebooks=[NB01], registry=registry)
    assert [j.parameters["municipality"] for j in jobs] == list(NETWORK)
    assert all(isinstance(j.parameters["municipality"], str) for j in jobs)
    with pytest.raises(UnknownRegionError, match="0319 Älvkarleby"):
        runner.plan(["0318"], None, notebooks=[NB01], registry=registry)


@pytest.mark.notebooks
def test_render_another_municipality(rendered):
    reports, _, results = rendered
    assert [r.status for r in results] == ["ok"], runner.summary(results)
    page = (reports / "0319-alvkarleby" / "01_population.html").read_text(encoding="utf-8")
    assert "Befolkningen i Älvkarleby" in page
    assert results[0].keys["population"] > 9000  # Älvkarleby had about 9 600 inhabitants 2022
    assert (reports / "0319-alvkarleby" / "01_population.ipynb").exists()


@pytest.mark.notebooks
def test_html_has_no_code_and_is_self_contained(rendered):
    reports, _, _ = rendered
    page = (reports / "0319-alvkarleby" / "01_population.html").read_text(encoding="utf-8")
    assert "import matplotlib" not in page and "regions.resolve" not in page
    assert 'class="input_area"' not in page and "jp-InputArea" not in page
    assert external_references(page) == []
    images = re.findall(r"<img[^>]*>", page)
    assert len(images) >= 5
    for img in images:
        assert 'src="data:image/png;base64,' in img
        alt = re.search(r'alt="([^"]+)"', img)
        assert alt and len(alt.group(1)) > 20
    assert re.search(r'<nav[^>]*class="toc"', page) and 'href="#svar"' in page  # the answer first
    assert '<html lang="sv">' in page
    captions = re.findall(r'<p class="caption"[^>]*>.*?</p>', page, re.DOTALL)
    assert len(captions) >= 5 and all("Källa:" in c for c in captions)
    assert re.search(r"\d\u00a0\d{3}", page), "Swedish thousands separator (no-break space) expected"
    assert "Traceback" not in page and "Warning" not in page


@pytest.mark.notebooks
def test_unchanged_inputs_are_cached(rendered):
    reports, jobs, _ = rendered
    again = runner.run_jobs(jobs, reports=reports, progress=False)
    assert [r.status for r in again] == ["cached"]


@pytest.mark.notebooks
def test_bad_code_fails_with_registry_error_and_keeps_good_report(rendered):
    reports, _, _ = rendered
    good = reports / "0319-alvkarleby" / "01_population.html"
    before = good.read_bytes()
    bad = runner.Job(str(NB01), {"municipality": "0318"}, "0319-alvkarleby", "test")
    [result] = runner.run_jobs([bad], reports=reports, force=True, progress=False)
    assert result.status == "failed"
    assert "UnknownRegionError" in result.error and "0319 Älvkarleby" in result.error
    assert good.read_bytes() == before
    assert (reports / "0319-alvkarleby" / "01_population.FAILED.ipynb").exists()
    log = reports / "_logs" / "0319-alvkarleby--01_population.log"
    assert "FAILED" in log.read_text(encoding="utf-8")
    assert "FAILED 0319-alvkarleby/01_population" in runner.summary([result])


@pytest.mark.notebooks
def test_index_lists_rendered_reports(rendered):
    reports, _, _ = rendered
    index = write_index(reports)
    page = index.read_text(encoding="utf-8")
    assert 'href="0319-alvkarleby/01_population.html"' in page
    assert "Älvkarleby" in page and "Försörjningskvot" in page
    assert external_references(page) == []


def test_cli_parameter_parsing_keeps_codes_as_strings():
    from tillsammans.__main__ import _parse_parameters

    assert _parse_parameters(["municipality=0319", "end_year=2050", "scenario=base"]) == {
        "municipality": "0319", "end_year": 2050, "scenario": "base"}


def _slow_notebook(path: Path, seconds: float, started: Path | None = None) -> None:
    """A synthetic notebook (built by the test) that takes ``municipality``, touches ``started`` and sleeps."""
    import nbformat

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    touch = f"import pathlib\npathlib.Path({str(started)!r}).touch()\n" if started else ""
    nb.cells = [nbformat.v4.new_code_cell('municipality = "0319"', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(f"{touch}import time\ntime.sleep({seconds})\nprint('klar')")]
    nbformat.write(nb, path)


def _interrupt_build(tmp_path: Path, when: float | None) -> tuple[subprocess.Popen, str, bytes, Path]:
    """Build a good report, then start a slow build and Ctrl-C it ``when`` seconds after its start (None: once
    its notebook runs). Returns the process, its stderr, the good report's bytes and the reports folder."""
    notebook = tmp_path / "09_slow.ipynb"
    reports = tmp_path / "reports"
    started = tmp_path / "started"
    env = {**os.environ, "TILLSAMMANS_REPORTS": str(reports)}
    command = [sys.executable, "-m", "tillsammans", "reports", "--municipalities", "0319",
               "--notebooks", str(notebook), "--no-progress"]
    _slow_notebook(notebook, 0)
    subprocess.run(command, env=env, check=True, capture_output=True)
    before = (reports / "0319-alvkarleby" / "09_slow.html").read_bytes()

    _slow_notebook(notebook, 60, started)  # changed notebook: the cache does not skip it
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, text=True)
    if when is None:
        deadline = time.monotonic() + 120
        while not started.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert started.exists(), "the slow notebook never started"
    else:
        time.sleep(when)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"the build did not stop within 60 s of Ctrl-C ({when=})") from None
    return process, err, before, reports


@pytest.mark.notebooks
def test_interrupted_build_keeps_earlier_report_and_exits_nonzero(tmp_path):
    """Ctrl-C during a build: non-zero exit, a summary, and the earlier good report left in place."""
    process, err, before, reports = _interrupt_build(tmp_path, None)
    assert process.returncode != 0
    assert "interrupted" in err
    assert (reports / "0319-alvkarleby" / "09_slow.html").read_bytes() == before
    assert not (reports / ".tmp").exists()


@pytest.mark.notebooks
@pytest.mark.parametrize("when", [1.0, 2.5, 4.0])
def test_ctrl_c_at_any_moment_stops_the_build(tmp_path, when):
    """Ctrl-C while the build starts (imports, kernels starting, papermill loading): the build stops within a
    minute with a non-zero exit and the earlier report in place. Once hung until the kernels' start-up timeout,
    when the signal came before the runner's try block."""
    process, _, before, reports = _interrupt_build(tmp_path, when)
    assert process.returncode != 0
    assert (reports / "0319-alvkarleby" / "09_slow.html").read_bytes() == before


def test_front_page_is_rewritten_only_when_a_report_or_the_library_changed(tmp_path, monkeypatch, capsys):
    """A rebuild with nothing changed skips the front page (its chart alone takes seconds, issue 12); a report
    rendered again, changed key figures, another library or data, or a missing page write it again."""
    from tillsammans.reports import build
    from tillsammans.reports.index import INDEX_KEY

    reports = tmp_path / "reports"
    (reports / "0319-alvkarleby").mkdir(parents=True)
    (reports / "0319-alvkarleby" / ".01_population.key").write_text("k1", encoding="utf-8")
    (reports / "0319-alvkarleby" / "01_population.keys.json").write_text('{"gap": 1}', encoding="utf-8")
    status, fingerprint, written = ["ok"], ["library v1"], []

    def jobs(jobs, **_):
        return [runner.Result(job, status[0]) for job in jobs]

    def index(folder):
        written.append(1)
        for page in ("index.html", "ordlista.html"):
            (folder / page).write_text("<html></html>", encoding="utf-8")

    monkeypatch.setattr(build, "run_jobs", jobs)
    monkeypatch.setattr(build, "write_index", index)
    monkeypatch.setattr(build, "inputs_fingerprint", lambda: fingerprint[0])

    def rebuild() -> int:
        before = len(written)
        build.build_reports("0319", notebooks=[NB01], reports=reports, progress=False)
        return len(written) - before

    assert rebuild() == 1  # rendered
    status[0] = "cached"
    assert rebuild() == 0  # nothing changed
    assert (reports / INDEX_KEY).exists()
    (reports / "0319-alvkarleby" / "01_population.keys.json").write_text('{"gap": 2}', encoding="utf-8")
    assert rebuild() == 1
    assert rebuild() == 0
    fingerprint[0] = "library v2"
    assert rebuild() == 1
    (reports / "ordlista.html").unlink()
    assert rebuild() == 1
    status[0] = "ok"
    assert rebuild() == 1  # a report published again needs its navigation bar
    capsys.readouterr()


@pytest.mark.notebooks
def test_export_without_the_soup_pass_gives_the_same_page(rendered):
    """The report exporter skips nbconvert's closing BeautifulSoup pass (issue 12): the page must parse to
    exactly the tree nbconvert's own HTMLExporter writes with the same settings."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from tillsammans.reports import export

    reports, jobs, _ = rendered
    notebook = export._without_key_records(nbformat.read(reports / jobs[0].out_dir / "01_population.ipynb",
                                                         as_version=4))
    ours = export._exporter()
    theirs = HTMLExporter(config=ours.config, **{name: getattr(ours, name) for name in (
        "template_name", "extra_template_basedirs", "exclude_input", "exclude_input_prompt",
        "exclude_output_prompt", "language_code", "optimistic_validation")})
    resources = {"report_title": "t", "report_css": "", "report_footer": "", "report_nav": ""}
    quick, _ = ours.from_notebook_node(notebook, resources=dict(resources))
    full, _ = theirs.from_notebook_node(notebook, resources=dict(resources))
    assert quick != full  # the pass did run in nbconvert's exporter (it respells the page)
    assert str(BeautifulSoup(quick, features="html.parser")) == full
    assert "<img" in quick and 'alt="No description' not in full  # every image had its own alt text

"""One PDF per report, printed by headless Chromium with the reports' print stylesheet (A4).

``python -m tillsammans reports --pdf`` (``make pdf``) writes ``<report>.pdf`` beside each HTML report; the
report's navigation bar then links to it. Chromium is Debian's ``chromium`` (or ``$TILLSAMMANS_CHROMIUM``);
it is started once per report with a fresh profile and none of its network services.

A PDF is rewritten only when its report changed (a hash of the page without its navigation bar, kept beside
it), and atomically: Chromium prints to a temporary file that replaces the PDF only when it is a complete
PDF, so a failed print keeps the earlier one.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from tillsammans.reports.navigation import NAV_END, NAV_START, report_folders

#: Flags that keep headless Chromium off the network and out of the user's profile (checked on Debian 12).
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer")
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


class PdfError(RuntimeError):
    """A PDF could not be written; the message says which report and why."""


def chromium() -> str | None:
    """The Chromium to print with: ``$TILLSAMMANS_CHROMIUM``, else ``chromium`` or ``chromium-browser``."""
    return os.environ.get("TILLSAMMANS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def page_count(pdf: Path) -> int:
    """Number of pages of a PDF (page objects; Chromium writes no compressed object streams)."""
    return len(_PAGE.findall(Path(pdf).read_bytes()))


def content_hash(page: Path) -> str:
    """Hash of a report without its navigation bar (the bar changes when other reports appear)."""
    text = page.read_bytes()
    start, end = text.find(NAV_START.encode()), text.find(NAV_END.encode())
    if 0 <= start < end:
        text = text[:start] + text[end:]
    return hashlib.sha256(text).hexdigest()


def _key_file(pdf: Path) -> Path:
    return pdf.with_name(f".{pdf.name}.key")


def print_pdf(page: Path, pdf: Path | None = None, browser: str | None = None, timeout: float = 180) -> Path:
    """Print one HTML page to A4 PDF; raise :class:`PdfError` (the earlier PDF kept) when it fails."""
    page = Path(page).resolve()
    pdf = Path(pdf) if pdf is not None else page.with_suffix(".pdf")
    browser = browser or chromium()
    if browser is None:
        raise PdfError("chromium not found: install Debian's chromium (apt-get install chromium) or set "
                       "TILLSAMMANS_CHROMIUM to a Chromium executable")
    with tempfile.TemporaryDirectory(prefix="tillsammans-chromium-") as profile:
        staged = Path(profile) / "out.pdf"
        command = [browser, *FLAGS, f"--user-data-dir={profile}/profile", f"--print-to-pdf={staged}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"{page.name}: chromium did not finish within {timeout:g} s") from exc
        if done.returncode != 0 or not staged.exists() or staged.read_bytes()[:5] != b"%PDF-" \
                or page_count(staged) == 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise PdfError(f"{page.name}: chromium exited with {done.returncode} and no complete PDF\n{tail}")
        target_tmp = pdf.with_name(f".{pdf.name}.part")
        shutil.copyfile(staged, target_tmp)
        os.replace(target_tmp, pdf)
    return pdf


def report_pages(reports: Path) -> list[Path]:
    """Every HTML report under the reports folder (not the front page or the glossary)."""
    return [p for folder in report_folders(Path(reports)) for p in sorted(folder.glob("*.html"))]


def write_pdfs(reports: Path, pages: Iterable[Path] | None = None, jobs: int | None = None,
               force: bool = False) -> list[Path]:
    """Print the reports that changed since their PDF; return the PDFs written.

    Parameters
    ----------
    reports : Path
        The reports folder.
    pages : paths, optional
        The HTML reports to print (default: all, :func:`report_pages`).
    jobs : int, optional
        Chromium processes at once (default: number of cores).
    force : bool
        Print even when the PDF is current.

    Raises
    ------
    PdfError
        Naming every report whose PDF failed (the others are written).
    """
    browser = chromium()
    if browser is None:
        raise PdfError("chromium not found: install Debian's chromium (apt-get install chromium) or set "
                       "TILLSAMMANS_CHROMIUM to a Chromium executable")
    todo = []
    for page in (report_pages(reports) if pages is None else [Path(p) for p in pages]):
        pdf, digest = page.with_suffix(".pdf"), content_hash(page)
        key = _key_file(pdf)
        if force or not pdf.exists() or not key.exists() or key.read_text().strip() != digest:
            todo.append((page, pdf, digest))
    written, failures = [], []
    with cf.ThreadPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1)) as pool:
        futures = {pool.submit(print_pdf, page, pdf, browser): (page, pdf, digest) for page, pdf, digest in todo}
        for future in cf.as_completed(futures):
            page, pdf, digest = futures[future]
            try:
                future.result()
            except PdfError as exc:
                failures.append(str(exc))
                continue
            _key_file(pdf).write_text(digest + "\n", encoding="utf-8")
            written.append(pdf)
    if failures:
        raise PdfError(f"{len(failures)} PDF(s) failed:\n" + "\n".join(failures))
    return sorted(written)

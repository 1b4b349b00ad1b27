"""Report production: papermill runs in parallel processes, HTML export, the index page, the CLI.

``python -m tillsammans reports`` is the entry point the Makefile uses; :func:`build_reports` is the same
from Python.
"""

from tillsammans.reports.build import build_reports
from tillsammans.reports.index import write_index
from tillsammans.reports.runner import Job, ReportError, Result, plan, run_jobs, summary

__all__ = ["Job", "ReportError", "Result", "build_reports", "plan", "run_jobs", "summary", "write_index"]

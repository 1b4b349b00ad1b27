"""Report production: papermill runs in parallel processes, HTML export, the index page, the CLI.

``python -m tillsammans reports`` is the entry point the Makefile uses; :func:`build_reports` is the same
from Python.
"""

import sys

# jsonschema (imported by nbformat, which papermill and nbconvert use) loads the optional IRI checker
# ``rfc3987_syntax`` if it is installed (the development lock pulls it in through jupyterlab), and that
# module compiles a grammar on import: 1.7 s of CPU before the first report, on every build. Notebook
# validation never checks IRIs, so the build process declines the module (jsonschema then skips that checker).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from tillsammans.reports.build import build_reports  # noqa: E402
from tillsammans.reports.index import write_index  # noqa: E402
from tillsammans.reports.runner import Job, ReportError, Result, plan, run_jobs, summary  # noqa: E402

__all__ = ["Job", "ReportError", "Result", "build_reports", "plan", "run_jobs", "summary", "write_index"]

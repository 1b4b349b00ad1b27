"""Command line: ``python -m tillsammans data|reports|index``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tillsammans",
                                     description="C-Tillsammans study: data and reports")
    sub = parser.add_subparsers(dest="command", required=True)

    p_data = sub.add_parser("data", help="fill data/raw (mirror or download) and build data/processed")
    p_data.add_argument("--online", action="store_true", help="download from SCB and Kolada even with a mirror")
    p_data.add_argument("--mirror", help="offline mirror folder (default $TILLSAMMANS_MIRROR or ../shared/data)")
    p_data.add_argument("--skip-raw", action="store_true", help="only rebuild data/processed from data/raw")

    p_rep = sub.add_parser("reports", help="render the HTML reports and reports/index.html")
    p_rep.add_argument("--municipalities", default="default",
                       help="'default' (the seven + network), 'all' (290 + network), 'network', or codes/names "
                            "separated by commas")
    p_rep.add_argument("--jobs", type=int, default=None,
                       help="notebooks run at once, each in a warm kernel (default: number of cores)")
    p_rep.add_argument("--force", action="store_true", help="re-render even when nothing changed")
    p_rep.add_argument("--notebooks", default=None, help="comma-separated notebook paths (default: all)")
    p_rep.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                       help="parameter for every notebook that declares it, e.g. -p end_year=2050 "
                            "(values parsed as JSON when possible, else kept as strings)")
    p_rep.add_argument("--timeout", type=float, default=None,
                       help="seconds one notebook may run before its kernel is taken as hung and replaced "
                            "(default 600; 0: no limit)")
    p_rep.add_argument("--scheduler", default=None,
                       help="address of a Dask scheduler (e.g. tcp://host:8786): run the notebooks on its "
                            "workers; the reports are sent back and written here")
    p_rep.add_argument("--no-progress", action="store_true")
    p_rep.add_argument("--pdf", action="store_true",
                       help="also print one PDF per report (A4, headless Chromium) beside its HTML")

    sub.add_parser("index", help="rewrite reports/index.html from the rendered reports")

    args = parser.parse_args(argv)
    if args.command == "data":
        from pathlib import Path

        from tillsammans import data

        if not args.skip_raw:
            origin = data.fill_raw(mirror=Path(args.mirror) if args.mirror else None, online=args.online)
            print(f"data/raw filled from {origin}")
        manifest = data.build_processed()
        print(f"data/processed built: {len(manifest['tables'])} tables validated")
        return 0
    if args.command == "reports":
        import signal

        from tillsammans.reports import ReportError, build_reports
        from tillsammans.reports.runner import DEFAULT_TIMEOUT, BuildInterrupted, summary

        # SIGTERM (a scheduler, `kill`) stops the build as Ctrl-C does: kernels shut down, reports kept.
        signal.signal(signal.SIGTERM, _interrupt)
        timeout = DEFAULT_TIMEOUT if args.timeout is None else (args.timeout or None)
        client = None
        try:
            executor = None
            if args.scheduler:
                from dask.distributed import Client

                client = Client(args.scheduler)
                executor = client.get_executor()
            build_reports(
                args.municipalities, n_jobs=args.jobs, force=args.force,
                notebooks=args.notebooks.split(",") if args.notebooks else None,
                parameters=_parse_parameters(args.parameter), progress=not args.no_progress,
                timeout=timeout, executor=executor,
            )
            if args.pdf:
                _write_pdfs(args.jobs)
        except ReportError as exc:
            print(exc, file=sys.stderr)
            return 1
        except BuildInterrupted as exc:
            print("interrupted: earlier good reports are unchanged\n" + summary(exc.results), file=sys.stderr)
            return 130
        except KeyboardInterrupt:
            print("interrupted: earlier good reports are unchanged", file=sys.stderr)
            return 130
        finally:
            if client is not None:
                client.close()
        return 0
    if args.command == "index":
        from tillsammans.reports import write_index

        print(write_index())
        return 0
    return 2


def _write_pdfs(jobs: int | None) -> None:
    from tillsammans import paths
    from tillsammans.reports import ReportError, write_index
    from tillsammans.reports.pdf import PdfError, write_pdfs

    try:
        written = write_pdfs(paths.reports_dir(), jobs=jobs)
    except PdfError as exc:
        raise ReportError(str(exc)) from exc
    write_index()  # the reports' navigation bars link to their new PDFs
    print(f"{len(written)} PDF(s) written")


def _interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _parse_parameters(items: list[str]) -> dict:
    import json

    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SystemExit(f"parameter {item!r} must look like NAME=VALUE")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        # Codes such as 0381 must stay strings: JSON would read "0381" as invalid and 381 as a number.
        out[name] = value if isinstance(parsed, (int, float)) and value.startswith("0") and value != "0" else parsed
    return out


if __name__ == "__main__":
    sys.exit(main())

"""Command line: ``python -m tillsammans data|reports|index``.

Errors read as errors: one or two lines saying what is wrong and what is allowed or how to fix it, and a
non-zero exit; ``--debug`` shows the traceback instead. The summary of a report build is printed however
the build ended.
"""

from __future__ import annotations

import argparse
import sys

#: Exit status of a build stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130
#: Longest error message printed, in lines (a data validation error lists every violation).
MAX_LINES = 12


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tillsammans",
                                     description="C-Tillsammans study: data and reports")
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show the traceback of an error")
    parser.add_argument("--debug", action="store_true", default=False, help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)

    p_data = sub.add_parser("data", parents=[debug],
                            help="fill data/raw (mirror or download) and build data/processed")
    p_data.add_argument("--online", action="store_true", help="download from SCB and Kolada even with a mirror")
    p_data.add_argument("--mirror", help="offline mirror folder (default $TILLSAMMANS_MIRROR or ../shared/data)")
    p_data.add_argument("--skip-raw", action="store_true", help="only rebuild data/processed from data/raw")
    p_data.add_argument("--verify", action="store_true",
                        help="only check data/processed against manifest.json (full hashes) and print its digest")

    p_rep = sub.add_parser("reports", parents=[debug], help="render the HTML reports and reports/index.html")
    p_rep.add_argument("--municipalities", default="default",
                       help="'default' (the seven + network), 'all' (290 + network), 'network', or codes/names "
                            "separated by commas")
    p_rep.add_argument("--network", default=None,
                       help="members of the network report, codes/names separated by commas (default: the "
                            "seven of C-Tillsammans)")
    p_rep.add_argument("--jobs", type=_positive_int, default=None,
                       help="notebooks run at once, each in a warm kernel (default: number of cores)")
    p_rep.add_argument("--force", action="store_true", help="re-render even when nothing changed")
    p_rep.add_argument("--notebooks", default=None, help="comma-separated notebook paths (default: all)")
    p_rep.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                       help="parameter for every notebook that declares it, e.g. -p end_year=2050 "
                            "(values parsed as JSON when possible, else kept as strings)")
    p_rep.add_argument("--timeout", type=_non_negative, default=None,
                       help="seconds one notebook may run before its kernel is taken as hung and replaced "
                            "(default 600; 0: no limit)")
    p_rep.add_argument("--scheduler", default=None,
                       help="address of a Dask scheduler (e.g. tcp://host:8786): run the notebooks on its "
                            "workers; the reports are sent back and written here")
    p_rep.add_argument("--verify", action="store_true",
                       help="hash every file of data/processed before the build (default: size and time)")
    p_rep.add_argument("--no-progress", action="store_true")
    p_rep.add_argument("--pdf", action="store_true",
                       help="also print one PDF per report (A4, headless Chromium) beside its HTML")

    sub.add_parser("index", parents=[debug], help="rewrite reports/index.html from the rendered reports")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "reports":
        try:
            args.parameters = _parse_parameters(args.parameter)
        except ValueError as exc:
            parser.error(str(exc))
    try:
        return _run(args)
    except Exception as exc:
        if args.debug:
            raise
        print(error_message(exc), file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "data":
        return _data(args)
    if args.command == "reports":
        return _reports(args)
    from tillsammans.paths import reports_dir
    from tillsammans.reports import write_index
    from tillsammans.reports.runner import build_lock

    with build_lock(reports_dir()):
        print(write_index())
    return 0


def _data(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tillsammans import data, integrity

    if args.verify:
        digest = integrity.verify(full=True)
        print(f"data/processed matches manifest.json; digest {digest}")
        return 0
    origin, manifest = data.refresh(mirror=Path(args.mirror) if args.mirror else None, online=args.online,
                                    skip_raw=args.skip_raw)
    print(f"data/raw filled from {origin}" if not args.skip_raw else "data/raw kept as it is")
    print(f"data/processed built: {len(manifest['tables'])} tables validated; digest {manifest['digest']}")
    return 0


def _reports(args: argparse.Namespace) -> int:
    import signal

    from tillsammans.reports import ReportError, build_reports
    from tillsammans.reports.runner import DEFAULT_TIMEOUT, BuildInterrupted, summary

    # SIGTERM (a scheduler, `kill`) stops the build as Ctrl-C does: kernels shut down, reports kept.
    previous = signal.signal(signal.SIGTERM, _interrupt)
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
            notebooks=[p for p in args.notebooks.split(",") if p.strip()] if args.notebooks else None,
            parameters=args.parameters, progress=not args.no_progress, timeout=timeout, executor=executor,
            network=args.network, verify=args.verify,
        )
        if args.pdf:
            _write_pdfs(args.jobs)
    except ReportError as exc:
        print(exc, file=sys.stderr)
        return 1
    except BuildInterrupted as exc:
        print("interrupted: earlier good reports are unchanged\n" + summary(exc.results), file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("interrupted: earlier good reports are unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
        if client is not None:
            client.close()
    return 0


def error_message(exc: BaseException) -> str:
    """What the command line prints for an error: ``error: <what is wrong; what is allowed or how to fix>``.

    Errors the study raises on purpose (bad input, bad data, a busy folder) carry their own advice; any
    other exception is a fault in the program, said so with a pointer to ``--debug``.
    """
    from tillsammans.data.http import DownloadError
    from tillsammans.integrity import IntegrityError
    from tillsammans.locks import FolderBusyError
    from tillsammans.reports.kernels import KernelError

    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES - 1], f"  … and {len(lines) - MAX_LINES + 1} more lines (--debug shows all)"]
    expected = (ValueError, KeyError, OSError, IntegrityError, FolderBusyError, DownloadError, KernelError)
    if isinstance(exc, expected):
        return "error: " + "\n".join(lines)
    return (f"error: {type(exc).__name__}: {lines[0]}\n"
            "this is a fault in the program, not in your input; run again with --debug for the traceback")


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


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or a positive number of seconds, got {text}")
    return value


def _parse_parameters(items: list[str]) -> dict:
    """``NAME=VALUE`` pairs: values as JSON where they parse (numbers, lists, null), else strings; codes with
    a leading zero stay strings. A name given twice is an error."""
    import functools
    import json
    import math

    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ValueError(f"parameter {item!r} must look like NAME=VALUE, e.g. end_year=2050")
        if name in out:
            raise ValueError(f"parameter {name!r} given twice (-p {name}=…); give it once")
        try:
            # NaN and Infinity are JSON to Python, but no parameter of the study takes them.
            parsed = json.loads(value, parse_constant=functools.partial(_refuse, name))
        except json.JSONDecodeError:
            parsed = value  # text, and codes such as 0381 (JSON has no leading zeros): kept as strings
        if isinstance(parsed, float) and not math.isfinite(parsed):  # 1e999
            _refuse(name, value)
        out[name] = parsed
    return out


def _refuse(name: str, constant: str):
    raise ValueError(f"parameter {name}={constant}: not a usable value; give a finite number")


if __name__ == "__main__":
    sys.exit(main())

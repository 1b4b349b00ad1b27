"""The project's housekeeping, checked: honest test selection, declared dependencies, locks, make help."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _collect(*args: str) -> list[str]:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args]
    out = subprocess.run(command,
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode in (0, 5), out.stdout[-2000:] + out.stderr[-2000:]
    return [line for line in out.stdout.splitlines() if "::" in line]


def test_fast_selection_runs_no_notebook_and_no_browser():
    """`make test-fast` selects -m "not notebooks and not browser": no nbval cell, no rendering, no
    chromium."""
    where = ["notebooks", "tests/test_reports.py", "tests/test_browser.py"]
    fast = _collect("-m", "not notebooks and not browser", *where)
    slow = _collect("-m", "notebooks or browser", *where)
    assert fast and slow
    slow_in_fast = [t for t in fast if ".ipynb" in t or "test_browser.py" in t]
    assert not slow_in_fast, "notebook/browser items in test-fast"
    assert any(".ipynb" in t for t in slow), "nbval items lost their 'notebooks' marker"
    rendering = {"test_render_another_municipality", "test_municipality_report_in_browser"}
    assert not [t for t in fast if t.split("::")[-1] in rendering]


# -- dependencies ---------------------------------------------------------------------------------------

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _declared(extra: str | None = None) -> dict[str, Requirement]:
    project = PYPROJECT["project"]
    deps = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return {_norm(Requirement(d).name): Requirement(d) for d in deps}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imports(folder: Path) -> set[str]:
    names = set()
    for file in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_third_party_import_of_the_library_is_declared():
    # _typeshed: the type checker's standard-library stubs, imported only under TYPE_CHECKING
    third_party = _imports(ROOT / "lib") - set(sys.stdlib_module_names) - {"tillsammans", "__future__", "_typeshed"}
    providers = importlib.metadata.packages_distributions()
    declared = set(_declared())
    missing = {m: providers.get(m, ["?"]) for m in third_party
               if not {_norm(d) for d in providers.get(m, [])} & declared}
    assert not missing, f"imported by lib/ but not in [project.dependencies]: {missing}"


def test_pxwebpy_is_pinned_exactly_because_we_replace_its_private_client():
    spec = _declared()["pxwebpy"].specifier
    assert len(spec) == 1 and next(iter(spec)).operator == "=="
    assert importlib.metadata.version("pxwebpy") in spec


def _lock(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", text, flags=re.MULTILINE))
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    unhashed = [b.split("==")[0] for b in blocks if "==" in b and "--hash=sha256:" not in b]
    assert not unhashed, f"{name}: pins without hashes: {unhashed}"
    return {_norm(k): v for k, v in pins.items()}


def test_locks_pin_every_declared_dependency_with_hashes_and_agree():
    runtime, dev = _lock("runtime.lock"), _lock("dev.lock")
    assert set(_declared()) <= set(runtime), set(_declared()) - set(runtime)
    assert set(_declared("dev")) <= set(dev), set(_declared("dev")) - set(dev)
    assert {k: dev.get(k) for k in runtime} == runtime, "dev.lock must hold runtime.lock's pins unchanged"
    for name, requirement in _declared().items():
        assert requirement.specifier.contains(runtime[name], prereleases=True), (name, runtime[name])


def test_installed_environment_matches_the_lock():
    """The venv `make` built is the locked one (a stale venv would test other versions)."""
    dev = _lock("dev.lock")
    wrong = {}
    for name, version in dev.items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # platform-specific pins (appnope, pywinpty …)
        if installed != version:
            wrong[name] = (installed, version)
    assert not wrong, f"installed ≠ locked: {wrong}; run `make venv`"


# -- make help ------------------------------------------------------------------------------------------


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-zA-Z][a-zA-Z_-]*):", makefile, flags=re.MULTILINE))
    phony = set(re.search(r"^\.PHONY:(.*)$", makefile, flags=re.MULTILINE).group(1).split())
    assert targets == phony, f"targets not in .PHONY or the reverse: {targets ^ phony}"
    try:
        out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                             check=False)
    except FileNotFoundError:
        pytest.skip("make is not installed")
    listed = set(re.findall(r"^make (\S+)", out.stdout, flags=re.MULTILINE))
    assert listed == targets, f"make help misses {targets - listed}"

"""docs/reliability.md (issue 13): at least 40 kinds of bad input, and every test a row names exists."""

from __future__ import annotations

import ast
import re

from tillsammans import paths

DOC = paths.project_root() / "docs" / "reliability.md"
TESTS = paths.project_root() / "tests"


def _test_functions(file: str) -> set[str]:
    tree = ast.parse((TESTS / file).read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_row_names_tests_that_exist():
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) >= 40
    for row in rows:
        cell = row.rstrip("|").rsplit("|", 1)[-1]
        names = re.findall(r"`(?:(test_\w+\.py))?::(test_\w+)", cell)
        assert names, f"row without a test: {row[:60]}"
        file = None
        for given, name in names:
            file = given or file  # "`a.py::test_x`, `::test_y`": the second is in the same file
            assert name in _test_functions(file), f"{file}::{name} (row {row[:40]}…) does not exist"

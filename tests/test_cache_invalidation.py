"""The disk cache (``tillsammans.cache``) is invalidated by each of its inputs, one at a time.

An entry's key is the processed data (the manifest's hashes), the source of the modules named, the call's
parameters and its name; changing any one of them must recompute, changing none must not.
"""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from tillsammans import cache


@pytest.fixture
def folder(tmp_path, processed_dir):
    target = tmp_path / "processed"
    target.mkdir()
    shutil.copy(processed_dir / "manifest.json", target / "manifest.json")
    return target


@pytest.fixture
def module(tmp_path, monkeypatch):
    """A throw-away module on sys.path whose source the test can change."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "cache_probe_model.py").write_text("RATE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(src))
    yield src / "cache_probe_model.py"
    sys.modules.pop("cache_probe_model", None)


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"call": self.calls}


def _get(folder, compute, name="probe", parameters=None):
    return cache.cached(name, compute, modules=["cache_probe_model"], parameters=parameters or {"a": 1},
                        processed_dir=folder)


def test_nothing_changed_reuses_the_entry(folder, module):
    compute = Counter()
    assert _get(folder, compute) == _get(folder, compute) == {"call": 1}
    assert compute.calls == 1


def test_changed_parameters_recompute(folder, module):
    compute = Counter()
    _get(folder, compute)
    assert _get(folder, compute, parameters={"a": 2}) == {"call": 2}
    assert _get(folder, compute, parameters={"a": 1, "b": None}) == {"call": 3}


def test_changed_model_source_recomputes(folder, module):
    compute = Counter()
    _get(folder, compute)
    module.write_text("RATE = 2\n", encoding="utf-8")
    assert _get(folder, compute) == {"call": 2}


def test_changed_processed_data_recompute(folder, module):
    compute = Counter()
    _get(folder, compute)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    table = next(iter(manifest["tables"]))
    manifest["tables"][table]["sha256"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert _get(folder, compute) == {"call": 2}


def test_changed_name_is_another_entry(folder, module):
    compute = Counter()
    _get(folder, compute, name="probe")
    assert _get(folder, compute, name="other") == {"call": 2}


def test_disabled_or_without_built_data_always_computes(tmp_path, folder, module):
    compute = Counter()
    cache.cached("probe", compute, modules=["cache_probe_model"], processed_dir=folder, enabled=False)
    cache.cached("probe", compute, modules=["cache_probe_model"], processed_dir=folder, enabled=False)
    cache.cached("probe", compute, modules=["cache_probe_model"], processed_dir=tmp_path / "none")
    assert compute.calls == 3


def test_local_extracts_hash_follows_content_names_and_additions(tmp_path):
    local = tmp_path / "local"
    assert cache.files_hash(local) == ""
    local.mkdir()
    (local / "hr_0319.csv").write_text("a\n", encoding="utf-8")
    first = cache.files_hash(local)
    (local / "hr_0319.csv").write_text("b\n", encoding="utf-8")
    second = cache.files_hash(local)
    (local / "hr_0319.csv").rename(local / "hr_0381.csv")
    third = cache.files_hash(local)
    (local / "cooperation_staff.csv").write_text("b\n", encoding="utf-8")
    assert len({first, second, third, cache.files_hash(local)}) == 4

"""The disk cache of derived inputs: reused when nothing changed, rebuilt when the key changes; data only
(no pickle), damaged entries recomputed, a size cap with least-recently-used eviction (issue 13 item 4)."""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tillsammans import cache, integrity


@pytest.fixture
def folder(processed_dir, tmp_path):
    target = tmp_path / "processed"
    target.mkdir()
    shutil.copy(processed_dir / "manifest.json", target / "manifest.json")
    return target


def _entries(folder: Path, name: str = "demo") -> list[Path]:
    return sorted((folder / "cache").glob(f"{name}-*"))


def test_cached_value_is_reused_and_keyed_on_parameters(folder):
    calls = []

    def compute():
        calls.append(1)
        return {"value": len(calls)}

    first = cache.cached("demo", compute, modules=["tillsammans.cache"], parameters={"a": 1}, processed_dir=folder)
    again = cache.cached("demo", compute, modules=["tillsammans.cache"], parameters={"a": 1}, processed_dir=folder)
    other = cache.cached("demo", compute, modules=["tillsammans.cache"], parameters={"a": 2}, processed_dir=folder)
    assert first == again == {"value": 1}
    assert other == {"value": 2}
    assert len(calls) == 2
    assert len(_entries(folder)) == 2


@pytest.mark.parametrize("damage", ["garbage entry", "truncated frame", "changed array", "missing file",
                                    "empty entry"])
def test_damaged_entry_is_discarded_and_recomputed(folder, damage):
    value = {"frame": pd.DataFrame({"x": [1.0, 2.0]}), "array": np.arange(4.0)}
    cache.cached("demo", lambda: value, modules=["tillsammans.cache"], processed_dir=folder)
    entry = _entries(folder)[0]
    if damage == "garbage entry":
        (entry / "entry.json").write_bytes(b"\x80\x04not json")
    elif damage == "truncated frame":
        frame = entry / "frame-0.parquet"
        frame.write_bytes(frame.read_bytes()[:40])
    elif damage == "changed array":
        np.savez(entry / "arrays.npz", a0=np.arange(4.0) + 1)
    elif damage == "missing file":
        (entry / "arrays.npz").unlink()
    else:
        (entry / "entry.json").write_text("", encoding="utf-8")
    fresh = {"frame": pd.DataFrame({"x": [3.0]}), "array": np.zeros(1)}
    got = cache.cached("demo", lambda: fresh, modules=["tillsammans.cache"], processed_dir=folder)
    pd.testing.assert_frame_equal(got["frame"], fresh["frame"])
    # the recomputed value replaced the damaged entry and is read back from it next time
    again = cache.cached("demo", lambda: pytest.fail("should come from the cache"), modules=["tillsammans.cache"],
                         processed_dir=folder)
    np.testing.assert_array_equal(again["array"], fresh["array"])


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_a_planted_pickle_never_runs(folder, tmp_path, monkeypatch):
    """The former format was pickle: a file planted under an entry's name ran code on the next build."""
    monkeypatch.chdir(tmp_path)
    cache.cached("demo", lambda: 1, modules=["tillsammans.cache"], processed_dir=folder)
    entry = _entries(folder)[0]
    for target in (entry / "entry.json", entry.with_name(entry.name + ".pkl"), folder / "cache" / "demo.pkl"):
        target.write_bytes(pickle.dumps(_Exploit()))
    assert cache.cached("demo", lambda: 2, modules=["tillsammans.cache"], processed_dir=folder) == 2
    assert not (tmp_path / "PWNED").exists()
    assert not (folder / "cache" / "demo.pkl").exists()  # files of the old format are removed, never read


def test_npz_with_pickled_objects_is_refused_on_read(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cache.cached("demo", lambda: np.arange(3), modules=["tillsammans.cache"], processed_dir=folder)
    entry = _entries(folder)[0]
    np.savez(entry / "arrays.npz", a0=np.array([_Exploit()], dtype=object))
    # even with its checksum made to match, the object array is not loaded (allow_pickle=False)
    import json

    meta = json.loads((entry / "entry.json").read_text())
    meta["files"]["arrays.npz"] = integrity.sha256(entry / "arrays.npz")
    (entry / "entry.json").write_text(json.dumps(meta))
    with pytest.raises(cache.DamagedEntry):
        cache.read_entry(entry)
    assert not (tmp_path / "PWNED").exists()


@cache.storable
@dataclasses.dataclass
class _Probe:
    """A dataclass registered for the cache (built by the test)."""

    name: str
    table: pd.DataFrame
    arrays: dict
    _memo: dict = dataclasses.field(default_factory=dict)


def test_codec_round_trips_what_the_library_stores(tmp_path):
    frame = pd.DataFrame({"region_code": ["0319", "0381"], "value": [1.5, np.nan]}).set_index("region_code")
    frame.attrs["skipped"] = [("0114", "no data")]
    series = pd.Series([1, 2], index=pd.Index([2019, 2020], name="year"), name="population")
    value = {
        "frame": frame, "series": series, "ints": {2019: np.arange(3), 2020: np.zeros((2, 2))},
        "tuple": ("a", 1, None, True), "float": float("nan"), "inf": float("-inf"), "scalar": np.float32(2.5),
        "path": Path("/x/y"), ("pair", 1): "tuple key", "$odd": 1,
        "probe": _Probe("x", frame, {"a": np.ones(2)}, _memo={"not": "stored"}),
    }
    cache.write_entry(tmp_path / "e", value)
    back = cache.read_entry(tmp_path / "e")
    pd.testing.assert_frame_equal(back["frame"], frame)
    assert back["frame"].attrs == {"skipped": [("0114", "no data")]}
    pd.testing.assert_series_equal(back["series"], series)
    assert list(back["ints"]) == [2019, 2020]
    np.testing.assert_array_equal(back["ints"][2020], np.zeros((2, 2)))
    assert back["tuple"] == ("a", 1, None, True)
    assert np.isnan(back["float"]) and back["inf"] == float("-inf")
    assert type(back["scalar"]) is np.float32 and back["scalar"] == 2.5
    assert back["path"] == Path("/x/y") and back[("pair", 1)] == "tuple key" and back["$odd"] == 1
    assert isinstance(back["probe"], _Probe) and back["probe"]._memo == {}
    pd.testing.assert_frame_equal(back["probe"].table, frame)


@pytest.mark.parametrize("value", [object(), np.array([object()], dtype=object), {"f": lambda: 1},
                                   pd.DataFrame({1: [1]})])
def test_codec_refuses_what_it_cannot_store_without_pickle(value, tmp_path):
    with pytest.raises(TypeError, match="cannot cache"):
        cache.write_entry(tmp_path / "e", value)


def test_unregistered_dataclass_is_refused(tmp_path):
    @dataclasses.dataclass
    class Other:
        a: int

    with pytest.raises(TypeError, match="not registered"):
        cache.write_entry(tmp_path / "e", Other(1))


def test_size_cap_evicts_least_recently_used(folder, monkeypatch):
    big = np.zeros(200_000)  # 1.6 MB
    monkeypatch.setenv("TILLSAMMANS_CACHE_MB", "4")  # room for two entries
    for n in (1, 2):
        cache.cached("demo", lambda: big, modules=["tillsammans.cache"], parameters={"n": n}, processed_dir=folder)
        time.sleep(0.05)
    # entry 1 used again: now entry 2 is the least recently used
    cache.cached("demo", lambda: pytest.fail("cached"), modules=["tillsammans.cache"], parameters={"n": 1},
                 processed_dir=folder)
    time.sleep(0.05)
    cache.cached("demo", lambda: big, modules=["tillsammans.cache"], parameters={"n": 3}, processed_dir=folder)
    assert len(_entries(folder)) == 2
    assert sum(p.stat().st_size for e in _entries(folder) for p in e.iterdir()) <= 4 * 1024**2
    calls = []
    cache.cached("demo", lambda: calls.append(1) or big, modules=["tillsammans.cache"], parameters={"n": 1},
                 processed_dir=folder)
    cache.cached("demo", lambda: calls.append(2) or big, modules=["tillsammans.cache"], parameters={"n": 2},
                 processed_dir=folder)
    assert calls == [2]  # 1 was kept, 2 was evicted


def test_cap_setting_is_checked(monkeypatch):
    for bad in ("-1", "zero", "nan"):
        monkeypatch.setenv("TILLSAMMANS_CACHE_MB", bad)
        with pytest.raises(ValueError, match="TILLSAMMANS_CACHE_MB"):
            cache.max_bytes()


def test_killed_writers_debris_is_removed(folder):
    cache.cached("demo", lambda: 1, modules=["tillsammans.cache"], processed_dir=folder)
    stale = folder / "cache" / ".tmp-demo-killed"
    (stale / "entry").mkdir(parents=True)
    old = time.time() - 2 * cache.STALE_SECONDS
    os.utime(stale, (old, old))
    cache.cached("demo", lambda: 2, modules=["tillsammans.cache"], parameters={"b": 1}, processed_dir=folder)
    assert not stale.exists()

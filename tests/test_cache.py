"""The disk cache of derived inputs: reused when nothing changed, rebuilt when the key changes."""

import pickle

from tillsammans import cache


def test_cached_value_is_reused_and_keyed_on_parameters(processed_dir, tmp_path):
    import shutil

    folder = tmp_path / "processed"
    folder.mkdir()
    shutil.copy(processed_dir / "manifest.json", folder / "manifest.json")
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
    assert len(list((folder / "cache").glob("demo-*.pkl"))) == 2


def test_damaged_entry_is_rebuilt(processed_dir, tmp_path):
    import shutil

    folder = tmp_path / "processed"
    folder.mkdir()
    shutil.copy(processed_dir / "manifest.json", folder / "manifest.json")
    cache.cached("demo", lambda: 1, modules=["tillsammans.cache"], processed_dir=folder)
    entry = next((folder / "cache").glob("demo-*.pkl"))
    entry.write_bytes(b"not a pickle")
    assert cache.cached("demo", lambda: 2, modules=["tillsammans.cache"], processed_dir=folder) == 2
    assert pickle.loads(entry.read_bytes()) == 2

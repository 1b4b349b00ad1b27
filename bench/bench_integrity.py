"""Cost of the manifest check (issue 13 item 3): the fast path (size and time) and the full hash.

Prints, for three fresh processes each, the seconds of ``integrity.verify`` over every table of
``data/processed`` with ``full=False`` (what every build and every read does) and ``full=True`` (the data
build and ``--verify``), and the cost of one ``load_table`` check after the first. Report the median and the
spread; the machine is shared, so say what else was running.

    .venv/bin/python bench/bench_integrity.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

PROBE = r"""
import json, time
from tillsammans import integrity, paths
t = time.perf_counter(); integrity.verify(full=False); fast = time.perf_counter() - t
t = time.perf_counter(); integrity.verify(full=True); full = time.perf_counter() - t
n = 1000
t = time.perf_counter()
for _ in range(n):
    integrity.verify_file(paths.processed_dir(), "kolada_values")
per_read = (time.perf_counter() - t) / n
size = sum(e["size"] for e in integrity.read_manifest()["tables"].values())
print(json.dumps({"fast": fast, "full": full, "per_read": per_read, "bytes": size}))
"""


def main() -> None:
    runs = [json.loads(subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                                      check=True).stdout) for _ in range(3)]
    size = runs[0]["bytes"] / 1e6
    print(f"data/processed: {size:.1f} MB in the manifest's tables")
    for key, label, unit, scale in (("fast", "verify, size and time (every build)", "ms", 1e3),
                                    ("full", "verify, full sha256 (data build, --verify)", "ms", 1e3),
                                    ("per_read", "one table read's check after the first", "µs", 1e6)):
        values = sorted(r[key] * scale for r in runs)
        print(f"{label:45s} median {statistics.median(values):8.2f} {unit}  "
              f"(range {values[0]:.2f}–{values[-1]:.2f})")


if __name__ == "__main__":
    main()

"""`make bench`: benchmarks on generated data, against whatever database and
broker the environment names. Runs in a throw-away test database, prints a
table and writes var/bench/results.json as a list of {name, value, unit}.

Each module in bench/ that defines ``run(results)`` is one benchmark group.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "council.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

from bench.common import Results, reset_database  # noqa: E402


def main(argv: list[str]) -> int:
    only = set(argv)
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    results = Results()
    started = time.perf_counter()
    try:
        # The national-scale run loads millions of rows: last, so the council-scale figures come first.
        modules = sorted(
            pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: (m.name == "national", m.name)
        )
        for module_info in modules:
            if module_info.name in {"common", "__main__"} or (only and module_info.name not in only):
                continue
            module = importlib.import_module(f"bench.{module_info.name}")
            if hasattr(module, "run"):
                print(f"… {module_info.name}", flush=True)
                reset_database()
                module.run(results)
    finally:
        teardown_databases(old_config, verbosity=0)
    out = Path(settings.VAR_DIR) / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results.rows, indent=2))
    print(results.table())
    print(f"\n{len(results.rows)} figures in {time.perf_counter() - started:.1f}s; written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

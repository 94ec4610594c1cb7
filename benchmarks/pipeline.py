"""Benchmark: the whole pipeline on the bundled sample, through Dagster and as plain functions, side by side.

Measured in one run, each in a fresh process (so imports count, as they do for a user):

1. ``ks-sdg materialize`` — what ``make run`` does: reference tables, every wave, findings, charts, workbooks,
   exports, the published warehouse; runs recorded in a temporary Dagster instance (target < 15 s wall);
2. the same steps as plain function calls in one process (``pipeline.build`` + ``pipeline.report.deliverables``
   + ``publish_copy``), and the ratio Dagster / plain (target ≤ 1.5×);
3. loading the Dagster definitions (``import pipeline.definitions``; target < 2 s).

Run: ``.venv/bin/python benchmarks/pipeline.py [--repeat N]``. Figures are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

PLAIN = """
import sys, time
from pathlib import Path
start = time.perf_counter()
from pipeline.build import build_warehouse
from pipeline.findings import checks as finding_checks
from pipeline.findings.config import load_config
from pipeline.report.deliverables import build_deliverables, load_tables
from pipeline.report.workbook import FINDING_TABLES
from pipeline.warehouse import checks as wave_checks, connect, publish_copy
tmp = Path(sys.argv[1])
waves = build_warehouse(tmp / "wh.duckdb", raw=sys.argv[2])
con = connect(tmp / "wh.duckdb", read_only=True)
# the blocking checks Dagster runs
for wave in waves:
    for check in (wave_checks.respondents_in_frame, wave_checks.one_respondent_per_org,
                  wave_checks.option_codes_in_domain, wave_checks.no_pii, wave_checks.counts_reconcile):
        assert check(con, wave).passed
assert finding_checks.weights_reproduce_totals(con.execute("SELECT * FROM weighting_strata").df()).passed
for table in FINDING_TABLES:
    rows = con.execute(f"SELECT * FROM {table}").df()
    assert finding_checks.estimates_in_unit_interval(rows).passed
    assert finding_checks.intervals_contain_estimates(rows).passed
    assert finding_checks.suppressed_cells_are_empty(rows, load_config().min_n).passed
tables = load_tables(con)
con.close()
build_deliverables(tables, tmp / "assets")
publish_copy(tmp / "wh.duckdb", tmp / "pub.duckdb")
print(f"inside {time.perf_counter() - start:.3f}")
"""

CALIBRATE = """
import time
def loop():
    total = 0
    for i in range(20_000_000):
        total += i
start = time.process_time()
loop()
print(f"{time.process_time() - start:.3f}")
"""

LOAD = """
import time
start = time.perf_counter()
import pipeline.definitions
defs = pipeline.definitions.defs
defs.resolve_asset_graph()
print(f"{time.perf_counter() - start:.3f}")
"""


def environment(tmp: Path) -> dict[str, str]:
    """A private Dagster instance (the project's dagster.yaml), warehouse and assets folder under ``tmp``."""
    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = dict(os.environ)
    env.update(
        DAGSTER_HOME=str(home),
        KS_SDG_DAGSTER_DIR=str(home / ".dagster"),
        KS_SDG_DAGSTER_COMPUTE_LOGS=str(home / ".dagster" / "logs"),
        KS_SDG_WAREHOUSE=str(tmp / "wh.duckdb"),
        KS_SDG_PUBLISHED=str(tmp / "pub.duckdb"),
        KS_SDG_ASSETS_DIR=str(tmp / "assets"),
        KS_SDG_RAW_DIR=str(ROOT / "raw" / "sample"),
        MPLBACKEND="Agg",
        OPENBLAS_NUM_THREADS=env.get("OPENBLAS_NUM_THREADS", "1"),
    )
    return env


STEPS = """
import warnings
warnings.filterwarnings("ignore")
from dagster import DagsterInstance
instance = DagsterInstance.get()
for run in reversed(instance.get_runs(limit=20)):
    partition = run.tags.get("dagster/partition")
    for stat in instance.get_run_step_stats(run.run_id):
        if stat.end_time and stat.start_time:
            name = f"{run.job_name}[{partition}]" if partition else run.job_name
            print(f"{stat.end_time - stat.start_time:.3f}\t{name}\t{stat.step_key}")
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return seconds, out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    dagster_runs, plain_runs, loads, speeds = [], [], [], []
    for _ in range(args.repeat):
        speeds.append(float(subprocess.run([PYTHON, "-c", CALIBRATE], capture_output=True, text=True).stdout))
        with tempfile.TemporaryDirectory() as tmp:
            env = environment(Path(tmp))
            seconds, out = timed([str(Path(PYTHON).with_name("ks-sdg")), "materialize"], env)
            dagster_runs.append(seconds)
            step_lines = timed([PYTHON, "-c", STEPS], env)[1].splitlines()
            steps = [line for line in out.splitlines() if line.startswith(("ok", "FAIL"))]
        with tempfile.TemporaryDirectory() as tmp:
            env = environment(Path(tmp))
            seconds, _ = timed([PYTHON, "-c", PLAIN, tmp, str(ROOT / "raw" / "sample")], env)
            plain_runs.append(seconds)
        with tempfile.TemporaryDirectory() as tmp:
            _, out = timed([PYTHON, "-c", LOAD], environment(Path(tmp)))
            loads.append(float(out.strip().splitlines()[-1]))
    dagster, plain, load = (statistics.median(x) for x in (dagster_runs, plain_runs, loads))
    print(f"machine: {os.cpu_count()} CPUs; median of {args.repeat} runs; each in a fresh process")
    print(
        f"machine speed: {statistics.median(speeds):.2f} s CPU for a 20-million-step Python loop "
        "(compare figures across machines by this)"
    )
    print("last `ks-sdg materialize` runs:")
    for line in steps:
        print(f"  {line}")
    print("their steps (seconds, as Dagster recorded them):")
    for line in step_lines:
        seconds_text, job, step = line.split("\t")
        print(f"  {float(seconds_text):6.2f}  {job:26s} {step}")
    print(
        f"whole run through Dagster (make run): {dagster:6.2f} s wall   target < 15 s: "
        f"{'met' if dagster < 15 else 'NOT met'}"
    )
    print(f"same steps as plain functions:         {plain:6.2f} s wall")
    ratio = dagster / plain
    print(
        f"Dagster / plain:                       {ratio:6.2f}×     "
        f"target ≤ 1.5×: {'met' if ratio <= 1.5 else 'NOT met'}"
    )
    print(
        f"definitions load (import + graph):     {load:6.2f} s        target < 2 s: {'met' if load < 2 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()

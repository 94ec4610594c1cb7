"""Ingest benchmark: reading a large SurveyXact workbook, measured side by side in one run.

Reader part: a 20 000 × 80 ``Dataset`` sheet (codes, 0/1 dummies, Norwegian free text, dates) is generated in a
temporary folder; then timed are the raw python-calamine sheet read, the full ``read_export`` to a ``RawExport``
(records + long answers + variables) and ``pandas.read_excel(engine="openpyxl")`` on the same sheet. Printed: seconds,
cells/s and the ratios (target: ``read_export`` ≥ 5 × faster than openpyxl, DESIGN §11).

Pipeline part: :func:`ingest_sample_timing` times reading and harmonising every wave of the synthetic sample
(``harmonise_wave``) and writing it to a fresh warehouse (reference tables first), as plain function calls.

Run: ``.venv/bin/python benchmarks/ingest.py [--rows N] [--cols N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import python_calamine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.readers import read_export
from pipeline.readers.model import Variable
from pipeline.sample.formats import write_surveyxact_xlsx

WORDS = ["kapasitet", "økonomi", "kompetanse", "målstyring", "bærekraft", "plan", "Ålesund", "Tromsø", "årsrapport"]


def make_export(n_rows: int, n_cols: int, seed: int = 1) -> tuple[list[Variable], list[dict[str, object]]]:
    """Variables and rows of a wide SurveyXact export: id, close time, then codes, dummies and text (≈ 75/15/10 %)."""
    rng = random.Random(seed)
    variables = [Variable("responde", "Respondent", "system"), Variable("closetim", "Ende", "system")]
    n_rest = n_cols - len(variables)
    n_text, n_dummy = max(1, n_rest // 10), max(1, n_rest * 15 // 100)
    for j in range(n_rest - n_text - n_dummy):
        labels = {str(c): f"Svar {c}" for c in range(1, 6)}
        variables.append(Variable(f"s_{j + 1}", f"Spørsmål {j + 1}", "single", labels))
    for j in range(n_dummy):
        variables.append(Variable(f"v_1_{j + 1}", f"Barrierer - Valg {j + 1}", "multiple_dummy", {}, "v_1", str(j + 1)))
    for j in range(n_text):
        variables.append(Variable(f"t_{j + 1}", f"Kommentar {j + 1}", "text"))
    start = dt.datetime(2024, 3, 1, 8, 0)
    rows = []
    for i in range(n_rows):
        row: dict[str, object] = {"responde": 800_000_000 + i, "closetim": start + dt.timedelta(minutes=7 * i)}
        for var in variables[2:]:
            if var.type == "single":
                row[var.name] = rng.randint(1, 5) if rng.random() > 0.1 else None
            elif var.type == "multiple_dummy":
                row[var.name] = int(rng.random() < 0.3)
            else:
                row[var.name] = " ".join(rng.choices(WORDS, k=4)) if rng.random() < 0.5 else None
        rows.append(row)
    return variables, rows


def best_of(repeat: int, func: Callable[[], object]) -> float:
    """The fastest wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def raw_calamine(path: Path) -> list[list[object]]:
    """Just the sheet: python-calamine's cell values of ``Dataset`` as Python lists."""
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Dataset").to_python()


def ingest_sample_timing() -> dict[str, float]:
    """Seconds to ingest and harmonise the whole synthetic sample: reference tables, then every wave (read,
    harmonise, write atomically) into a fresh warehouse."""
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    from pipeline.build import build_reference, build_wave
    from pipeline.codebook.harmonise import harmonise_wave
    from pipeline.codebook.wave import discover_codebooks, load_codebook

    waves = discover_codebooks(root / "raw" / "sample")
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "ks_sdg.duckdb"
        start = time.perf_counter()
        build_reference(warehouse)
        timings["reference tables"] = time.perf_counter() - start
        for wave, path in sorted(waves.items()):
            t = time.perf_counter()
            harmonise_wave(load_codebook(path))
            timings[f"read+harmonise {wave}"] = time.perf_counter() - t
            t = time.perf_counter()
            build_wave(warehouse, path)
            timings[f"ingest {wave} (incl. write)"] = time.perf_counter() - t
        timings["whole sample (reference + ingest)"] = (
            time.perf_counter() - start - sum(v for k, v in timings.items() if k.startswith("read+harmonise"))
        )
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--cols", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    cells = args.rows * args.cols
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "surveyxact_large.xlsx"
        start = time.perf_counter()
        write_surveyxact_xlsx(path, *make_export(args.rows, args.cols))
        print(f"generated {args.rows} × {args.cols} = {cells:,} cells in {time.perf_counter() - start:.1f} s")
        export = read_export(path)
        assert export.n_records == args.rows and len(export.variables) == args.cols
        timings = {
            "calamine raw sheet": best_of(args.repeat, lambda: raw_calamine(path)),
            "read_export (calamine)": best_of(args.repeat, lambda: read_export(path)),
            "pandas.read_excel openpyxl": best_of(
                1, lambda: pd.read_excel(path, sheet_name="Dataset", engine="openpyxl")
            ),
        }
    baseline = timings["pandas.read_excel openpyxl"]
    print(f"{'reader':<28} {'seconds':>8} {'cells/s':>12} {'× openpyxl':>11}")
    for name, seconds in timings.items():
        print(f"{name:<28} {seconds:8.2f} {cells / seconds:12,.0f} {baseline / seconds:10.1f}×")
    ratio = baseline / timings["read_export (calamine)"]
    print(f"read_export vs openpyxl: {ratio:.1f}× (target ≥ 5×) {'OK' if ratio >= 5 else 'BELOW TARGET'}")
    print()
    print(f"{'sample ingest':<40} {'seconds':>8}")
    for name, seconds in ingest_sample_timing().items():
        print(f"{name:<40} {seconds:8.2f}")


if __name__ == "__main__":
    main()

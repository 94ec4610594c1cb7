"""Benchmark: every finding for a generated stress set (20 waves × ~370 invited orgs × ~120 items).

Prints the compute time of all findings (weights, items, every findings table, trends), rows/s and peak memory,
and — when Rscript with the survey package is present — the time R ``survey`` needs for the same domain estimates
(means and SEs of every item by every breakdown, both estimands) measured in this run, with the ratio.
Target: all findings in under 2 s of compute (process CPU time, so that other load on the machine does not count;
wall time is printed beside it). Run: ``.venv/bin/python benchmarks/estimates.py [--waves 20]``.
"""

from __future__ import annotations

import os

# Small matrices on a 2-core machine: one BLAS thread is faster than two fighting over the cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.codebook.questionnaire import load_questionnaire  # noqa: E402
from pipeline.findings import compute_findings  # noqa: E402
from pipeline.findings.analysis import Inputs, build_analysis  # noqa: E402
from pipeline.findings.config import load_config  # noqa: E402
from pipeline.findings.estimate import design_of, groups  # noqa: E402
from pipeline.findings.tables import cells  # noqa: E402
from pipeline.geography import dim_crosswalk, dim_org, population_table  # noqa: E402
from pipeline.survey import means, ratios  # noqa: E402

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
a <- read.csv(args[1], check.names = FALSE, stringsAsFactors = FALSE)
items <- strsplit(readLines(args[2]), ",")[[1]]
bds <- c("size_class", "centrality_class", "merged_2020", "county_number")
f <- as.formula(paste("~", paste(items, collapse = "+")))
n <- 0
t <- system.time({
  for (key in unique(paste(a$wave, a$org_type))) {
    d <- a[paste(a$wave, a$org_type) == key, ]
    for (w in c("weight", "weight_inhabitants")) {
      des <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N_h, weights = as.formula(paste("~", w)), data = d)
      r <- svymean(f, des); n <- n + length(coef(r))
      if (d$org_type[1] == "kommune") for (b in bds) {
        r <- svyby(f, as.formula(paste("~", b)), des, svymean); n <- n + length(coef(r))
      }
    }
  }
})
cat(sprintf('{"seconds": %.6f, "estimates": %d}\n', t[["user.self"]] + t[["sys.self"]], n))
"""


def stress_inputs(n_waves: int, seed: int = 7) -> Inputs:
    """A warehouse's worth of inputs: n_waves waves on the 2024 frame (357 + 15 orgs invited), about 55 % complete
    respondents answering every canonical choice question at random (about 120 items each)."""
    rng = np.random.default_rng(seed)
    q = load_questionnaire()
    orgs = dim_org()
    frame = orgs[orgs["frame_year"] == 2024]
    waves, respondents, responses, wave_questions = [], [], [], []
    choice = [qq for qq in q.questions.values() if qq.type in ("single", "scale", "multiple") and qq.id != "org_type"]
    for w in range(n_waves):
        wave = f"{2030 + w}-stress"
        waves.append(
            {
                "wave": wave,
                "title_nb": wave,
                "title_en": wave,
                "synthetic": True,
                "frame_year": 2024,
                "org_types": "kommune;fylkeskommune",
                "field_start": pd.Timestamp(2030 + w, 3, 1),
                "field_end": pd.Timestamp(2030 + w, 4, 1),
                "population_year": 2024,
            }
        )
        chosen = frame[rng.random(len(frame)) < 0.55]
        ids = [f"{wave}-{i}" for i in range(len(chosen))]
        respondents.append(
            pd.DataFrame(
                {
                    "wave": wave,
                    "respondent_id": ids,
                    "org_code": chosen["org_code"].to_numpy(),
                    "org_type": chosen["org_type"].to_numpy(),
                    "status": "complete",
                }
            )
        )
        for question in choice:
            codes = list(question.option_codes)
            wave_questions.append({"wave": wave, "question_id": question.id, "option_codes": ";".join(codes)})
            if question.type == "multiple":
                selected = (rng.random((len(ids), len(codes))) < 0.35).astype(float)
                responses.append(
                    pd.DataFrame(
                        {
                            "wave": wave,
                            "respondent_id": np.repeat(ids, len(codes)),
                            "question_id": question.id,
                            "option_code": np.tile(codes, len(ids)),
                            "value_num": selected.ravel(),
                        }
                    )
                )
            else:
                substantive = [o for o in question.options if question.type != "scale" or o.ordinal is not None]
                pick = rng.integers(0, len(substantive), len(ids))
                responses.append(
                    pd.DataFrame(
                        {
                            "wave": wave,
                            "respondent_id": ids,
                            "question_id": question.id,
                            "option_code": [substantive[i].code for i in pick],
                            "value_num": [substantive[i].ordinal for i in pick],
                        }
                    )
                )
    return Inputs(
        waves=pd.DataFrame(waves),
        orgs=orgs,
        population=population_table(),
        respondents=pd.concat(respondents, ignore_index=True),
        responses=pd.concat(responses, ignore_index=True),
        wave_questions=pd.DataFrame(wave_questions),
        crosswalk=dim_crosswalk(),
    )


def calibration_seconds() -> float:
    """CPU seconds for a fixed pure-Python loop: compare figures across machines by it."""
    start = time.process_time()
    total = 0
    for i in range(20_000_000):
        total += i
    return time.process_time() - start


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def python_same_as_r(analysis, config) -> tuple[float, int]:
    """Means and SEs of every item by the breakdowns R computes, both estimands (the subset timed in R)."""
    items = [i for i in analysis.catalogue["item"] if i in analysis.respondents]
    start = time.process_time()
    n = 0
    for cell in cells(analysis, config):
        data = cell.data
        Y = data[items].to_numpy(dtype=float, na_value=np.nan)
        bds = ["size_class", "centrality_class", "merged_2020", "county"] if cell.org_type == "kommune" else []
        D = np.column_stack([g.mask for g in groups(data, cell.frame, bds)])
        design = design_of(data)
        pop = data["population"].to_numpy(dtype=float)
        n += means(design, Y, domains=D).estimate.size
        n += ratios(design, Y * pop[:, None], np.broadcast_to(pop[:, None], Y.shape), domains=D).estimate.size
    return time.process_time() - start, n


def run_r(analysis, items: list[str]) -> dict | None:
    rscript = shutil.which("Rscript")
    if not rscript or subprocess.run([rscript, "-e", "library(survey)"], capture_output=True).returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, names, script = Path(tmp) / "a.csv", Path(tmp) / "items.txt", Path(tmp) / "bench.R"
        cols = [
            "wave",
            "org_type",
            "stratum",
            "N_h",
            "weight",
            "weight_inhabitants",
            "size_class",
            "centrality_class",
            "merged_2020",
            "county_number",
            *items,
        ]
        analysis.respondents[cols].to_csv(csv, index=False)
        names.write_text(",".join(items))
        script.write_text(R_SCRIPT)
        out = subprocess.run([rscript, str(script), str(csv), str(names)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--waves", type=int, default=20)
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of all findings (the median counts)")
    args = parser.parse_args()
    inputs = stress_inputs(args.waves)
    config = load_config()
    n_items = inputs.responses.groupby("question_id")["option_code"].nunique().sum()
    print(
        f"stress set: {args.waves} waves, {len(inputs.respondents)} respondents, {len(inputs.responses)} answers, "
        f"~{n_items} items"
    )
    compute_findings(stress_inputs(1), config)  # warm-up: imports, caches
    rss_before = peak_rss_mb()
    walls, cpus = [], []
    for _ in range(max(1, args.repeat)):
        start, cpu_start = time.perf_counter(), time.process_time()
        tables = compute_findings(inputs, config)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu_start)
    wall, seconds = statistics.median(walls), statistics.median(cpus)
    print(f"machine speed:       {calibration_seconds():6.2f} s CPU for a 20-million-step Python loop")
    rows = sum(len(t) for k, t in tables.items() if k.startswith("finding_"))
    print(
        f"all findings:        {seconds:6.2f} s CPU, median of {len(cpus)} ({wall:.2f} s wall; {rows} findings rows, "
        f"{rows / seconds:,.0f} rows/s)  target < 2 s: {'met' if seconds < 2 else 'NOT met'}"
    )
    print(f"peak memory:         {peak_rss_mb():6.0f} MB RSS (was {rss_before:.0f} MB before the findings)")
    analysis = build_analysis(inputs, config)
    py_seconds, py_n = python_same_as_r(analysis, config)
    print(f"domain means (py):   {py_seconds:6.2f} s CPU ({py_n} estimates with SE)")
    if args.no_r:
        return
    items = [i for i in analysis.catalogue["item"] if i in analysis.respondents]
    r = run_r(analysis, items)
    if r is None:
        print("R survey:            not installed (apt install r-cran-survey) — no ratio")
        return
    print(f"domain means (R):    {r['seconds']:6.2f} s CPU ({r['estimates']} estimates with SE)")
    print(f"ratio R / Python:    {r['seconds'] / py_seconds:6.1f}×  (same estimates, same run)")


if __name__ == "__main__":
    main()

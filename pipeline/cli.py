"""``ks-sdg`` command line: inspect exports, draft codebooks, regenerate the sample, materialise the pipeline."""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import sys
from pathlib import Path

from pipeline.errors import KsSdgError


def _use_project_instance() -> None:
    """Point Dagster at the project's instance (dagster.yaml at the root, state in .dagster/) unless set."""
    from pipeline.paths import project_root

    root = project_root()
    if "DAGSTER_HOME" not in os.environ and (root / "dagster.yaml").exists():
        os.environ["DAGSTER_HOME"] = str(root)
    home = Path(os.environ.get("DAGSTER_HOME", root))
    os.environ.setdefault("KS_SDG_DAGSTER_DIR", str(home / ".dagster"))
    os.environ.setdefault("KS_SDG_DAGSTER_COMPUTE_LOGS", str(Path(os.environ["KS_SDG_DAGSTER_DIR"]) / "logs"))
    Path(os.environ["KS_SDG_DAGSTER_DIR"]).mkdir(parents=True, exist_ok=True)


def cmd_inspect(args: argparse.Namespace) -> int:
    from pipeline.readers import read_export
    from pipeline.readers.describe import describe, describe_text

    export = read_export(args.path, args.format)
    if args.json:
        print(json.dumps(describe(export), ensure_ascii=False, indent=2))
    else:
        print(describe_text(export))
    return 0


def cmd_draft_codebook(args: argparse.Namespace) -> int:
    from pipeline.codebook.draft import draft_codebook
    from pipeline.readers import read_export

    export = read_export(args.path, args.format)
    text = draft_codebook(export, wave=args.wave, frame_year=args.frame_year)
    out = Path(args.out) if args.out else Path(args.path).resolve().parent / "codebook.yaml"
    if out.exists() and not args.force:
        print(f"{out} exists; use --force to overwrite or --out to write elsewhere", file=sys.stderr)
        return 2
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}: fill in every 'TODO' and run `ks-sdg check-wave {out.parent}`")
    return 0


SHOWN_ISSUES = 10
#: How a respondent was matched to its organisation (``fact_respondent.identified_by``), in words.
IDENTIFIED_BY = {
    "code": "code",
    "code_crosswalk": "an older code carried through the reform crosswalk",
    "name": "name",
    "name_county": "name and county (a shared name)",
    "override": "the codebook's overrides",
}


def cmd_check_wave(args: argparse.Namespace) -> int:
    from pipeline.codebook.harmonise import harmonise_wave
    from pipeline.codebook.wave import load_codebook

    path = Path(args.path)
    codebook = load_codebook(path / "codebook.yaml" if path.is_dir() else path)
    wave = harmonise_wave(codebook)
    r = wave.respondents
    print(
        f"wave {wave.wave}: {len(r)} respondents ({(r['status'] == 'complete').sum()} complete, "
        f"{(r['status'] == 'partial').sum()} partial), {len(wave.responses)} responses"
    )
    by = r["identified_by"].value_counts()
    print("  identified by " + ", ".join(f"{IDENTIFIED_BY.get(str(k), k)} {n}" for k, n in by.items()))
    for kind, issues in wave.issues.groupby("kind", sort=True):
        print(f"  {kind}: {len(issues)}")
        for issue in issues.sort_values(["source_file", "source_row"]).head(SHOWN_ISSUES).itertuples(index=False):
            print(f"    {issue.source_file} row {issue.source_row}: {issue.detail}")
        if len(issues) > SHOWN_ISSUES:
            print(f"    … and {len(issues) - SHOWN_ISSUES} more (all in the warehouse table ingest_issue after ingest)")
    print("nothing was written to the warehouse (dry run)")
    return 0


def cmd_make_sample(args: argparse.Namespace) -> int:
    from pipeline.paths import raw_dir
    from pipeline.sample import generate_sample

    out = Path(args.out) if args.out else raw_dir() / "sample"
    for path in generate_sample(out, seed=args.seed):
        print(path)
    return 0


def cmd_materialize(args: argparse.Namespace) -> int:
    _use_project_instance()
    import dagster as dg

    from pipeline.definitions import defs
    from pipeline.defs.runner import materialize_all

    # what is loaded now (Dagster, the definitions, pandas, …) stays loaded for the runs: out of the garbage
    # collector's way, its full collections during the runs stay short (and forked workers share those pages)
    owner = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        instance = dg.DagsterInstance.get()
        summaries = materialize_all(defs, instance, waves=args.wave or None, downstream=not args.ingest_only)
    finally:
        if owner:
            gc.unfreeze()
    width = max(len(f"{s.job}[{s.partition}]" if s.partition else s.job) for s in summaries)
    for s in summaries:
        name = f"{s.job}[{s.partition}]" if s.partition else s.job
        print(f"{'ok ' if s.success else 'FAIL'} {name:<{width}} {s.seconds:6.2f} s  run {s.run_id[:8]}")
        if s.error:
            print(f"     {s.error}")
    failed = [s for s in summaries if not s.success]
    total = sum(s.seconds for s in summaries)
    print(
        f"{len(summaries) - len(failed)} of {len(summaries)} runs succeeded in {total:.1f} s; "
        f"history in {os.environ['DAGSTER_HOME']}"
    )
    if not failed:
        from pipeline.paths import assets_dir, published_warehouse_path, warehouse_path

        print(f"warehouse: {warehouse_path()}")
        if not args.ingest_only:
            print(f"published copy for notebooks: {published_warehouse_path()}")
            print(f"charts, workbooks and CSVs: {assets_dir()}")
    return 1 if failed else 0


def cmd_waves(args: argparse.Namespace) -> int:
    from pipeline.codebook.wave import discover_codebooks
    from pipeline.paths import raw_dir

    for wave, path in sorted(discover_codebooks(raw_dir()).items()):
        print(f"{wave}\t{path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ks-sdg", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("inspect", help="show an export's format, encoding, respondents, variables and labels")
    p.add_argument("path")
    p.add_argument("--format", help="force a reader (default: detect)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of text")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("draft-codebook", help="write a starting codebook.yaml from an export's own metadata")
    p.add_argument("path")
    p.add_argument("--format", help="force a reader (default: detect)")
    p.add_argument("--wave", help="wave id, e.g. 2027-vsr (default: from the folder name)")
    p.add_argument("--frame-year", type=int, default=2024)
    p.add_argument("--out", help="where to write (default: codebook.yaml beside the export)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_draft_codebook)

    p = sub.add_parser("check-wave", help="read and harmonise a wave folder without writing anything")
    p.add_argument("path", help="wave folder or its codebook.yaml")
    p.set_defaults(func=cmd_check_wave)

    p = sub.add_parser("make-sample", help="regenerate the seeded synthetic sample (raw/sample)")
    p.add_argument("--out", help="target folder (default: raw/sample)")
    p.add_argument("--seed", type=int, default=2021)
    p.set_defaults(func=cmd_make_sample)

    p = sub.add_parser("materialize", help="materialise every asset through Dagster (what `make run` does)")
    p.add_argument("--wave", action="append", help="only this wave (repeatable); default: all")
    p.add_argument("--ingest-only", action="store_true", help="stop after the harmonised tables")
    p.set_defaults(func=cmd_materialize)

    p = sub.add_parser("waves", help="list the waves (codebooks) found under raw/")
    p.set_defaults(func=cmd_waves)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KsSdgError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run() -> None:
    """The ``ks-sdg`` console script: :func:`main`, then a fast exit.

    Tearing down every module the interpreter loaded (Dagster, pandas, matplotlib, …) takes about 0.6 s after a
    materialisation; ``ks-sdg`` is done by then. The exit handlers still run and the streams are flushed, only
    the module teardown is skipped (every warehouse connection and worker pool is closed before ``main`` returns).
    """
    try:
        code = main()
        atexit._run_exitfuncs()  # what normal interpreter exit runs first (logging shutdown, temporary files, …)
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away (`ks-sdg inspect export.xlsx | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    os._exit(code)


if __name__ == "__main__":
    run()

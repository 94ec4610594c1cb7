"""Ingest assets, partitioned by wave: the wave's raw files, then its harmonised respondents and responses."""

import hashlib

import dagster as dg
import pandas as pd

from pipeline.codebook.harmonise import harmonise_wave, sha256_file
from pipeline.defs.metadata import table_metadata
from pipeline.defs.partitions import codebook_for, wave_partitions
from pipeline.defs.resources import WarehouseResource
from pipeline.readers import detect_format
from pipeline.warehouse import replace_wave


@dg.asset(
    partitions_def=wave_partitions,
    group_name="ingest",
    kinds={"file"},
    description="The export files of one wave (folder raw/<wave>/ with its codebook.yaml): path, size, SHA-256 and "
    "detected format. Its data version is the hash of the files and the codebook, so a changed export makes the "
    "harmonised tables stale.",
)
def raw_files(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    codebook = codebook_for(context.partition_key)
    rows = []
    for path in codebook.export_files():
        rows.append(
            {
                "file": path.name,
                "format": detect_format(path),
                "size_bytes": path.stat().st_size,
                "sha256": sha256_file(path),
            }
        )
    files = pd.DataFrame(rows)
    version = hashlib.sha256(("".join(files["sha256"]) + codebook.sha256).encode()).hexdigest()[:16]
    return dg.MaterializeResult(
        metadata={
            **table_metadata(files),
            "codebook": dg.MetadataValue.path(str(codebook.path)),
            "synthetic": codebook.synthetic,
            "frame_year": codebook.frame_year,
        },
        data_version=dg.DataVersion(version),
    )


WAVE_SPECS = {
    "fact_respondent": "One row per responding org and wave after the dedupe rule (complete beats partial, then the "
    "latest submission): org in the wave's frame, how it was identified, role, status, source file and row.",
    "fact_response": "Harmonised answers in canonical question ids and option codes (multi-selects 1/0 per option "
    "offered; scales with their ordinal value; free text without personal data).",
    "ingest_manifest": "Per wave and file: format, size, SHA-256 and counts (records, not started, complete, partial, "
    "superseded, respondents, responses) with the codebook version used.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            description=text,
            group_name="ingest",
            kinds={"duckdb"},
            partitions_def=wave_partitions,
            deps=["raw_files", "dim_org", "dim_question", "dim_option"],
        )
        for key, text in WAVE_SPECS.items()
    ],
    partitions_def=wave_partitions,
    pool="warehouse",
    name="wave_tables",
)
def wave_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Reads, harmonises and writes one wave atomically (its rows in every wave table replaced in one transaction);
    on any error nothing is written and the warehouse keeps the previous version of the wave."""
    codebook = codebook_for(context.partition_key)
    wave = harmonise_wave(codebook)
    with warehouse.connection() as con:
        replace_wave(con, wave.wave, wave.tables())
    issues = wave.issues.groupby("kind").size().to_dict() if not wave.issues.empty else {}
    respondents = wave.respondents
    yield dg.MaterializeResult(
        asset_key="fact_respondent",
        metadata={
            **table_metadata(respondents),
            "complete": int((respondents["status"] == "complete").sum()),
            "partial": int((respondents["status"] == "partial").sum()),
            "issues": dg.MetadataValue.json({k: int(v) for k, v in issues.items()}),
            "synthetic": codebook.synthetic,
        },
    )
    yield dg.MaterializeResult(asset_key="fact_response", metadata=table_metadata(wave.responses))
    yield dg.MaterializeResult(asset_key="ingest_manifest", metadata=table_metadata(wave.manifest))

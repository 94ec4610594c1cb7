"""Reference assets: the dimension tables (frames, crosswalks, SDGs, canonical questionnaire) in the warehouse."""

import dagster as dg

from pipeline.defs.metadata import table_metadata
from pipeline.defs.resources import WarehouseResource
from pipeline.warehouse import replace_tables
from pipeline.warehouse.dimensions import dimension_tables

REFERENCE_DESCRIPTIONS = {
    "dim_org": "Every municipality and county authority of the 2019, 2020 and 2024 frames: county, population "
    "(inhabitants 1 January), size class, SSB centrality, merged_2020 (SSB/Kartverket).",
    "dim_population": "Population 1 January per org, frame and year (SSB table 07459).",
    "dim_crosswalk": "Reform crosswalks 2019→2020 and 2020→2024 for municipalities and counties; splits flagged.",
    "dim_sdg_goal": "The 17 SDGs with Norwegian and English names and official UN colours.",
    "dim_sdg_target": "The 169 SDG targets (UN text via open-sdg).",
    "dim_question": "The canonical questionnaire: question ids, themes, types, nb/en texts.",
    "dim_option": "Answer options of the canonical questions: codes, nb/en labels, ordinal values.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(key, description=text, group_name="reference", kinds={"duckdb"})
        for key, text in REFERENCE_DESCRIPTIONS.items()
    ],
    pool="warehouse",
    name="reference_tables",
)
def reference_tables(warehouse: WarehouseResource):
    """Writes all dimension tables in one transaction."""
    tables = dimension_tables()
    with warehouse.connection() as con:
        replace_tables(con, tables)
    for key, frame in tables.items():
        yield dg.MaterializeResult(asset_key=key, metadata=table_metadata(frame))

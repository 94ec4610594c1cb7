"""The warehouse contract: every table, its columns and their meaning (see docs/warehouse.md).

Dimension tables are replaced whole; wave tables are replaced one wave at a time; findings tables whole.
All writes of one step happen in one transaction, so a reader never sees half a wave.
"""

from __future__ import annotations

TABLES: dict[str, str] = {
    # --- dimensions -------------------------------------------------------------------------------------------
    "dim_org": """
        frame_year INTEGER NOT NULL,          -- 2019 | 2020 | 2024: municipal structure
        org_code VARCHAR NOT NULL,            -- kommunenummer (4 digits) or fylkesnummer (2 digits)
        org_type VARCHAR NOT NULL,            -- kommune | fylkeskommune
        name VARCHAR NOT NULL,                -- Norwegian name
        name_official VARCHAR,                -- SSB official name, incl. Sami/Kven forms
        other_names VARCHAR,                  -- other official names, ';'-separated
        county_number VARCHAR NOT NULL,       -- fylkesnummer of the frame
        county_name VARCHAR NOT NULL,
        valid_from INTEGER NOT NULL,          -- first year the code is valid
        valid_to INTEGER,                     -- last year (NULL = still valid)
        population BIGINT,                    -- inhabitants 1 January of population_year
        population_year INTEGER,
        size_class INTEGER,                   -- 1 <5 000, 2 5 000-19 999, 3 20 000-49 999, 4 >=50 000
        centrality_index INTEGER,             -- SSB centrality index 0-1000 (current vintage)
        centrality_class INTEGER,             -- 1 most central .. 6 least central
        merged_2020 BOOLEAN,                  -- formed by (or successor of) a 2020 merger
        split_2024 BOOLEAN,                   -- divided (or created by division) on 1 January 2024
        samisk_forvaltningsomrade BOOLEAN,    -- in the administrative area for Sami language
        PRIMARY KEY (frame_year, org_type, org_code)
    """,
    "dim_population": """
        frame_year INTEGER NOT NULL,
        org_code VARCHAR NOT NULL,
        org_type VARCHAR NOT NULL,
        year INTEGER NOT NULL,                -- population on 1 January of this year
        population BIGINT NOT NULL,
        PRIMARY KEY (frame_year, org_type, org_code, year)
    """,
    "dim_crosswalk": """
        org_type VARCHAR NOT NULL,
        from_year INTEGER NOT NULL,           -- frame year of from_code
        from_code VARCHAR NOT NULL,
        from_name VARCHAR,
        to_year INTEGER NOT NULL,             -- frame year of to_code
        to_code VARCHAR NOT NULL,
        to_name VARCHAR,
        relation VARCHAR NOT NULL,            -- unchanged | renumbered | merged | split
        split BOOLEAN NOT NULL                -- from_code went to several to_codes (never silently assigned)
    """,
    "dim_sdg_goal": """
        goal INTEGER PRIMARY KEY,             -- 1..17
        short_name_nb VARCHAR NOT NULL,
        short_name_en VARCHAR NOT NULL,
        title_nb VARCHAR,
        title_en VARCHAR NOT NULL,
        colour_hex VARCHAR NOT NULL           -- official UN colour, e.g. #E5243B
    """,
    "dim_sdg_target": """
        target VARCHAR PRIMARY KEY,           -- e.g. 11.3, 1.a
        goal INTEGER NOT NULL,
        text_en VARCHAR NOT NULL
    """,
    "dim_question": """
        question_id VARCHAR PRIMARY KEY,
        theme VARCHAR NOT NULL,
        theme_nb VARCHAR,
        theme_en VARCHAR,
        type VARCHAR NOT NULL,                -- single | multiple | scale | text | number
        text_nb VARCHAR NOT NULL,
        text_en VARCHAR NOT NULL,
        grid VARCHAR,                         -- grid the question is a row of (barrier_extent)
        grid_item VARCHAR,
        position INTEGER NOT NULL             -- order in the canonical questionnaire
    """,
    "dim_option": """
        question_id VARCHAR NOT NULL,
        code VARCHAR NOT NULL,
        label_nb VARCHAR NOT NULL,
        label_en VARCHAR NOT NULL,
        ordinal DOUBLE,                       -- numeric value of ordered scales; NULL = non-substantive
        exclusive BOOLEAN NOT NULL,           -- cannot be combined with other options ("Ingen")
        position INTEGER NOT NULL,
        PRIMARY KEY (question_id, code)
    """,
    # --- per wave ---------------------------------------------------------------------------------------------
    "dim_wave": """
        wave VARCHAR PRIMARY KEY,
        title_nb VARCHAR, title_en VARCHAR,
        synthetic BOOLEAN NOT NULL,           -- generated sample, not real KS data
        frame_year INTEGER NOT NULL,
        org_types VARCHAR NOT NULL,           -- invited org types, ';'-separated
        field_start DATE NOT NULL, field_end DATE NOT NULL,
        population_year INTEGER,
        codebook_version INTEGER NOT NULL,
        codebook_sha256 VARCHAR NOT NULL,
        reader VARCHAR,
        notes VARCHAR
    """,
    "wave_question": """
        wave VARCHAR NOT NULL,
        question_id VARCHAR NOT NULL,
        source_variables VARCHAR,             -- export variables mapped onto the question, ';'-separated
        option_codes VARCHAR,                 -- options this wave offered (multi-selects), ';'-separated
        PRIMARY KEY (wave, question_id)
    """,
    "fact_respondent": """
        wave VARCHAR NOT NULL,
        respondent_id VARCHAR NOT NULL,       -- the export's submission id
        org_code_reported VARCHAR,            -- code or name exactly as reported
        org_code VARCHAR NOT NULL,            -- org in the wave's frame
        org_type VARCHAR NOT NULL,
        identified_by VARCHAR NOT NULL,       -- code | code_crosswalk | name | name_county | override
        role VARCHAR,                         -- respondent_role option code
        status VARCHAR NOT NULL,              -- complete | partial
        submitted_at TIMESTAMPTZ,
        source_file VARCHAR NOT NULL,
        source_sheet VARCHAR,
        source_row INTEGER NOT NULL,          -- row in the file (header = 1)
        PRIMARY KEY (wave, respondent_id)
    """,
    "fact_response": """
        wave VARCHAR NOT NULL,
        respondent_id VARCHAR NOT NULL,
        question_id VARCHAR NOT NULL,
        option_code VARCHAR,                  -- chosen option (single/scale) or the option (multiple)
        value_num DOUBLE,                     -- ordinal (scale), 1/0 selected (multiple), number
        value_text VARCHAR                    -- free text, personal data removed
    """,
    "ingest_manifest": """
        wave VARCHAR NOT NULL,
        source_file VARCHAR NOT NULL,         -- path relative to the wave folder
        export_file VARCHAR NOT NULL,         -- the export this file belongs to
        format VARCHAR NOT NULL,
        encoding VARCHAR, delimiter VARCHAR,
        size_bytes BIGINT NOT NULL,
        sha256 VARCHAR NOT NULL,
        n_records INTEGER,                    -- counts on the export's first file, NULL on its other files
        n_not_started INTEGER,
        n_complete INTEGER,
        n_partial INTEGER,
        n_superseded INTEGER,
        n_respondents INTEGER,
        n_responses BIGINT,
        codebook_version INTEGER NOT NULL,
        codebook_sha256 VARCHAR NOT NULL,
        ingested_at TIMESTAMPTZ NOT NULL
    """,
    "ingest_issue": """
        wave VARCHAR NOT NULL,
        source_file VARCHAR,
        source_row INTEGER,
        respondent_id VARCHAR,
        org_code VARCHAR,
        kind VARCHAR NOT NULL,                -- superseded_duplicate | old_code_mapped | pii_removed_from_text
        detail VARCHAR
    """,
}

#: Tables holding one wave's rows each (replaced per wave).
WAVE_TABLES = ("dim_wave", "wave_question", "fact_respondent", "fact_response", "ingest_manifest", "ingest_issue")
#: Reference tables (replaced whole).
DIMENSION_TABLES = (
    "dim_org",
    "dim_population",
    "dim_crosswalk",
    "dim_sdg_goal",
    "dim_sdg_target",
    "dim_question",
    "dim_option",
)


def columns_of(table: str) -> list[str]:
    """Column names of a contract table, in order."""
    names = []
    for line in TABLES[table].splitlines():
        body = line.split("--")[0].strip().rstrip(",")
        if not body or body.startswith("PRIMARY KEY"):
            continue
        for part in body.split(","):
            part = part.strip()
            if part:
                names.append(part.split()[0])
    return names


def create_statements() -> list[str]:
    """CREATE TABLE IF NOT EXISTS statements for the whole contract."""
    return [f"CREATE TABLE IF NOT EXISTS {name} ({body})" for name, body in TABLES.items()]

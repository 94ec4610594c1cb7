"""Integrity checks on what the warehouse holds for one wave (pure functions; Dagster wraps them as blocking
asset checks). Each returns a ``CheckOutcome`` with a readable description and the offending rows."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from pipeline.codebook.pii import contains_pii
from pipeline.codebook.wave import header_is_pii
from pipeline.warehouse.store import query

#: Columns whose header looks like personal data but which hold an organisation's (public) name.
ORG_NAME_COLUMNS = {("dim_org", "name")}


@dataclass
class CheckOutcome:
    passed: bool
    description: str
    offending: pd.DataFrame = field(default_factory=pd.DataFrame)
    metadata: dict = field(default_factory=dict)


def respondents_in_frame(con: duckdb.DuckDBPyConnection, wave: str) -> CheckOutcome:
    """Every respondent maps to an org of the wave's frame, of an invited org type."""
    bad = query(
        con,
        """
        SELECT r.respondent_id, r.org_type, r.org_code, r.source_file, r.source_row
        FROM fact_respondent r JOIN dim_wave w USING (wave)
        LEFT JOIN dim_org o ON o.frame_year = w.frame_year AND o.org_type = r.org_type AND o.org_code = r.org_code
        WHERE r.wave = ? AND (o.org_code IS NULL OR NOT list_contains(string_split(w.org_types, ';'), r.org_type))
        """,
        [wave],
    )
    n = query(con, "SELECT count(*) AS n FROM fact_respondent WHERE wave = ?", [wave])["n"].iloc[0]
    return CheckOutcome(
        bad.empty,
        f"{n} respondents, {len(bad)} not in the frame" if n else "no respondents",
        bad,
        {"respondents": int(n)},
    )


def one_respondent_per_org(con: duckdb.DuckDBPyConnection, wave: str) -> CheckOutcome:
    """At most one respondent per org (after the dedupe rule); superseded submissions are reported."""
    bad = query(
        con,
        "SELECT org_type, org_code, count(*) AS n FROM fact_respondent WHERE wave = ? GROUP BY ALL HAVING count(*) > 1",
        [wave],
    )
    superseded = query(
        con,
        "SELECT source_file, source_row, respondent_id, org_code, detail FROM ingest_issue "
        "WHERE wave = ? AND kind = 'superseded_duplicate' ORDER BY source_file, source_row",
        [wave],
    )
    return CheckOutcome(
        bad.empty,
        f"{len(bad)} orgs with several respondents; {len(superseded)} superseded submissions reported",
        bad,
        {"superseded": len(superseded)},
    )


def option_codes_in_domain(con: duckdb.DuckDBPyConnection, wave: str) -> CheckOutcome:
    """Choice answers use option codes of their question; multi-selects are 0/1; scales carry their ordinal."""
    bad = query(
        con,
        """
        SELECT f.respondent_id, f.question_id, f.option_code, f.value_num, q.type
        FROM fact_response f JOIN dim_question q USING (question_id)
        LEFT JOIN dim_option o ON o.question_id = f.question_id AND o.code = f.option_code
        WHERE f.wave = ? AND (
            (q.type IN ('single', 'scale', 'multiple') AND o.code IS NULL)
            OR (q.type = 'multiple' AND f.value_num NOT IN (0, 1))
            OR (q.type IN ('single', 'scale') AND f.value_num IS DISTINCT FROM o.ordinal)
            OR (q.type IN ('text', 'number') AND f.option_code IS NOT NULL)
        )
        """,
        [wave],
    )
    missing = query(
        con,
        "SELECT DISTINCT question_id FROM fact_response WHERE wave = ? AND question_id NOT IN "
        "(SELECT question_id FROM dim_question)",
        [wave],
    )
    offending = pd.concat([bad, missing], ignore_index=True)
    return CheckOutcome(offending.empty, f"{len(offending)} answers outside their question's domain", offending)


def no_pii(con: duckdb.DuckDBPyConnection, wave: str) -> CheckOutcome:
    """No table has a personal-data column; no stored text looks like an e-mail, phone number or IP address."""
    columns = query(con, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'")
    pii_columns = columns[
        [
            header_is_pii(c) and (t, c) not in ORG_NAME_COLUMNS
            for t, c in zip(columns["table_name"], columns["column_name"], strict=True)
        ]
    ]
    texts = query(
        con,
        "SELECT respondent_id, question_id, value_text AS text FROM fact_response WHERE wave = ? AND value_text IS "
        "NOT NULL UNION ALL SELECT respondent_id, 'org_code_reported', org_code_reported FROM fact_respondent "
        "WHERE wave = ?",
        [wave, wave],
    )
    leaking = texts[[contains_pii(str(t)) for t in texts["text"]]]
    offending = pd.concat([pii_columns, leaking[["respondent_id", "question_id"]]], ignore_index=True)
    return CheckOutcome(
        offending.empty,
        f"{len(pii_columns)} personal-data columns, {len(leaking)} texts with e-mail/phone/IP",
        offending,
        {"texts_checked": len(texts)},
    )


def counts_reconcile(con: duckdb.DuckDBPyConnection, wave: str) -> CheckOutcome:
    """The manifest's counts equal what the fact tables hold for the wave."""
    row = query(
        con,
        """
        SELECT
          (SELECT coalesce(sum(n_respondents), 0) FROM ingest_manifest WHERE wave = $1) AS manifest_respondents,
          (SELECT count(*) FROM fact_respondent WHERE wave = $1) AS respondents,
          (SELECT coalesce(sum(n_complete), 0) FROM ingest_manifest WHERE wave = $1) AS manifest_complete,
          (SELECT count(*) FROM fact_respondent WHERE wave = $1 AND status = 'complete') AS complete,
          (SELECT coalesce(sum(n_responses), 0) FROM ingest_manifest WHERE wave = $1) AS manifest_responses,
          (SELECT count(*) FROM fact_response WHERE wave = $1) AS responses,
          (SELECT coalesce(sum(n_superseded), 0) FROM ingest_manifest WHERE wave = $1) AS manifest_superseded,
          (SELECT count(*) FROM ingest_issue WHERE wave = $1 AND kind = 'superseded_duplicate') AS superseded
        """,
        [wave],
    ).iloc[0]
    pairs = [
        ("respondents", "manifest_respondents"),
        ("complete", "manifest_complete"),
        ("responses", "manifest_responses"),
        ("superseded", "manifest_superseded"),
    ]
    mismatched = [f"{a}: {int(row[a])} stored vs {int(row[b])} in manifest" for a, b in pairs if row[a] != row[b]]
    exists = int(row["manifest_respondents"]) > 0 or int(row["respondents"]) > 0
    return CheckOutcome(
        not mismatched and exists,
        "; ".join(mismatched) if mismatched else ("counts reconcile" if exists else "wave not in the warehouse"),
        metadata={k: int(v) for k, v in row.items()},
    )

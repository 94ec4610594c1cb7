"""Step 2 of harmonisation: each record's organisation, by code (carried through the reform crosswalks) or by name
(county context for shared names), in the wave's frame."""

from __future__ import annotations

import pandas as pd

from pipeline.codebook.locate import Locator, values_of
from pipeline.codebook.wave import WaveCodebook
from pipeline.errors import GeographyError
from pipeline.geography import Geography
from pipeline.readers.model import RawExport


def identify(export: RawExport, codebook: WaveCodebook, geography: Geography, locate: Locator) -> pd.DataFrame:
    """One row per record with an identity: record_id, org_code_reported, org_code, org_type, identified_by.

    Records without any identity and without answers are skipped (not started); a record with answers but no
    identity, or an identity that cannot be resolved, is an error.
    """
    spec = codebook.respondent
    reported = values_of(export, spec.identity_column)
    county = values_of(export, spec.county_column)
    org_type_raw = values_of(export, spec.org_type_column)
    answered = set(export.answers["record_id"][export.answers["variable"].isin(list(codebook.variables))])
    rows = []
    for record_id in export.records["record_id"]:
        override = spec.overrides.get(str(record_id))
        if override == "exclude":
            continue
        value = reported.get(record_id)
        if (value is None or pd.isna(value)) and override is None:
            if record_id in answered:
                locate.report(
                    record_id,
                    spec.identity_column,
                    "answers without a municipality/county authority",
                    expected=f"a {'code' if spec.identity_by == 'code' else 'name'}, or an entry under "
                    "respondent.overrides in the codebook",
                )
            continue
        org_type = None
        if spec.org_type_column:
            raw_type = org_type_raw.get(record_id)
            if raw_type is not None and not pd.isna(raw_type):
                org_type = spec.org_type_values.get(str(raw_type), str(raw_type))
                if org_type not in ("kommune", "fylkeskommune"):
                    locate.report(
                        record_id,
                        spec.org_type_column,
                        f"org type {raw_type!r} not understood",
                        expected="a value listed under respondent.org_type.values",
                    )
                    continue
        try:
            if override is not None:
                match = geography.by_code(override, org_type)
                method = "override"
            elif spec.identity_by == "code":
                match = geography.by_code(value, org_type)
                method = match.method
            else:
                hint = county.get(record_id)
                match = geography.by_name(str(value), None if hint is None or pd.isna(hint) else str(hint), org_type)
                method = match.method
        except GeographyError as exc:
            locate.report(
                record_id,
                spec.identity_column,
                f"{exc.problem} ({codebook.frame_year} frame)",
                expected="a municipality or county authority of the frame, or an entry under respondent.overrides",
                candidates=exc.candidates,
            )
            continue
        if match.org_type not in codebook.org_types:
            locate.report(
                record_id,
                spec.identity_column,
                f"{match.org_code} {match.name} is a {match.org_type}, not invited in wave {codebook.wave}",
                expected="one of the invited org types: " + ", ".join(codebook.org_types),
            )
            continue
        rows.append((record_id, None if value is None else str(value), match.org_code, match.org_type, method))
    return pd.DataFrame(rows, columns=["record_id", "org_code_reported", "org_code", "org_type", "identified_by"])

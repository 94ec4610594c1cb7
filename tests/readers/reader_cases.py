"""Sample export shared by the reader tests: three respondents of a small KS survey (values, ids, statuses)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipeline.readers.model import RawExport, Variable

YES_NO = {"1": "Ja", "2": "Nei", "3": "Vet ikke"}
DUMMY = {"0": "Ikke valgt", "1": "Valgt"}
BARRIER_Q = "Hva er de største barrierene for arbeidet?"
TEXT_1 = "Blåbær, «sitat» og æøå; ÆØÅ"
TEXT_3 = 'Kapasitet og "tid"'

VARIABLES = [
    Variable("responde", "Respondent-ID", "system"),
    Variable("closetim", "Avsluttet", "system"),
    Variable("s_1", "Har kommunen vedtatt å bruke bærekraftsmålene?", "single", YES_NO),
    Variable("v_1_1", f"{BARRIER_Q} - Ressurser", "multiple_dummy", DUMMY, "v_1", "1"),
    Variable("v_1_2", f"{BARRIER_Q} - Kompetanse", "multiple_dummy", DUMMY, "v_1", "2"),
    Variable("v_1_3", f"{BARRIER_Q} - Politisk prioritering", "multiple_dummy", DUMMY, "v_1", "3"),
    Variable("s_2", "Annet, hvilke(t)", "text"),
    Variable("n_1", "Antall innbyggere", "numeric"),
    *(
        Variable(f"stato_{k}", f"Samlet status - {t}", "system", {}, "statoverall", str(k))
        for k, t in enumerate(["Ny", "Distribuert", "Noen svar", "Gjennomført", "Frafalt"], start=1)
    ),
]


def _status(k: int) -> dict[str, int]:
    return {f"stato_{i}": int(i == k) for i in range(1, 6)}


ROWS = [
    {
        "responde": 1001,
        "closetim": dt.datetime(2024, 3, 1, 12, 30),
        "s_1": 1,
        "v_1_1": 1,
        "v_1_2": 0,
        "v_1_3": 1,
        "s_2": TEXT_1,
        "n_1": 693494,
        **_status(4),
    },
    {"responde": 1002, "closetim": None, "s_1": 2, "v_1_1": 0, "v_1_2": 1, "v_1_3": 0, "s_2": None, **_status(3)},
    {
        "responde": 1003,
        "closetim": dt.datetime(2024, 6, 15, 8, 0),
        "s_1": None,
        "v_1_1": None,
        "v_1_2": None,
        "v_1_3": None,
        "s_2": TEXT_3,
        "n_1": 1203,
        **_status(2),
    },
]
IDS = ["1001", "1002", "1003"]
SUBMITTED_UTC = ["2024-03-01T11:30:00+00:00", None, "2024-06-15T06:00:00+00:00"]  # CET and CEST → UTC
STATUS = ["complete", "partial", "not_started"]


def values(export: RawExport, record_id: str, variable: str) -> list[str]:
    """The answers of one record to one variable, in file order."""
    a = export.answers
    return a.loc[(a["record_id"] == record_id) & (a["variable"] == variable), "value"].tolist()


def submitted(export: RawExport) -> list[str | None]:
    return [None if pd.isna(ts) else ts.isoformat() for ts in export.records["submitted_at"]]

"""Fixtures of the reader tests: fresh copies of the sample variables and rows (see ``reader_cases``)."""

from __future__ import annotations

import pytest
from reader_cases import ROWS, VARIABLES

from pipeline.readers.model import Variable


@pytest.fixture
def variables() -> list[Variable]:
    return [Variable(**v.to_dict()) for v in VARIABLES]


@pytest.fixture
def rows() -> list[dict[str, object]]:
    return [dict(r) for r in ROWS]

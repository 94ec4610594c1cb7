"""Normalising kommunenummer and fylkesnummer as they arrive in exports.

Exports carry codes as text (``"0301"``), integers (``301``), floats (``301.0``, Excel) or with the leading zero
stripped by Excel (``301`` → ``0301``). Four digits are a municipality (kommune), one or two digits a county
(fylke, the county authority's code).
"""

from __future__ import annotations

import math
import re

from pipeline.errors import GeographyError

_FLOAT_TEXT = re.compile(r"^(\d+)[.,]0+$")


def normalise_code(value: object) -> str:
    """A zero-padded code: 4 digits for a municipality, 2 digits for a county.

    Raises GeographyError for anything that is not a plausible code (text, negative, too long, fractional).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise GeographyError("empty municipality/county code")
    if isinstance(value, bool):
        raise GeographyError(f"{value!r} is not a municipality/county code")
    if isinstance(value, float):
        if not value.is_integer() or value < 0:
            raise GeographyError(f"{value!r} is not a municipality/county code (not a whole number)")
        text = str(int(value))
    elif isinstance(value, int):
        if value < 0:
            raise GeographyError(f"{value!r} is not a municipality/county code")
        text = str(value)
    else:
        text = str(value).strip().replace("\u00a0", "")
        match = _FLOAT_TEXT.match(text)
        if match:
            text = match.group(1)
    if not text.isdigit() or not text.isascii():
        raise GeographyError(f"{value!r} is not a municipality/county code (expected 4 digits, or 2 for a county)")
    if len(text) in (3, 4):
        return text.zfill(4)
    if len(text) in (1, 2):
        return text.zfill(2)
    raise GeographyError(f"{value!r} is not a municipality/county code (expected 4 digits, or 2 for a county)")


def is_county_code(code: str) -> bool:
    """True for a normalised 2-digit county code."""
    return len(code) == 2

"""Matching typed municipality / county authority names to frame orgs.

A name matches after normalisation: Unicode NFC, case, whitespace, hyphen and dash variants, a suffix such as
"kommune", "kommunen", "fylkeskommune" or "fylke", and a leading "Kommunen"/"Fylkeskommunen". Every official form
counts: the Norwegian name, SSB's official name (``Guovdageaidnu - Kautokeino``) and each of its parts, and the
Sami/Kven names Kartverket lists. A county given in parentheses (``Herøy (Nordland)``) or in a separate county
column disambiguates duplicate names (Herøy and Våler since 2020; Sande, Bø, Nes, Os, Herøy, Våler in 2019).
County context may use the county's number, its current name, an official Sami/Kven form, or the county the
municipality belonged to in the previous frame (a 2025 respondent writing "Viken").

Nothing is guessed: a name with no match or several matches raises ``GeographyError`` listing candidates.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from pipeline.errors import GeographyError

_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_PAREN = re.compile(r"\(([^)]*)\)")
_SUFFIX = re.compile(r"\s+(fylkeskommunen|fylkeskommune|kommunen|kommune|fylke|municipality|county council)$")
_PREFIX = re.compile(r"^(fylkeskommunen|kommunen|fylkeskommune|kommune)\s+")
_COUNTY_WORD = re.compile(r"\b(fylkeskommunen?|fylke|county( council)?)\b")
_FOLD = str.maketrans(
    {
        "æ": "ae",
        "ø": "o",
        "å": "a",
        "ä": "a",
        "ö": "o",
        "á": "a",
        "č": "c",
        "đ": "d",
        "ŋ": "n",
        "š": "s",
        "ŧ": "t",
        "ž": "z",
        "ï": "i",
        "é": "e",
    }
)


def normalise_name(text: str) -> str:
    """The comparison form of a name: NFC, case-folded, one space, dashes unified, no kommune/fylke suffix."""
    value = unicodedata.normalize("NFC", str(text)).replace("\u00a0", " ")
    value = _DASHES.sub("-", value).casefold().strip().strip(".,;:")
    value = re.sub(r"\s*-\s*", " - ", value)
    value = re.sub(r"\s+", " ", value)
    for _ in range(2):
        value = _SUFFIX.sub("", value).strip()
        value = _PREFIX.sub("", value).strip()
    return value


def fold_name(normalised: str) -> str:
    """A looser form for a second pass: Norwegian and Sami letters folded to ASCII (``Bærum`` → ``baerum``)."""
    return normalised.translate(_FOLD).replace("aa", "a")


def split_county_hint(text: str) -> tuple[str, str | None]:
    """Separate a parenthesised county from a name: ``"Herøy (Nordland)"`` → (``"Herøy"``, ``"Nordland"``)."""
    match = _PAREN.search(str(text))
    if not match:
        return str(text), None
    return _PAREN.sub("", str(text)).strip(), match.group(1).strip()


def names_says_county_authority(text: str) -> bool:
    """True when the typed name itself says county authority ("Viken fylkeskommune", "Troms fylke")."""
    value = unicodedata.normalize("NFC", str(text)).casefold()
    return bool(_COUNTY_WORD.search(value))


@dataclass(frozen=True)
class Candidate:
    """A frame org that a name could refer to."""

    org_code: str
    org_type: str
    name: str
    county_number: str
    county_name: str

    def describe(self) -> str:
        kind = "fylkeskommune" if self.org_type == "fylkeskommune" else "kommune"
        return f"{self.org_code} {self.name} ({kind}, {self.county_name})"


class NameIndex:
    """All names of one frame's orgs, with county aliases for disambiguation."""

    def __init__(self, frame: pd.DataFrame, county_aliases: dict[str, set[str]]) -> None:
        self._exact: dict[str, list[Candidate]] = {}
        self._folded: dict[str, list[Candidate]] = {}
        self._county_aliases = county_aliases
        self._display: dict[str, str] = {}
        for row in frame.itertuples(index=False):
            cand = Candidate(row.org_code, row.org_type, row.name, row.county_number, row.county_name)
            forms = {row.name, row.name_official}
            if isinstance(row.other_names, str):
                forms.update(row.other_names.split(";"))
            if row.org_type == "fylkeskommune":
                forms.add(row.county_name)
            for form in forms:
                if not isinstance(form, str) or not form.strip():
                    continue
                bare, _ = split_county_hint(form)
                for variant in {form, bare}:
                    key = normalise_name(variant)
                    self._add(self._exact, key, cand)
                    self._add(self._folded, fold_name(key), cand)
                    self._display.setdefault(key, variant)

    @staticmethod
    def _add(index: dict[str, list[Candidate]], key: str, cand: Candidate) -> None:
        bucket = index.setdefault(key, [])
        if cand not in bucket:
            bucket.append(cand)

    def knows(self, text: str) -> bool:
        """Whether a typed text is a name (any official form) of some org in the frame, ambiguous or not."""
        bare, _ = split_county_hint(str(text))
        key = normalise_name(bare)
        return bool(key) and (key in self._exact or fold_name(key) in self._folded)

    def is_county(self, text: str) -> bool:
        """Whether a typed text is a county of the frame, by name (any official form) or 2-digit number."""
        hint = normalise_name(text)
        if hint.isdigit():
            hint = hint.zfill(2)
        return any(
            hint in aliases or fold_name(hint) in {fold_name(a) for a in aliases}
            for number, aliases in self._county_aliases.items()
            if ":" not in number
        )

    def close_candidates(self, key: str, n: int = 5) -> list[str]:
        """Descriptions of the orgs whose names are closest to an unmatched (normalised) name."""
        folded = fold_name(key)
        words = folded.split()
        probes = [folded] + ([words[0]] if len(words) > 1 else [])
        found: list[str] = []
        for probe in probes:
            for k in difflib.get_close_matches(probe, list(self._folded), n=n, cutoff=0.7):
                found.extend(c.describe() for c in self._folded[k] if c.describe() not in found)
        return found[:n]

    def county_matches(self, cand: Candidate, county: str) -> bool:
        """Whether a typed county (number or name, any official form) fits the candidate's county."""
        hint = normalise_name(county)
        if hint.isdigit():
            hint = hint.zfill(2)
        aliases = self._county_aliases.get(cand.county_number, set()) | self._county_aliases.get(
            f"{cand.org_type}:{cand.org_code}", set()
        )
        return hint in aliases or fold_name(hint) in {fold_name(a) for a in aliases}

    def lookup(self, text: str, county: str | None = None, org_type: str | None = None) -> Candidate:
        """The one org this name means, using county context and org type when given."""
        raw = str(text).strip()
        if not raw:
            raise GeographyError("empty municipality/county authority name")
        bare, paren_county = split_county_hint(raw)
        if org_type is None and names_says_county_authority(raw):
            org_type = "fylkeskommune"
        key = normalise_name(bare)
        found = list(self._exact.get(key, [])) or list(self._folded.get(fold_name(key), []))
        if not found:
            raise GeographyError(
                f"no municipality or county authority named {raw!r} in this frame", self.close_candidates(key)
            )
        if org_type is not None:
            typed = [c for c in found if c.org_type == org_type]
            found = typed or found
        elif len({c.org_type for c in found}) > 1:
            # A bare shared name (Oslo) means the municipality unless the text says county authority.
            found = [c for c in found if c.org_type == "kommune"]
        for hint in (paren_county, county):
            if len(found) > 1 and hint:
                narrowed = [c for c in found if self.county_matches(c, hint)]
                if narrowed:
                    found = narrowed
                elif hint is county and paren_county is None:
                    raise GeographyError(
                        f"{raw!r} with county {county!r}: no org of that name in that county",
                        [c.describe() for c in found],
                    )
        if org_type is not None and all(c.org_type != org_type for c in found):
            raise GeographyError(f"{raw!r} is not a {org_type} in this frame", [c.describe() for c in found])
        if len(found) > 1:
            raise GeographyError(
                f"{raw!r} is ambiguous; give the county (a county column or 'Name (County)')",
                [c.describe() for c in found],
            )
        return found[0]

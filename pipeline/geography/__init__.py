"""Norwegian municipal geography: frames, codes, names and reform crosswalks (no Dagster)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache

from pipeline.errors import GeographyError
from pipeline.geography.codes import is_county_code, normalise_code
from pipeline.geography.crosswalk import dim_crosswalk, frame_mapping, successors
from pipeline.geography.frames import (
    FRAME_YEARS,
    SIZE_CLASS_LABELS,
    dim_org,
    frame,
    population_table,
    population_years,
    size_class,
)
from pipeline.geography.names import NameIndex, normalise_name

__all__ = [
    "FRAME_YEARS",
    "SIZE_CLASS_LABELS",
    "Geography",
    "GeographyError",
    "OrgMatch",
    "dim_crosswalk",
    "dim_org",
    "frame",
    "frame_mapping",
    "normalise_code",
    "population_table",
    "population_years",
    "size_class",
    "successors",
]


@dataclass(frozen=True)
class OrgMatch:
    """A respondent identified as a frame org.

    ``method``: ``code`` (valid code of the frame), ``code_crosswalk`` (an older frame's code carried forward),
    ``name`` or ``name_county`` (name, disambiguated by county).
    """

    org_code: str
    org_type: str
    name: str
    county_number: str
    method: str
    note: str | None = None


class Geography:
    """Identify respondents in one frame year by code or name."""

    def __init__(self, frame_year: int) -> None:
        if frame_year not in FRAME_YEARS:
            raise ValueError(f"frame year {frame_year} unknown; known frames: {FRAME_YEARS}")
        self.frame_year = frame_year
        self.orgs = frame(frame_year)
        self._by_key = {(r.org_type, r.org_code): r for r in self.orgs.itertuples(index=False)}
        self._names = NameIndex(self.orgs, _county_aliases(frame_year))
        # how many orgs of a type share each normalised name (Herøy, Våler: 2)
        self._name_counts = Counter((r.org_type, normalise_name(r.name)) for r in self._by_key.values())

    def org(self, org_code: str, org_type: str) -> OrgMatch:
        row = self._by_key[(org_type, org_code)]
        return OrgMatch(row.org_code, row.org_type, row.name, row.county_number, "code")

    def by_code(self, value: object, org_type: str | None = None) -> OrgMatch:
        """The org a reported code means; codes of earlier frames are carried forward through the crosswalks."""
        code = normalise_code(value)
        kind = "fylkeskommune" if is_county_code(code) else "kommune"
        if org_type == "fylkeskommune" and kind == "kommune" and code == "0301":
            kind = "fylkeskommune"
            code = "03"
        if (kind, code) in self._by_key:
            return self.org(code, kind)
        for older in (y for y in FRAME_YEARS if y < self.frame_year):
            if code not in set(frame(older, [kind])["org_code"]):
                continue
            targets = successors(code, older, self.frame_year, kind)
            if len(targets) == 1:
                match = self.org(targets[0], kind)
                return OrgMatch(
                    match.org_code,
                    kind,
                    match.name,
                    match.county_number,
                    "code_crosswalk",
                    f"{code} ({older} frame) is {match.org_code} from {self.frame_year}",
                )
            raise GeographyError(
                f"code {code} ({older} frame) was split before {self.frame_year}; it cannot be assigned to one "
                "successor — identify the respondent by its current code or name",
                [f"{t} {self._by_key[(kind, t)].name}" for t in targets],
            )
        raise GeographyError(
            f"code {code} is not a {kind} in the {self.frame_year} frame (nor an earlier code that became one)"
        )

    def knows_code(self, value: object) -> bool:
        """Whether a value is the code of an org of this frame (or an earlier code that became one)."""
        try:
            self.by_code(value)
        except GeographyError:
            return False
        return True

    def knows_name(self, text: str) -> bool:
        """Whether a typed text names an org of this frame (possibly ambiguously, like Herøy without a county)."""
        return self._names.knows(text)

    def knows_county(self, text: str) -> bool:
        """Whether a typed text is a county of this frame (name or number)."""
        return self._names.is_county(text)

    def by_name(self, name: str, county: str | None = None, org_type: str | None = None) -> OrgMatch:
        """The org a typed name means (county context resolves duplicate names)."""
        cand = self._names.lookup(name, county=county, org_type=org_type)
        duplicate = self._name_counts[(cand.org_type, normalise_name(cand.name))] > 1
        method = "name_county" if duplicate else "name"
        return OrgMatch(cand.org_code, cand.org_type, cand.name, cand.county_number, method)


@cache
def _county_aliases(frame_year: int) -> dict[str, set[str]]:
    """Normalised county names/numbers per county number, plus per-org aliases from the previous frame."""
    orgs = frame(frame_year)
    aliases: dict[str, set[str]] = {}
    counties = orgs[orgs["org_type"] == "fylkeskommune"]
    for row in counties.itertuples(index=False):
        forms = {row.county_number, row.county_name, row.name_official, *str(row.other_names).split(";")}
        forms |= {part for f in list(forms) for part in str(f).split(" - ")}
        aliases[row.county_number] = {normalise_name(f) for f in forms if f and f != "nan"}
    older = [y for y in FRAME_YEARS if y < frame_year]
    if older:
        previous = frame(older[-1])
        prev_county = previous.set_index(["org_type", "org_code"])[["county_number", "county_name"]]
        mapping = frame_mapping(older[-1], frame_year)
        for row in mapping.itertuples(index=False):
            if ("kommune", row.from_code) in prev_county.index:
                num, name = prev_county.loc[("kommune", row.from_code)]
                key = f"kommune:{row.to_code}"
                aliases.setdefault(key, set()).update({normalise_name(num), normalise_name(name)})
    return aliases

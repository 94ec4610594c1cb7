"""Scan the raw folder for new or changed waves, by content hash, against a JSON cursor (no Dagster here).

:func:`scan_raw` makes a :class:`Snapshot`: per wave (a folder with ``codebook.yaml``) the SHA-256 of the codebook
and of every export file it names, and a problem per file that cannot be read (the codebook fails validation, a
pattern matches nothing, :func:`~pipeline.readers.detect_format` rejects the file). :func:`diff` compares the snapshot
with the :class:`Cursor` of the previous tick and returns a :class:`Plan`: partitions to add, waves to ingest, problems
to report, and the next cursor.

Rules: a new clean wave → add its partition and ingest it; a changed clean wave (or one whose problems are fixed) →
ingest it; an unchanged wave → nothing; a wave with a problem → no ingest, the problem is reported once (the cursor
remembers it) and listed while it lasts. A wave is only added as a partition once it scans clean, so a broken new
folder never leaves a never-materialised partition behind. Files modified less than ``settle_seconds`` ago are left
for the next tick (a copy in progress).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.codebook.harmonise import sha256_file
from pipeline.codebook.wave import discover_codebooks, load_codebook
from pipeline.errors import KsSdgError

CURSOR_VERSION = 1
CODEBOOK = "codebook.yaml"
_LOCK_PREFIXES = ("~$", ".~lock.")


@dataclass(frozen=True)
class FileProblem:
    """A file of a wave that cannot be read, and why."""

    wave: str
    file: str
    problem: str

    def __str__(self) -> str:
        return f"{self.wave}/{self.file}: {self.problem}"


@dataclass
class WaveState:
    """What the cursor remembers of a wave: its folder, combined digest, per-file hashes, open problems and how many
    ingests the sensor has requested (part of the run key, so reverting a file to an earlier version re-ingests)."""

    folder: str
    digest: str
    files: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    ingests: int = 0

    def to_json(self) -> dict:
        return {
            "folder": self.folder,
            "digest": self.digest,
            "files": dict(sorted(self.files.items())),
            "errors": dict(sorted(self.errors.items())),
            "ingests": self.ingests,
        }

    @classmethod
    def from_json(cls, data: dict) -> WaveState:
        return cls(
            folder=str(data.get("folder", "")),
            digest=str(data.get("digest", "")),
            files={str(k): str(v) for k, v in (data.get("files") or {}).items()},
            errors={str(k): str(v) for k, v in (data.get("errors") or {}).items()},
            ingests=int(data.get("ingests", 0)),
        )


@dataclass
class Cursor:
    """The sensor cursor: wave → :class:`WaveState`, plus a raw-folder-level error (e.g. two codebooks, one wave)."""

    waves: dict[str, WaveState] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> str:
        body = {
            "version": CURSOR_VERSION,
            "waves": {w: s.to_json() for w, s in sorted(self.waves.items())},
            "error": self.error,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> Cursor:
        """Parse a cursor; None, empty, unreadable or another version → an empty cursor (everything is new)."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != CURSOR_VERSION:
                return cls()
            waves = {str(w): WaveState.from_json(s) for w, s in (data.get("waves") or {}).items()}
            return cls(waves=waves, error=data.get("error"))
        except (ValueError, TypeError, AttributeError):
            return cls()


@dataclass
class WaveScan:
    """One wave folder as found now."""

    wave: str
    folder: str
    files: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        """SHA-256 over the sorted (file, hash) pairs, codebook included."""
        text = "".join(f"{name}\0{sha}\n" for name, sha in sorted(self.files.items()))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def clean(self) -> bool:
        return not self.errors and not self.pending


@dataclass
class Snapshot:
    """Every wave under the raw folder (or the error that stopped the scan)."""

    raw: Path
    waves: dict[str, WaveScan] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class IngestRequest:
    """Ingest one wave; ``run_key`` is stable for one state so a repeated request is deduplicated."""

    wave: str
    digest: str
    run_key: str
    reason: str
    changed: tuple[str, ...] = ()


@dataclass
class Plan:
    """What one sensor tick should do, and the cursor to store."""

    cursor: Cursor
    add_partitions: list[str] = field(default_factory=list)
    ingest: list[IngestRequest] = field(default_factory=list)
    new_problems: list[FileProblem] = field(default_factory=list)
    open_problems: list[FileProblem] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    error: str | None = None
    new_error: bool = False
    unchanged: int = 0

    def summary(self) -> str:
        """One line for the sensor tick: what happens, what is wrong and what is waiting."""
        parts: list[str] = []
        if self.error:
            parts.append(f"raw folder not scanned: {self.error}")
        if self.ingest:
            parts.append("ingest " + ", ".join(f"{r.wave} ({r.reason})" for r in self.ingest))
        readded = [w for w in self.add_partitions if w not in {r.wave for r in self.ingest}]
        if readded:
            parts.append("partition(s) re-added: " + ", ".join(readded))
        if self.new_problems:
            parts.append(
                "cannot read, not ingested: " + "; ".join(str(p) for p in self.new_problems) + " - fix the file and "
                "the next tick starts ingest"
            )
        old = [p for p in self.open_problems if p not in self.new_problems]
        if old:
            parts.append("still unreadable (reported before): " + "; ".join(str(p) for p in old))
        if self.pending:
            parts.append("waiting for files still being written: " + ", ".join(self.pending))
        if self.removed:
            parts.append("wave folder(s) gone (partitions kept): " + ", ".join(self.removed))
        if not parts:
            parts.append(f"no changes in raw/ ({self.unchanged} wave{'s' if self.unchanged != 1 else ''} unchanged)")
        elif self.unchanged and not self.error:
            parts.append(f"{self.unchanged} unchanged")
        return "; ".join(parts)


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def _readable_problem(path: Path) -> str | None:
    """None when the file is a readable export, else the problem (cheap: format detection only)."""
    from pipeline.readers import detect_format

    try:
        detect_format(path)
    except KsSdgError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}"
    else:
        return None
    if path.name.startswith(_LOCK_PREFIXES):
        problem += " (this looks like an Office lock file: close the workbook, or narrow the codebook's files:)"
    return problem


def scan_wave(
    wave: str,
    codebook_path: Path,
    raw: Path,
    previous: WaveState | None = None,
    settle_seconds: float = 0.0,
    now: float | None = None,
) -> WaveScan:
    """Hash one wave's codebook and export files and check new or changed files can be read."""
    folder = codebook_path.parent
    scan = WaveScan(wave=wave, folder=_rel(folder, raw))
    now = time.time() if now is None else now
    try:
        scan.files[CODEBOOK] = sha256_file(codebook_path)
        if now - codebook_path.stat().st_mtime < settle_seconds:
            scan.pending.append(CODEBOOK)
    except OSError as exc:
        scan.errors[CODEBOOK] = f"cannot read: {exc.strerror or exc}"
        return scan
    try:
        codebook = load_codebook(codebook_path)
        exports = codebook.export_files()
    except KsSdgError as exc:
        scan.errors[CODEBOOK] = getattr(exc, "problem", None) or str(exc)
        return scan
    except Exception as exc:
        scan.errors[CODEBOOK] = f"{type(exc).__name__}: {exc}"
        return scan
    known_good = {n: h for n, h in (previous.files if previous else {}).items() if n not in previous.errors}
    for path in exports:
        name = _rel(path, folder)
        try:
            if now - path.stat().st_mtime < settle_seconds:
                scan.pending.append(name)
                continue
            digest = sha256_file(path)
        except OSError as exc:
            scan.errors[name] = f"cannot read: {exc.strerror or exc}"
            continue
        scan.files[name] = digest
        if known_good.get(name) != digest:
            problem = _readable_problem(path)
            if problem:
                scan.errors[name] = problem
    return scan


def scan_raw(
    raw: Path, previous: Cursor | None = None, settle_seconds: float = 0.0, now: float | None = None
) -> Snapshot:
    """Scan every wave folder under ``raw``; files unchanged since ``previous`` are not re-checked."""
    snapshot = Snapshot(raw=raw)
    if not raw.exists():
        snapshot.error = f"{raw} does not exist (set KS_SDG_RAW_DIR or create it)"
        return snapshot
    try:
        found = discover_codebooks(raw)
    except KsSdgError as exc:
        snapshot.error = str(exc)
        return snapshot
    except OSError as exc:
        snapshot.error = f"cannot list {raw}: {exc.strerror or exc}"
        return snapshot
    previous = previous or Cursor()
    for wave, path in sorted(found.items()):
        snapshot.waves[wave] = scan_wave(wave, path, raw, previous.waves.get(wave), settle_seconds, now)
    return snapshot


def diff(snapshot: Snapshot, cursor: Cursor, existing_partitions: set[str] | None = None) -> Plan:
    """Compare a snapshot with the previous cursor; ``existing_partitions`` are the wave partitions the instance
    already has (None: unknown, then only waves new to the cursor are added)."""
    plan = Plan(cursor=Cursor(waves=dict(cursor.waves), error=snapshot.error))
    if snapshot.error:
        plan.error = snapshot.error
        plan.new_error = snapshot.error != cursor.error
        return plan
    for wave in sorted(set(cursor.waves) - set(snapshot.waves)):
        plan.removed.append(wave)
        del plan.cursor.waves[wave]
    for wave, scan in snapshot.waves.items():
        before = cursor.waves.get(wave)
        if scan.pending:
            plan.pending.append(f"{wave} ({', '.join(scan.pending)})")
            continue
        problems = [FileProblem(wave, f, p) for f, p in sorted(scan.errors.items())]
        if problems:
            plan.open_problems.extend(problems)
            old = before.errors if before else {}
            plan.new_problems.extend(p for p in problems if old.get(p.file) != p.problem)
            ingests = before.ingests if before else 0
            plan.cursor.waves[wave] = WaveState(scan.folder, scan.digest, scan.files, scan.errors, ingests)
            continue
        missing_partition = wave not in existing_partitions if existing_partitions is not None else before is None
        if missing_partition:
            plan.add_partitions.append(wave)
        if before is None:
            reason = "new wave"
        elif before.digest != scan.digest:
            changed = sorted(n for n in set(before.files) | set(scan.files) if before.files.get(n) != scan.files.get(n))
            reason = "changed: " + ", ".join(changed)
        elif before.errors:
            reason = "files readable again"
        else:
            # unchanged (a partition deleted meanwhile is only re-added: its materialisations are still recorded)
            plan.unchanged += 1
            continue
        ingests = (before.ingests if before else 0) + 1
        changed_files = tuple(sorted(n for n in scan.files if not before or before.files.get(n) != scan.files.get(n)))
        plan.ingest.append(
            IngestRequest(wave, scan.digest, f"{wave}-{ingests}-{scan.digest[:12]}", reason, changed_files)
        )
        plan.cursor.waves[wave] = WaveState(scan.folder, scan.digest, scan.files, {}, ingests)
    return plan


def plan_ingest(
    raw: Path,
    cursor: Cursor | str | None = None,
    existing_partitions: set[str] | None = None,
    settle_seconds: float = 0.0,
    now: float | None = None,
) -> Plan:
    """Scan ``raw`` and diff it against ``cursor`` (a :class:`Cursor` or its JSON)."""
    previous = cursor if isinstance(cursor, Cursor) else Cursor.from_json(cursor)
    snapshot = scan_raw(raw, previous, settle_seconds, now)
    return diff(snapshot, previous, existing_partitions)

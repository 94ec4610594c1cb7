"""Real processes against a temporary Dagster instance, raw folder and warehouse (for the concurrency and crash
tests). Every process runs the real ``ks-sdg`` command line (or a small Dagster script) in its own process group,
is SIGKILLed at teardown if still alive, and writes its output to files beside the sandbox."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg
import pandas as pd

from ks_testing import ROOT, SAMPLE
from pipeline.warehouse import TABLES, columns_of, connect

T = TypeVar("T")

#: wave: (respondents, complete, partial, superseded duplicates) of the synthetic sample
EXPECTED = {
    "2021-vsr": (193, 168, 25, 4),
    "2023-nordic": (160, 148, 12, 3),
    "2025-vnr": (187, 167, 20, 4),
}
#: Columns that legitimately differ between two builds of the same input.
VOLATILE = ("ingested_at",)

#: ``python -c WORKER <ks-sdg arguments>``: the real command line, with the slow imports done first. With
#: $KS_SDG_TEST_READY/$KS_SDG_TEST_GO set it touches READY and waits for GO, so several workers start their runs
#: at the same moment. Lock retries of the warehouse are logged (INFO) to stderr.
WORKER = r"""
import logging, os, sys, time
from pathlib import Path
logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
logging.getLogger("pipeline.warehouse.store").setLevel(logging.INFO)
import pipeline.definitions
from pipeline.cli import main
ready, go = os.environ.get("KS_SDG_TEST_READY"), os.environ.get("KS_SDG_TEST_GO")
if ready:
    Path(ready).touch()
    while not Path(go).exists():
        time.sleep(0.01)
sys.exit(main(sys.argv[1:]))
"""


def wait_for(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll ``predicate`` until it returns something truthy (AssertionError naming ``what`` on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Sandbox:
    """A raw folder with copies of sample waves, Dagster homes (the project's dagster.yaml) and warehouse paths."""

    root: Path

    @classmethod
    def create(cls, root: Path, waves: Iterable[str]) -> Sandbox:
        box = cls(root)
        for wave in waves:
            box.add_wave(wave)
        box.home()
        return box

    def add_wave(self, wave: str) -> Path:
        """Copy ``raw/sample/<wave>`` into the sandbox's raw folder (with fresh modification times)."""
        return Path(shutil.copytree(SAMPLE / wave, self.raw / wave, copy_function=shutil.copy))

    def home(self, name: str = "home") -> Path:
        """A DAGSTER_HOME holding the project's dagster.yaml (pool ``warehouse`` limited to 1)."""
        home = self.root / name
        if not home.exists():
            (home / ".dagster").mkdir(parents=True)
            shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
        return home

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "ks_sdg.duckdb"

    @property
    def published(self) -> Path:
        return self.root / "warehouse" / "ks_sdg_published.duckdb"

    @property
    def assets(self) -> Path:
        return self.root / "assets"

    def env(self, home: str = "home", **extra: str) -> dict[str, str]:
        """Environment of a process using this sandbox and the Dagster home ``home``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KS_SDG_", "DAGSTER_"))}
        dagster_dir = self.home(home) / ".dagster"
        env.update(
            DAGSTER_HOME=str(self.home(home)),
            KS_SDG_DAGSTER_DIR=str(dagster_dir),
            KS_SDG_DAGSTER_COMPUTE_LOGS=str(dagster_dir / "logs"),
            KS_SDG_ROOT=str(self.root),
            KS_SDG_RAW_DIR=str(self.raw),
            KS_SDG_WAREHOUSE=str(self.warehouse),
            KS_SDG_PUBLISHED=str(self.published),
            KS_SDG_ASSETS_DIR=str(self.assets),
            MPLBACKEND="Agg",
            OPENBLAS_NUM_THREADS="1",
        )
        env.update(extra)
        return env

    @contextlib.contextmanager
    def instance(self, home: str = "home") -> Iterator[dg.DagsterInstance]:
        """The Dagster instance of ``home``, opened in this process."""
        with environ(self.env(home)), dg.DagsterInstance.get() as instance:
            yield instance


@contextlib.contextmanager
def environ(env: dict[str, str]) -> Iterator[None]:
    """``os.environ`` set to the DAGSTER_/KS_SDG_ variables of ``env`` for the duration of the block."""
    keys = [k for k in env if k.startswith(("KS_SDG_", "DAGSTER_"))]
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: env[k] for k in keys})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class Processes:
    """Subprocesses started by one test, each in its own process group (killed at teardown if still alive)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[subprocess.Popen] = []
        self.logs: dict[int, Path] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                args, env=env, cwd=self.folder, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started.append(proc)
        self.logs[proc.pid] = log
        return proc

    def cli(self, name: str, env: dict[str, str], *args: str) -> subprocess.Popen:
        """``ks-sdg <args>`` (through :data:`WORKER`) in a new process."""
        return self.start(name, [sys.executable, "-c", WORKER, *args], env)

    def output(self, proc: subprocess.Popen) -> str:
        return self.logs[proc.pid].read_text(errors="replace")

    def finish(self, proc: subprocess.Popen, timeout: float = 180) -> int:
        """Wait for ``proc`` (SIGKILL and AssertionError with its output after ``timeout``)."""
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill(proc)
            message = f"process {proc.args[-3:]} still running after {timeout} s:\n{self.output(proc)}"
            raise AssertionError(message) from None

    def assert_ok(self, proc: subprocess.Popen, timeout: float = 180) -> str:
        """Wait for ``proc``, assert exit code 0 and return its output."""
        code = self.finish(proc, timeout)
        output = self.output(proc)
        assert code == 0, f"exit code {code}:\n{output}"
        return output

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        """SIGKILL the whole process group of ``proc`` and reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def close(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                self.kill(proc)


def rows(con: Any, table: str, wave: str | None = None, exclude: Iterable[str] = VOLATILE) -> pd.DataFrame:
    """A contract table (or one wave of it) in a canonical order, without the ``exclude`` columns."""
    cols = [c for c in columns_of(table) if c not in set(exclude)]
    where, params = ("WHERE wave = ?", [wave]) if wave else ("", [])
    return con.execute(f"SELECT {', '.join(cols)} FROM {table} {where} ORDER BY ALL", params).df()


def snapshot(path: Path, exclude: Iterable[str] = ()) -> dict[str, pd.DataFrame]:
    """Every contract table of the warehouse at ``path`` (read-only connection)."""
    con = connect(path, read_only=True, retries=0)
    try:
        return {table: rows(con, table, exclude=exclude) for table in TABLES}
    finally:
        con.close()


def assert_same_tables(actual: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    """Both snapshots hold the same tables with identical rows."""
    assert sorted(actual) == sorted(expected)
    for table in expected:
        pd.testing.assert_frame_equal(actual[table], expected[table], obj=table)


def slot_holders(instance: dg.DagsterInstance, pool: str = "warehouse") -> set[str]:
    """Run ids holding a slot of ``pool``."""
    return {slot.run_id for slot in instance.event_log_storage.get_concurrency_info(pool).claimed_slots}

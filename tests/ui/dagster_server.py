"""``dagster dev`` as a real server for end-to-end tests: a temporary instance (the project's dagster.yaml), raw
folder, warehouse and assets folder; a free loopback port; a small GraphQL client; clean shutdown.

Started from a script, ``dagster dev`` ignores SIGINT and SIGTERM (a background job inherits SIGINT ignored);
``env --default-signal=INT`` restores it, so SIGINT to the process group shuts every service down cleanly.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LOCATION = "pipeline.definitions"  # `dagster dev -m pipeline.definitions` names the code location after the module
REPOSITORY = "__repository__"  # the repository of a Definitions object


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GraphQLError(RuntimeError):
    """The server answered with errors (or not at all)."""


class DagsterDev:
    """One ``dagster dev`` with its own DAGSTER_HOME and ks-sdg folders under ``root``."""

    def __init__(self, root: Path, repo_root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.home = root / "dagster-home"
        self.raw = root / "raw"
        self.warehouse = root / "warehouse" / "ks_sdg.duckdb"
        self.assets = root / "assets"
        self.log = root / "dagster-dev.log"
        self.proc: subprocess.Popen | None = None
        (self.home / ".dagster").mkdir(parents=True, exist_ok=True)
        shutil.copy(repo_root / "dagster.yaml", self.home / "dagster.yaml")
        self.raw.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        """Environment of the server (and of anything in this process that opens its instance)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KS_SDG_", "DAGSTER_"))}
        env.update(
            DAGSTER_HOME=str(self.home),
            KS_SDG_DAGSTER_DIR=str(self.home / ".dagster"),
            KS_SDG_DAGSTER_COMPUTE_LOGS=str(self.home / ".dagster" / "logs"),
            KS_SDG_ROOT=str(self.root),
            KS_SDG_RAW_DIR=str(self.raw),
            KS_SDG_WAREHOUSE=str(self.warehouse),
            KS_SDG_PUBLISHED=str(self.warehouse.with_name("ks_sdg_published.duckdb")),
            KS_SDG_ASSETS_DIR=str(self.assets),
            MPLBACKEND="Agg",
            OPENBLAS_NUM_THREADS="1",
        )
        return env

    def start(self) -> None:
        dagster = Path(sys.executable).with_name("dagster")
        args = ["env", "--default-signal=INT", str(dagster), "dev", "-m", LOCATION, "-h", "127.0.0.1"]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [*args, "-p", str(self.port)],
                cwd=self.root,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def graphql(self, query: str, variables: dict[str, Any] | None = None, timeout: float = 30) -> dict[str, Any]:
        """The ``data`` of a GraphQL request (GraphQLError on errors)."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = json.load(response)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            raise GraphQLError(f"no answer from {self.url}/graphql: {exc}") from exc
        if payload.get("errors"):
            raise GraphQLError(json.dumps(payload["errors"])[:2000])
        return payload["data"]

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait until the GraphQL endpoint answers and the code location has loaded."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"dagster dev exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                data = self.graphql(
                    "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
                    "locationOrLoadError { __typename ... on PythonError { message } } } } } }",
                    timeout=5,
                )
                entries = data["workspaceOrError"]["locationEntries"]
                last = json.dumps(entries)
                entry = next((e for e in entries if e["name"] == LOCATION), None)
                if entry and entry["loadStatus"] == "LOADED":
                    if entry["locationOrLoadError"]["__typename"] != "RepositoryLocation":
                        raise RuntimeError(f"code location failed to load: {entry['locationOrLoadError']}")
                    return
            except GraphQLError as exc:
                last = str(exc)
            time.sleep(0.5)
        raise TimeoutError(f"dagster dev not ready after {timeout} s ({last}):\n{self.log_tail()}")

    def stop(self, timeout: float = 60) -> int | None:
        """SIGINT to the whole process group (webserver, daemon, code servers, run workers); SIGKILL whatever is
        left after ``timeout``. Returns the exit code of ``dagster dev`` (None if it had to be killed)."""
        if self.proc is None:
            return None
        pgid = self.proc.pid
        code = self.proc.poll()
        if code is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGINT)
            try:
                code = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                code = None
        # children (code servers, run workers) must be gone too
        deadline = time.monotonic() + (10 if code is not None else 0)
        while time.monotonic() < deadline and group_alive(pgid):
            time.sleep(0.2)
        if group_alive(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            code = None
        if self.proc.poll() is None:
            self.proc.wait(timeout=30)
        return code


@contextlib.contextmanager
def running(dev: DagsterDev, timeout: float = 120) -> Iterator[DagsterDev]:
    """Start ``dev``, wait until its code location has loaded, and shut it down after (asserting a clean exit)."""
    dev.start()
    try:
        dev.wait_ready(timeout=timeout)
        yield dev
    finally:
        code = dev.stop()
        assert code is not None, f"dagster dev did not shut down on SIGINT:\n{dev.log_tail()}"


def group_alive(pgid: int) -> bool:
    """True while any process of the process group ``pgid`` exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True

"""Constants shared by the report tests (imported by name: the tests folder is on sys.path under pytest)."""

from datetime import UTC, datetime

WAVE = "2021-vsr"  # both org types, suppressed cells, trends to two later waves, synthetic
RUN = dict(run_id="run-0123abcd", generated_at=datetime(2025, 5, 2, 10, 30, tzinfo=UTC), code_version="0.1.0+g1234567")

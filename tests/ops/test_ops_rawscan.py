"""Scanning raw/ against a cursor, without Dagster: new waves, changed files, unreadable files, the cursor."""

import os
import time

from pipeline.ops.rawscan import Cursor, diff, plan_ingest, scan_raw

NORDIC_CSV = "ks-sdg-2023-nordic-SYNTHETIC-nettskjema.csv"
VNR_XLSX = "ks-sdg-2025-vnr-SYNTHETIC-msforms.xlsx"


def tick(raw, cursor, **kw):
    """One sensor tick: the plan and the cursor JSON to keep."""
    plan = plan_ingest(raw, cursor, **kw)
    return plan, plan.cursor.to_json()


def test_new_wave_is_added_and_ingested_then_nothing(raw, copy_wave):
    copy_wave(raw, "2023-nordic")
    plan, cursor = tick(raw, None)
    assert plan.add_partitions == ["2023-nordic"]
    [req] = plan.ingest
    assert (req.wave, req.reason) == ("2023-nordic", "new wave")
    assert req.run_key.startswith("2023-nordic-1-") and req.run_key.endswith(req.digest[:12])
    assert set(req.changed) == {"codebook.yaml", NORDIC_CSV}
    state = Cursor.from_json(cursor).waves["2023-nordic"]
    assert state.folder == "2023-nordic" and set(state.files) == {"codebook.yaml", NORDIC_CSV} and not state.errors

    again, cursor2 = tick(raw, cursor, existing_partitions={"2023-nordic"})
    assert again.ingest == [] and again.add_partitions == [] and cursor2 == cursor
    assert again.summary() == "no changes in raw/ (1 wave unchanged)"


def test_changed_export_reingests_only_its_wave(raw, copy_wave):
    copy_wave(raw, "2023-nordic")
    copy_wave(raw, "2025-vnr")
    _, cursor = tick(raw, None)
    with (raw / "2023-nordic" / NORDIC_CSV).open("a", encoding="utf-8") as handle:
        handle.write("\n")
    plan, cursor2 = tick(raw, cursor, existing_partitions={"2023-nordic", "2025-vnr"})
    [req] = plan.ingest
    assert req.wave == "2023-nordic" and req.reason == f"changed: {NORDIC_CSV}" and req.changed == (NORDIC_CSV,)
    assert req.run_key.startswith("2023-nordic-2-")
    assert plan.add_partitions == [] and plan.unchanged == 1
    assert "ingest 2023-nordic (changed: " in plan.summary()
    # the codebook counts too
    cb = raw / "2025-vnr" / "codebook.yaml"
    cb.write_text(cb.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    plan, _ = tick(raw, cursor2, existing_partitions={"2023-nordic", "2025-vnr"})
    assert [(r.wave, r.reason) for r in plan.ingest] == [("2025-vnr", "changed: codebook.yaml")]


def test_new_wave_folder_beside_known_ones(raw, copy_wave):
    copy_wave(raw, "2023-nordic")
    _, cursor = tick(raw, None)
    copy_wave(raw / "nested", "2021-vsr")
    plan, _ = tick(raw, cursor, existing_partitions={"2023-nordic"})
    assert plan.add_partitions == ["2021-vsr"]
    assert [(r.wave, r.reason) for r in plan.ingest] == [("2021-vsr", "new wave")]
    assert plan.cursor.waves["2021-vsr"].folder == "nested/2021-vsr"


def test_reverting_a_file_gets_a_new_run_key(raw, copy_wave):
    copy_wave(raw, "2023-nordic")
    csv = raw / "2023-nordic" / NORDIC_CSV
    original = csv.read_bytes()
    keys = []
    cursor = None
    for content in (original, original + b"\n", original):
        csv.write_bytes(content)
        plan, cursor = tick(raw, cursor, existing_partitions={"2023-nordic"})
        keys += [r.run_key for r in plan.ingest]
    assert len(keys) == 3 and len(set(keys)) == 3
    assert keys[0][-12:] == keys[2][-12:]  # same content, new generation


def test_unreadable_file_is_reported_once_not_ingested_and_retried_when_fixed(raw, copy_wave):
    copy_wave(raw, "2023-nordic")
    _, cursor = tick(raw, None)
    csv = raw / "2023-nordic" / NORDIC_CSV
    original = csv.read_bytes()
    csv.write_bytes(b"")
    plan, cursor = tick(raw, cursor, existing_partitions={"2023-nordic"})
    assert plan.ingest == []
    [problem] = plan.new_problems
    assert (problem.wave, problem.file) == ("2023-nordic", NORDIC_CSV) and "empty" in problem.problem
    assert f"cannot read, not ingested: 2023-nordic/{NORDIC_CSV}: the file is empty" in plan.summary()
    assert Cursor.from_json(cursor).waves["2023-nordic"].errors == {NORDIC_CSV: problem.problem}

    plan, cursor = tick(raw, cursor, existing_partitions={"2023-nordic"})
    assert plan.ingest == [] and plan.new_problems == [] and plan.open_problems == [problem]
    assert plan.summary().startswith("still unreadable (reported before): 2023-nordic/")

    csv.write_bytes(original)  # fixed: same content as the last ingest, still re-ingested
    plan, cursor = tick(raw, cursor, existing_partitions={"2023-nordic"})
    assert [(r.wave, r.reason) for r in plan.ingest] == [("2023-nordic", f"changed: {NORDIC_CSV}")]
    assert plan.open_problems == [] and not Cursor.from_json(cursor).waves["2023-nordic"].errors


def test_truncated_workbook_and_office_lock_file(raw, copy_wave):
    folder = copy_wave(raw, "2025-vnr")
    xlsx = folder / VNR_XLSX
    xlsx.write_bytes(xlsx.read_bytes()[:2000])
    plan, _ = tick(raw, None)
    assert plan.ingest == [] and plan.add_partitions == []  # a broken new wave does not become a partition
    [problem] = plan.new_problems
    assert problem.file == VNR_XLSX and "truncated or corrupt" in problem.problem

    cb = folder / "codebook.yaml"
    cb.write_text(cb.read_text(encoding="utf-8").replace(f"- {VNR_XLSX}", "- '*.xlsx'"), encoding="utf-8")
    (folder / f"~${VNR_XLSX}").write_bytes(b"\x00" * 165)
    plan, _ = tick(raw, None)
    assert any("Office lock file" in p.problem for p in plan.new_problems)


def test_broken_codebook_is_a_problem_of_codebook_yaml(raw, copy_wave):
    folder = copy_wave(raw, "2023-nordic")
    _, cursor = tick(raw, None)
    cb = folder / "codebook.yaml"
    good = cb.read_text(encoding="utf-8")
    cb.write_text(good.replace("frame_year:", "frame_year: [\n"), encoding="utf-8")
    plan, cursor = tick(raw, cursor, existing_partitions={"2023-nordic"})
    [problem] = plan.new_problems
    assert problem.file == "codebook.yaml" and "YAML" in problem.problem
    cb.write_text(good, encoding="utf-8")
    (folder / NORDIC_CSV).unlink()
    plan, cursor = tick(raw, cursor, existing_partitions={"2023-nordic"})
    [problem] = plan.new_problems
    assert problem.file == "codebook.yaml" and "no file matches" in problem.problem
    assert plan.ingest == []


def test_files_being_written_wait_for_the_next_tick(raw, copy_wave):
    for path in copy_wave(raw, "2023-nordic").iterdir():
        os.utime(path)  # just written
    plan, cursor = tick(raw, None, settle_seconds=60)
    assert plan.ingest == [] and plan.pending and cursor == Cursor().to_json()
    assert "waiting for files still being written: 2023-nordic" in plan.summary()
    old = time.time() - 120
    for path in (raw / "2023-nordic").iterdir():
        os.utime(path, (old, old))
    plan, _ = tick(raw, cursor, settle_seconds=60)
    assert [r.wave for r in plan.ingest] == ["2023-nordic"]


def test_removed_wave_and_partition_readded_without_ingest(raw, copy_wave):
    copy_wave(raw, "2023-nordic")
    folder = copy_wave(raw, "2025-vnr")
    _, cursor = tick(raw, None)
    plan, cursor2 = tick(raw, cursor, existing_partitions={"2025-vnr"})  # 2023-nordic deleted in the UI
    assert plan.add_partitions == ["2023-nordic"] and plan.ingest == []
    assert "partition(s) re-added: 2023-nordic" in plan.summary()
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    plan, cursor3 = tick(raw, cursor2, existing_partitions={"2023-nordic", "2025-vnr"})
    assert plan.removed == ["2025-vnr"] and "2025-vnr" not in Cursor.from_json(cursor3).waves
    assert "wave folder(s) gone (partitions kept): 2025-vnr" in plan.summary()


def test_two_codebooks_claiming_one_wave_stop_the_scan(raw, copy_wave):
    copy_wave(raw, "2023-nordic")
    _, cursor = tick(raw, None)
    copy_wave(raw / "copy", "2023-nordic")
    plan, cursor2 = tick(raw, cursor)
    assert plan.error and "two codebooks claim this wave" in plan.error and plan.new_error
    assert plan.ingest == [] and "2023-nordic" in Cursor.from_json(cursor2).waves
    again, _ = tick(raw, cursor2)
    assert again.error == plan.error and not again.new_error


def test_missing_raw_folder(tmp_path):
    plan = plan_ingest(tmp_path / "nowhere", None)
    assert plan.error and "does not exist" in plan.error and plan.ingest == []


def test_cursor_roundtrip_and_tolerance(raw, copy_wave):
    copy_wave(raw, "2023-nordic")
    snapshot = scan_raw(raw)
    plan = diff(snapshot, Cursor())
    text = plan.cursor.to_json()
    assert Cursor.from_json(text).to_json() == text
    for junk in (None, "", "{", "[]", '{"version": 99, "waves": {}}', '{"version": 1, "waves": 3}'):
        assert Cursor.from_json(junk).waves == {}


def test_unchanged_files_are_not_rechecked(raw, monkeypatch, copy_wave):
    copy_wave(raw, "2023-nordic")
    _, cursor = tick(raw, None)
    calls = []
    monkeypatch.setattr("pipeline.ops.rawscan._readable_problem", lambda path: calls.append(path))
    tick(raw, cursor)
    assert calls == []

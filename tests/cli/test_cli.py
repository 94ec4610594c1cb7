"""The ks-sdg command line on the sample exports and on other exports of the supported formats."""

import json
from pathlib import Path

import pytest
import yaml

from ks_testing import SAMPLE
from pipeline.cli import main
from pipeline.codebook.wave import load_codebook
from pipeline.errors import CodebookError
from pipeline.readers import read_export
from pipeline.sample import formats

SAMPLE_FILES = {
    "surveyxact_xlsx": SAMPLE / "2021-vsr" / "ks-sdg-2021-vsr-SYNTHETIC-surveyxact.xlsx",
    "nettskjema_csv": SAMPLE / "2023-nordic" / "ks-sdg-2023-nordic-SYNTHETIC-nettskjema.csv",
    "msforms_xlsx": SAMPLE / "2025-vnr" / "ks-sdg-2025-vnr-SYNTHETIC-msforms.xlsx",
}
RECORDS = {"surveyxact_xlsx": 203, "nettskjema_csv": 163, "msforms_xlsx": 191}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("fmt", list(SAMPLE_FILES))
def test_inspect_text_on_sample(capsys, fmt):
    code, out, _ = run(capsys, "inspect", str(SAMPLE_FILES[fmt]))
    assert code == 0
    assert fmt in out and f"respondents   {RECORDS[fmt]}" in out


@pytest.mark.parametrize("fmt", list(SAMPLE_FILES))
def test_inspect_json_on_sample(capsys, fmt):
    code, out, _ = run(capsys, "inspect", "--json", str(SAMPLE_FILES[fmt]))
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"format", "encoding", "delimiter", "n_respondents", "variables"}
    assert data["format"] == fmt and data["n_respondents"] == RECORDS[fmt]
    assert all(set(v) == {"name", "label", "type", "value_labels"} for v in data["variables"])


def test_inspect_json_labels(capsys):
    _, out, _ = run(capsys, "inspect", "--json", str(SAMPLE_FILES["surveyxact_xlsx"]))
    variables = {v["name"]: v for v in json.loads(out)["variables"]}
    assert variables["s_3"]["label"] == "Hvilken rolle har du?"
    assert variables["s_3"]["value_labels"]["3"] == "Planlegger eller rådgiver"
    assert variables["v_6_1"]["type"] == "multiple_dummy"


@pytest.fixture(scope="module")
def other_exports(tmp_path_factory) -> dict[str, Path]:
    """Exports of every supported format that are not our sample: written from the SurveyXact sample's content."""
    tmp = tmp_path_factory.mktemp("exports")
    export = read_export(SAMPLE_FILES["surveyxact_xlsx"])
    wide = export.wide()
    rows = [{k: (None if v != v else v) for k, v in row.items()} for row in wide.head(25).to_dict("records")]
    variables = export.variables
    out = {}
    out["spss_sav"] = tmp / "export.sav"
    formats.write_spss_sav(out["spss_sav"], variables, rows)
    out["generic_csv"] = tmp / "export.csv"
    formats.write_generic_csv(out["generic_csv"], variables, rows)
    out["generic_xlsx"] = tmp / "export.xlsx"
    formats.write_generic_xlsx(out["generic_xlsx"], variables, rows)
    for variant in ("comma-cp1252", "semicolon-cp1252", "tab-utf16"):
        folder = tmp / variant
        formats.write_surveyxact_csv(folder, variables, rows, variant)
        out[f"surveyxact_csv/{variant}"] = folder
    out["nettskjema_legacy"] = tmp / "legacy.txt"
    formats.write_nettskjema_legacy(out["nettskjema_legacy"], variables, rows)
    return out


@pytest.mark.parametrize(
    "key",
    [
        "spss_sav",
        "generic_csv",
        "generic_xlsx",
        "surveyxact_csv/comma-cp1252",
        "surveyxact_csv/semicolon-cp1252",
        "surveyxact_csv/tab-utf16",
        "nettskjema_legacy",
    ],
)
def test_inspect_other_exports(capsys, other_exports, key):
    code, out, _ = run(capsys, "inspect", "--json", str(other_exports[key]))
    data = json.loads(out)
    assert code == 0
    assert data["format"] == key.split("/")[0]
    assert data["n_respondents"] == 25
    if key.startswith("surveyxact_csv"):
        assert (
            data["encoding"]
            == {"comma-cp1252": "windows-1252", "semicolon-cp1252": "windows-1252", "tab-utf16": "utf-16-le"}[
                key.split("/")[1]
            ]
        )
        assert data["delimiter"] == {"comma-cp1252": ",", "semicolon-cp1252": ";", "tab-utf16": "\t"}[key.split("/")[1]]


def test_inspect_bad_file_exits_2_with_the_reason(capsys, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, _, err = run(capsys, "inspect", str(empty))
    assert code == 2 and "empty.csv" in err and "empty" in err


@pytest.mark.parametrize("fmt", list(SAMPLE_FILES))
def test_draft_codebook_covers_every_column(capsys, tmp_path, fmt):
    out = tmp_path / "codebook.yaml"
    code, _, _ = run(capsys, "draft-codebook", str(SAMPLE_FILES[fmt]), "--out", str(out), "--wave", "2030-test")
    assert code == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    export = read_export(SAMPLE_FILES[fmt])
    listed = (
        set(data["variables"]) | set(data["ignore"]) | set(data["pii"]) | {data["respondent"]["identity"]["column"]}
    )
    listed |= {data["respondent"].get("county", {}).get("column")}
    assert {v.name for v in export.variables} <= listed
    assert data["reader"] == fmt


def test_draft_guesses_questions_and_values(capsys, tmp_path):
    out = tmp_path / "codebook.yaml"
    run(capsys, "draft-codebook", str(SAMPLE_FILES["surveyxact_xlsx"]), "--out", str(out), "--wave", "2030-test")
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["respondent"]["identity"] == {"column": "s_2", "by": "code"}
    assert data["variables"]["s_3"] == {
        "question": "respondent_role",
        "values": {"1": "chief_executive", "2": "manager", "3": "planner", "4": "politician", "5": "other"},
    }
    assert data["variables"]["v_6_1"] == {"question": "sdg_in_plans", "option": "samfunnsdel"}
    assert data["pii"] == ["email", "name"]


def test_unfinished_draft_does_not_validate(capsys, tmp_path):
    out = tmp_path / "2030-test" / "codebook.yaml"
    out.parent.mkdir()
    run(capsys, "draft-codebook", str(SAMPLE_FILES["surveyxact_xlsx"]), "--out", str(out), "--wave", "2030-test")
    with pytest.raises(CodebookError, match=r"field_period\.start 'TODO' is not a date"):
        load_codebook(out)


def test_draft_refuses_to_overwrite(capsys, tmp_path):
    out = tmp_path / "codebook.yaml"
    out.write_text("keep me", encoding="utf-8")
    code, _, err = run(capsys, "draft-codebook", str(SAMPLE_FILES["nettskjema_csv"]), "--out", str(out))
    assert code == 2 and "--force" in err and out.read_text(encoding="utf-8") == "keep me"


def test_check_wave_is_a_dry_run(capsys):
    code, out, _ = run(capsys, "check-wave", str(SAMPLE / "2023-nordic"))
    assert code == 0
    assert "wave 2023-nordic: 160 respondents (148 complete, 12 partial)" in out
    assert "superseded_duplicate: 3" in out
    assert "\n  identified by code 157, an older code carried through the reform crosswalk 3\n" in out


def test_check_wave_says_how_respondents_were_identified_and_lists_the_issues(capsys):
    code, out, _ = run(capsys, "check-wave", str(SAMPLE / "2021-vsr"))
    assert code == 0
    assert (
        "identified by code 188, an older code carried through the reform crosswalk 4, the codebook's overrides 1"
        in out
    )
    assert (
        "    ks-sdg-2021-vsr-SYNTHETIC-surveyxact.xlsx row 59: reported code 219 carried forward through the reform "
        "crosswalk to 3024\n"
    ) in out
    lines = out.splitlines()
    at = lines.index("  superseded_duplicate: 4")
    rows = [int(line.split(" row ")[1].split(":")[0]) for line in lines[at + 1 : at + 5]]
    assert rows == sorted(rows) and len(rows) == 4


def test_waves_lists_the_sample(capsys, monkeypatch):
    monkeypatch.setenv("KS_SDG_RAW_DIR", str(SAMPLE.parent))
    code, out, _ = run(capsys, "waves")
    assert code == 0 and [line.split("\t")[0] for line in out.strip().splitlines()] == [
        "2021-vsr",
        "2023-nordic",
        "2025-vnr",
    ]


def test_make_sample_reproduces_the_committed_sample(capsys, tmp_path):
    code, _, _ = run(capsys, "make-sample", "--out", str(tmp_path))
    assert code == 0
    for path in SAMPLE.rglob("*"):
        if path.is_file():
            assert (tmp_path / path.relative_to(SAMPLE)).read_bytes() == path.read_bytes(), path


def test_the_console_script_prints_everything_and_keeps_exit_codes(tmp_path):
    """``ks-sdg`` (the installed script) leaves through a fast exit: its output must still arrive whole through a
    pipe, and its exit codes must survive."""
    import subprocess
    import sys

    script = Path(sys.executable).with_name("ks-sdg")
    export = SAMPLE_FILES["nettskjema_csv"]
    ok = subprocess.run([script, "inspect", "--json", str(export)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["n_respondents"] == RECORDS["nettskjema_csv"]
    bad = subprocess.run([script, "inspect", str(tmp_path / "missing.csv")], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "missing.csv" in bad.stderr and "expected the path of an export" in bad.stderr


def test_output_into_a_closed_pipe_ends_quietly():
    """`ks-sdg … | head -1`: the reader goes away before we write; no traceback, exit code 0."""
    import subprocess
    import sys

    ks_sdg = Path(sys.executable).with_name("ks-sdg")
    proc = subprocess.Popen(
        [str(ks_sdg), "check-wave", str(SAMPLE / "2021-vsr")], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()  # gone before the first line is written (reading the wave takes a while)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err

"""Documentation generated from code stays in step with it."""

from ks_testing import ROOT
from pipeline.warehouse.docs import contract_markdown
from pipeline.warehouse.schema import TABLES


def test_warehouse_doc_is_current():
    assert (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8") == contract_markdown(), (
        "regenerate: python -m pipeline.warehouse.docs > docs/warehouse.md"
    )


def test_every_contract_table_is_documented():
    text = contract_markdown()
    for table in TABLES:
        assert f"### `{table}`" in text

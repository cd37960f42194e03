"""Every bad input and upstream fault in tests/faults.py gets its designed answer, never a 500."""

from __future__ import annotations

import re

import pytest

from service import schemas
from tests.conftest import ROOT
from tests.faults import FAULTS, Fault, run

FAULT_DOC = ROOT / "docs" / "faults.md"


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
def test_fault_gets_its_designed_answer(fault: Fault) -> None:
    outcome = run(fault)
    r = outcome.response
    assert r.status_code == fault.status, (outcome.statuses, r.text)
    assert all(s < 500 or s in (502, 503, 504) for s in outcome.statuses), outcome.statuses
    if fault.statuses:
        assert sorted(outcome.statuses) == sorted(fault.statuses)
    assert "Traceback" not in r.text
    assert r.headers["x-request-id"]
    for header in fault.headers:
        assert header in r.headers, header
    assert fault.says in r.text, r.text
    if fault.code is None:
        answer = schemas.SummaryResponse.model_validate_json(r.content)
        if fault.id == "cut-off-kept":
            assert answer.usage.salvaged == 1 and len(answer.claims) == 0
        return
    body = schemas.ErrorBody.model_validate_json(r.content)
    assert body.error == fault.code
    assert body.request_id == r.headers["x-request-id"]
    assert len(body.message) > 20  # says what happened in words


def test_fault_document_lists_every_case_with_its_status() -> None:
    """docs/faults.md is written by scripts/fault_table.py from these cases; it must be current."""
    doc = FAULT_DOC.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([\w-]+)` \|[^|]*\| (\d{3}) \|", doc, re.MULTILINE))
    assert rows == {f.id: str(f.status) for f in FAULTS}, (
        "docs/faults.md is stale: run `.venv/bin/python scripts/fault_table.py`"
    )

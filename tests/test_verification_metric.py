"""The verifier's metric itself: span geometry, scoring with a fake judge, the loader, the gate."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from evals import verification as v
from evals.verification import Judgment, PathVerdict, Statement
from service import cli

TINY = Path(__file__).resolve().parent / "verification_set"
TINY_ARTICLE = (TINY / "articles" / "tiny" / "article.txt").read_text(encoding="utf-8")
FIRST = "The subsidy passed by 14 votes to 9."
SECOND = (
    "Councillor Tomas Reyes, who voted against, said the ferry company had not published its "
    "accounts for two years."
)


def at(text: str, article: str = TINY_ARTICLE) -> tuple[int, int]:
    start = article.index(text)
    return start, start + len(text)


# --- span geometry -------------------------------------------------------------------------------


def test_gold_spans_finds_every_occurrence_and_merges_across_whitespace() -> None:
    article = "A b. Cc d.  Cc d. Ee."
    assert v.gold_spans(article, ["Cc d."]) == [(5, 17)]  # two hits, only spaces between
    assert v.gold_spans(article, ["A b.", "Ee."]) == [(0, 4), (18, 21)]
    assert v.gold_spans(article, ["A b.", "Cc d."]) == [(0, 17)]


@pytest.mark.parametrize(
    ("gold", "sentence"),
    [
        ("The council voted 6-3.", "ASHGROVE — The council voted 6-3."),  # dateline and all
        ("council voted", "ASHGROVE — The council voted 6-3."),  # a clause: its sentence
        ("Mayor said", "Mayor said “no.”"),  # closing quotes belong to the sentence
        ("Next one", "Next one here"),  # a line break ends a sentence
        ("HEAD", "HEAD line"),
    ],
)
def test_gold_evidence_is_widened_to_its_sentence(gold: str, sentence: str) -> None:
    article = "HEAD line\nASHGROVE — The council voted 6-3. Mayor said “no.” Next one here\nLast"
    assert v.gold_spans(article, [gold]) == [at(sentence, article)]


@pytest.mark.parametrize(
    ("span", "inside", "overlaps"),
    [
        (at(FIRST), True, True),  # the gold sentence itself
        (at("passed by 14 votes"), True, True),  # a sub-span
        (at(FIRST + " Council"), False, True),  # runs into the next sentence
        ((at(FIRST)[0] - 2, at(FIRST)[1] + 1), True, True),  # edge spaces and punctuation only
        (at("Councillor Tomas Reyes"), False, False),  # another sentence
        (at(". "), False, False),  # nothing but punctuation
    ],
)
def test_span_inside_and_overlaps(span: tuple[int, int], inside: bool, overlaps: bool) -> None:
    gold = v.gold_spans(TINY_ARTICLE, [FIRST])
    assert v.span_inside(TINY_ARTICLE, span, gold) is inside
    assert v.span_overlaps(span, gold) is overlaps


@pytest.mark.parametrize(
    ("text", "cuts"),
    [
        ("The subsidy", False),
        ("he subsidy", True),  # starts inside "The"
        ("The subsid", True),  # ends inside "subsidy"
        ("14 votes to 9.", False),
        ("4 votes", True),  # starts inside "14"
        ("2.4 million euros", False),
        ("Velmar approved", False),
    ],
)
def test_cuts_word(text: str, cuts: bool) -> None:
    assert v.cuts_word(TINY_ARTICLE, at(text)) is cuts


def test_a_span_at_the_article_edges_cuts_nothing() -> None:
    assert not v.cuts_word("word", (0, 4))
    assert v.cuts_word("word", (1, 4))


# --- scoring with a fake judge ----------------------------------------------------------------


def statement(sid: str, label: bool, kind: str, gold: str = FIRST) -> Statement:
    return Statement(
        id=sid, article="tiny", text=f"text of {sid}", label=label, type=kind, quote=gold,
        attributed_to=None, gold_evidence=(gold,), gold_attribution=None, note="",
    )  # fmt: skip


def fake_judge(verdicts: dict[str, tuple[PathVerdict, PathVerdict]]) -> v.Judge:
    def judge(statements: Sequence[Statement], articles: Mapping[str, str]) -> list[Judgment]:
        return [Judgment(*verdicts[s.id]) for s in statements]

    return judge


YES_GOLD = PathVerdict(True, (), (at(FIRST),))
YES_SUBSPAN = PathVerdict(True, (), (at("passed by 14 votes"),))
YES_WRONG = PathVerdict(True, (), (at(SECOND),))
YES_MIDWORD = PathVerdict(True, (), ((at(FIRST)[0] + 1, at(FIRST)[1]),))  # "he subsidy …"
NO = PathVerdict(False, ("figure 9 votes not in the evidence",), (at(FIRST),))

SET = [
    statement("tiny-001", True, "true_paraphrase"),
    statement("tiny-002", True, "true_paraphrase"),
    statement("tiny-003", True, "true_model"),
    statement("tiny-004", False, "figure_swap"),
    statement("tiny-005", False, "figure_swap"),
    statement("tiny-006", False, "negation"),
]
VERDICTS = {  # (claim, summary)
    "tiny-001": (YES_GOLD, YES_SUBSPAN),
    "tiny-002": (YES_WRONG, NO),
    "tiny-003": (NO, YES_MIDWORD),
    "tiny-004": (NO, YES_GOLD),
    "tiny-005": (NO, NO),
    "tiny-006": (YES_GOLD, YES_GOLD),
}


@pytest.fixture
def report() -> dict[str, Any]:
    judged = fake_judge(VERDICTS)(SET, {"tiny": TINY_ARTICLE})
    return v.score(SET, {"tiny": TINY_ARTICLE}, judged)


def test_rates_per_path(report: dict[str, Any]) -> None:
    claim, summary, combined = (report["paths"][p] for p in v.PATHS)
    assert (claim["true_accepted"], claim["false_supported"]) == (2 / 3, 1 / 3)
    assert claim["balanced_accuracy"] == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert (summary["true_accepted"], summary["false_supported"]) == (2 / 3, 2 / 3)
    assert summary["balanced_accuracy"] == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert (combined["true_accepted"], combined["false_supported"]) == (4 / 6, 3 / 6)
    assert (combined["n_true"], combined["n_false"]) == (6, 6)


def test_per_type_counts(report: dict[str, Any]) -> None:
    claim, summary = report["paths"]["claim"]["types"], report["paths"]["summary"]["types"]
    assert claim["figure_swap"] == {"label": False, "n": 2, "supported": 0}
    assert summary["figure_swap"] == {"label": False, "n": 2, "supported": 1}
    assert claim["negation"] == {"label": False, "n": 1, "supported": 1}
    assert claim["true_paraphrase"] == {"label": True, "n": 2, "supported": 2}
    assert "wrong_date" not in claim  # types with no statements are left out


def test_evidence_accuracy_counts_only_true_supported(report: dict[str, Any]) -> None:
    claim, summary = report["paths"]["claim"], report["paths"]["summary"]
    # claim: 001 in the gold, 002 in another sentence; false 006 does not count
    assert (claim["n_evidence_checked"], claim["evidence_accuracy"]) == (2, 0.5)
    assert claim["evidence_overlaps"] == 0.5
    # summary: 001 a sub-span (inside), 003 starts mid-word but inside the gold
    assert (summary["n_evidence_checked"], summary["evidence_accuracy"]) == (2, 1.0)
    wrong = [(r["id"], r["path"]) for r in report["wrong_evidence"]]
    assert wrong == [("tiny-002", "claim")]


def test_bad_spans_are_counted_over_every_span(report: dict[str, Any]) -> None:
    assert report["paths"]["claim"]["bad_spans"] == 0
    assert report["paths"]["summary"]["bad_spans"] == 1  # tiny-003's span
    assert report["paths"]["combined"]["n_spans"] == 12


def test_misjudged_lists_each_wrong_verdict_with_reasons_and_evidence(
    report: dict[str, Any],
) -> None:
    wrong = {(r["id"], r["path"]) for r in report["misjudged"]}
    assert wrong == {
        ("tiny-002", "summary"), ("tiny-003", "claim"), ("tiny-004", "summary"),
        ("tiny-006", "claim"), ("tiny-006", "summary"),
    }  # fmt: skip
    row = next(r for r in report["misjudged"] if (r["id"], r["path"]) == ("tiny-003", "claim"))
    assert row["reasons"] == ["figure 9 votes not in the evidence"]
    assert row["evidence"] == [{"start": at(FIRST)[0], "end": at(FIRST)[1], "quote": FIRST}]


def test_tables_show_caught_and_accepted(report: dict[str, Any]) -> None:
    text = v.table({**report, "n": 6})
    assert "| figure_swap (caught) | 2 | 2/2 | 1/2 | 3/4 |" in text
    assert "| true_paraphrase (accepted) | 2 | 2/2 | 1/2 | 3/4 |" in text
    readme = v.readme_table({**report, "code": {"commit": "ca0daa9abc"}}, report)
    assert "| negation (caught) | 1 | 0/1 | 0/1 | 0/1 | 0/1 |" in readme
    assert "claim before (ca0daa9)" in readme


def test_score_refuses_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="6 statements but 0 judgments"):
        v.score(SET, {"tiny": TINY_ARTICLE}, [])


# --- the gate -------------------------------------------------------------------------------------


def moved(report: dict[str, Any], path: str, **changes: Any) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(report))
    for key, value in changes.items():
        if key.startswith("type_"):
            copy["paths"][path]["types"][key[5:]]["supported"] = value
        else:
            copy["paths"][path][key] = value
    return copy


def test_regressions_watch_rates_types_evidence_and_spans(report: dict[str, Any]) -> None:
    assert v.regressions(report, report) == []
    assert v.regressions(report, moved(report, "claim", true_accepted=2 / 3 - 0.005)) == []
    (line,) = v.regressions(report, moved(report, "claim", true_accepted=0.5))
    assert line.startswith("claim: true_accepted fell")
    (line,) = v.regressions(report, moved(report, "summary", false_supported=0.7))
    assert line.startswith("summary: false_supported rose")
    (line,) = v.regressions(report, moved(report, "claim", bad_spans=1))
    assert "bad_spans rose" in line
    (line,) = v.regressions(report, moved(report, "claim", evidence_accuracy=0.4))
    assert "evidence_accuracy fell" in line
    # a type may lose one statement, not two
    bigger = moved(report, "claim", type_figure_swap=0)
    bigger["paths"]["claim"]["types"]["figure_swap"]["n"] = 12
    assert v.regressions(bigger, moved(bigger, "claim", type_figure_swap=1)) == []
    (line,) = v.regressions(bigger, moved(bigger, "claim", type_figure_swap=2))
    assert line == "claim: figure_swap supported went from 0/12 to 2/12 (tolerance 1 statement)"
    # true types go the other way
    (line,) = v.regressions(report, moved(report, "claim", type_true_paraphrase=0))
    assert "true_paraphrase accepted went from 2/2 to 0/2" in line


# --- the loader ---------------------------------------------------------------------------------


def test_the_tiny_set_loads_clean() -> None:
    vset = v.load_set(TINY, TINY / "no-fixtures")
    assert vset.errors == []
    assert [s.id for s in vset.statements] == [f"tiny-00{i}" for i in range(1, 6)]
    assert vset.statements[3].kind == "statement"  # attributed, no kind given
    assert len(vset.sha256) == 64


GOOD = json.loads((TINY / "statements" / "tiny.jsonl").read_text().splitlines()[1])


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"gold_evidence": ["The subsidy passed by 15 votes to 9."]},
         "tiny-002: gold_evidence 'The subsidy passed by 15 votes to 9.' is not an exact substring"),
        ({"type": "wrong_colour"}, "tiny-002: unknown type 'wrong_colour'"),
        ({"label": False}, "tiny-002: type true_model is a true type but label is false"),
        ({"type": "negation"}, "tiny-002: type negation is a false type but label is true"),
        ({"label": "yes"}, "tiny-002: 'label' must be bool"),
        ({"id": "tiny-2"}, "tiny-2: id must be 'tiny-<3 digits>'"),
        ({"article": "other"}, "tiny-002: article 'other' in the file of 'tiny'"),
        ({"gold_evidence": []}, "tiny-002: gold_evidence must be a non-empty list"),
        ({"kind": "opinion"}, "tiny-002: unknown kind 'opinion'"),
        ({"quote": "no"}, "tiny-002: not a valid model claim: quote"),
        ({"colour": "red"}, "tiny-002: unknown field 'colour'"),
        ({"note": None}, "tiny-002: 'note' must be str"),
    ],
)  # fmt: skip
def test_the_loader_names_the_statement_and_the_problem(
    tmp_path: Path, changes: dict[str, Any], error: str
) -> None:
    lines = [json.dumps(GOOD | {"id": "tiny-001"}), json.dumps(GOOD | changes)]
    vset = load_lines(tmp_path, lines)
    assert [s.id for s in vset.statements] == ["tiny-001"]
    assert any(error in e for e in vset.errors), vset.errors
    assert all(e.startswith("tiny.jsonl:2: ") for e in vset.errors)


def test_the_loader_catches_duplicates_bad_json_and_unknown_articles(tmp_path: Path) -> None:
    lines = [json.dumps(GOOD), json.dumps(GOOD), "{not json", json.dumps([1])]
    vset = load_lines(tmp_path, lines)
    assert [s.id for s in vset.statements] == ["tiny-002"]
    assert "tiny.jsonl:2: tiny-002: duplicate id (first at tiny.jsonl:1)" in vset.errors
    assert any(e.startswith("tiny.jsonl:3: ?: not valid JSON") for e in vset.errors)
    assert "tiny.jsonl:4: ?: not a JSON object" in vset.errors
    (tmp_path / "statements" / "ghost.jsonl").write_text(
        json.dumps(GOOD | {"article": "ghost", "id": "ghost-001"})
    )
    assert (
        "ghost.jsonl:1: ghost-001: unknown article 'ghost'" in v.load_set(tmp_path, tmp_path).errors
    )


def test_the_loader_warns_about_thin_types_and_loose_quotes(tmp_path: Path) -> None:
    vset = load_lines(tmp_path, [json.dumps(GOOD | {"quote": "The subsidy passed by 14 votes."})])
    assert vset.errors == []
    assert "tiny.jsonl:1: tiny-002: quote is not verbatim in the article" in vset.warnings
    assert (
        f"type negation has 0 statements; issue 15 asks for at least {v.MIN_PER_FALSE_TYPE}"
        in vset.warnings
    )
    assert "article 'tiny' has no SOURCE.md saying where it comes from" in vset.warnings
    assert "article 'tiny' has 138 words; new articles have 350–900" in vset.warnings
    assert v.load_set(tmp_path / "empty", tmp_path).errors[0].startswith("no statement files")


def load_lines(folder: Path, lines: list[str]) -> v.VerificationSet:
    (folder / "statements").mkdir(parents=True, exist_ok=True)
    (folder / "articles" / "tiny").mkdir(parents=True, exist_ok=True)
    (folder / "articles" / "tiny" / "article.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    (folder / "statements" / "tiny.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return v.load_set(folder, folder / "no-fixtures")


# --- the real service as the judge ------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_results() -> dict[str, Any]:
    return v.measure(TINY, TINY / "no-fixtures")


def test_the_service_judges_the_tiny_set(tiny_results: dict[str, Any]) -> None:
    verdicts = {(r["id"], r["path"]) for r in tiny_results["misjudged"]}
    # tiny-004 names a mayor the article never mentions: rejected on both paths
    assert ("tiny-004", "claim") not in verdicts and ("tiny-004", "summary") not in verdicts
    claim = tiny_results["paths"]["claim"]
    assert claim["types"]["true_model"] == {"label": True, "n": 2, "supported": 2}
    assert claim["evidence_accuracy"] == 1.0
    assert tiny_results["load_errors"] == []


def test_map_reduce_gives_the_same_verdicts_as_one_call() -> None:
    vset = v.load_set(TINY, TINY / "no-fixtures")
    one = v.judge_with_service(vset.statements, vset.articles)
    model = v.PlantedModel()
    chunked = v.judge_with_service(
        vset.statements, vset.articles, v.judge_settings(max_chunk_tokens=64), model
    )
    assert "map" in model.calls and "single" not in model.calls
    assert chunked == one


@pytest.fixture
def keep_sigterm() -> Iterator[None]:
    """cli.main installs its own SIGTERM handler; the test process keeps pytest's."""
    handler = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, handler)


@pytest.mark.usefixtures("keep_sigterm")
def test_cli_checks_and_refuses_a_baseline_from_a_broken_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "verifier.json"
    common = ["--set", str(TINY), "--baseline", str(baseline), "--out", str(tmp_path / "out")]
    assert cli.main(["eval", "verifier", "--update-baseline", *common]) == 0
    assert "| true_model (accepted) | 2 | 2/2 |" in capsys.readouterr().out
    assert cli.main(["eval", "verifier", "--check", *common]) == 0
    saved = json.loads(baseline.read_text())
    assert set(saved) == {"format", "set_sha256", "code", "n", "n_true", "n_false", "paths"}
    saved["paths"]["summary"]["true_accepted"] = 1.5  # a baseline better than possible
    baseline.write_text(json.dumps(saved))
    assert cli.main(["eval", "verifier", "--check", *common]) == 1
    assert "summary: true_accepted fell from 1.5" in capsys.readouterr().err
    assert (tmp_path / "out" / "verifier.md").read_text().startswith("# Verifier")

    broken = tmp_path / "broken"
    load_lines(broken, [json.dumps(GOOD), "{"])
    args = ["eval", "verifier", "--update-baseline", "--set", str(broken)]
    assert cli.main([*args, "--baseline", str(tmp_path / "b.json"), "--out", str(tmp_path)]) == 2
    assert not (tmp_path / "b.json").exists()
    assert "load errors (or the service failed); no baseline written" in capsys.readouterr().err


def test_an_earlier_commit_is_measured_with_its_own_code() -> None:
    """measure_at runs the commit's service/ (from git) with this metric; at HEAD both agree."""
    if v.code_version()["commit"] is None:
        pytest.skip("not a git checkout")
    if v.code_version()["dirty"]:
        pytest.skip("service/ or prompts/ differ from HEAD, so HEAD's numbers may differ")
    at_head = v.measure_at("HEAD", TINY, TINY / "no-fixtures")
    here = v.measure(TINY, TINY / "no-fixtures")
    assert at_head["code"] == {"commit": here["code"]["commit"], "dirty": False}
    assert at_head["paths"] == here["paths"] and at_head["set_sha256"] == here["set_sha256"]


class BrokenModel(v.PlantedModel):
    """Answers one statement with an invalid summary, so the service raises for it."""

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.statement is not None and self.statement.id == "tiny-002":
            return {"summary": "", "claims": []}
        return super().answer(body)


def test_a_service_failure_is_charged_to_its_statement() -> None:
    def judge(statements: Sequence[Statement], articles: Mapping[str, str]) -> list[Judgment]:
        return v.judge_with_service(statements, articles, model=BrokenModel())

    results = v.measure(TINY, TINY / "no-fixtures", judge=judge)
    (error,) = results["judge_errors"]
    assert error.startswith("tiny-002: the service failed: ModelOutputError")
    assert v.errors_of(results) == [error]
    row = next(r for r in results["misjudged"] if r["id"] == "tiny-002")
    assert not row["supported"] and row["reasons"][0].startswith("the service failed")
    assert results["paths"]["claim"]["types"]["true_model"]["supported"] == 1  # tiny-005 only

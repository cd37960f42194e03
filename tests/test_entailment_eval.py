"""The entailment check's measurement on the verifier set: pairs, veto, and the shipping rule."""

from __future__ import annotations

from typing import Any

import pytest

from evals import entailment as e
from evals import verification as v
from evals.verification import Judgment, PathVerdict, Statement
from service import entailment
from service.models import CATALOG

ARTICLE = "The subsidy passed by 14 votes to 9. The mayor said it was a good day."
ARTICLES = {"tiny": ARTICLE}
FIRST = (0, 36)


def statement(sid: str, label: bool, text: str = "The subsidy passed.") -> Statement:
    return Statement(
        id=sid, article="tiny", label=label, type="true_paraphrase" if label else "negation",
        text=text, kind="event", quote=text, attributed_to=None, gold_evidence=(ARTICLE[:36],),
        gold_attribution=None, note="",
    )  # fmt: skip


YES = PathVerdict(True, (), (FIRST,))
NO = PathVerdict(False, ("figure 9 not in the evidence",), (FIRST,))


def test_accepted_pairs_are_collected_once_with_their_evidence() -> None:
    statements = [statement("t1", True), statement("t2", True, "Other."), statement("f1", False)]
    judged = [Judgment(YES, YES), Judgment(YES, NO), Judgment(NO, NO)]
    pairs = e.to_judge(statements, ARTICLES, judged)
    assert sorted(item.text for _, item in pairs.values()) == ["Other.", "The subsidy passed."]
    assert {item.evidence for _, item in pairs.values()} == {(ARTICLE[:36],)}


def test_a_missing_verdict_can_be_assumed_for_bounds() -> None:
    statements = [statement("t1", True)]
    judged = [Judgment(YES, YES)]
    combined, missing = e.combine(statements, ARTICLES, judged, {}, missing_as=False)
    assert missing == 2 and combined[0].claim.supported is False
    combined, _ = e.combine(statements, ARTICLES, judged, {}, missing_as=True)
    assert combined[0].claim == YES


def test_a_no_vetoes_and_a_missing_verdict_keeps_the_rules_and_is_counted() -> None:
    statements = [statement("t1", True), statement("f1", False, "It failed.")]
    judged = [Judgment(YES, NO), Judgment(YES, YES)]
    pairs = e.to_judge(statements, ARTICLES, judged)
    key_false = next(k for k, (_, i) in pairs.items() if i.text == "It failed.")
    combined, missing = e.combine(statements, ARTICLES, judged, {key_false: False})
    assert missing == 1  # t1's pair has no verdict: the rules' stands
    assert combined[0].claim == YES and combined[0].summary == NO  # a refusal is never judged
    assert combined[1].claim.supported is False
    assert combined[1].claim.reasons == (entailment.REASON,)


def test_batches_hold_one_article_and_at_most_batch_items() -> None:
    pending = {f"k{i}": ("a" if i < 10 else "b", entailment.Item(f"s{i}", ())) for i in range(12)}
    got = [(article, len(items)) for article, items in e.batches(pending)]
    assert got == [("a", e.BATCH), ("a", 10 - e.BATCH), ("b", 2)]


def paths(accepted: float, fooled: float) -> dict[str, Any]:
    return {
        p: {"true_accepted": accepted, "false_supported": fooled,
            "balanced_accuracy": (accepted + 1 - fooled) / 2}
        for p in v.PATHS
    }  # fmt: skip


@pytest.mark.parametrize(
    ("after", "missing", "expected"),
    [
        (paths(0.84, 0.03), 0, True),  # one point of true accepted for three of false supported
        (paths(0.80, 0.03), 0, False),  # too many true statements refused
        (paths(0.85, 0.07), 0, False),  # no gain
        (paths(0.84, 0.03), 3, False),  # a stale recording decides nothing
    ],
)
def test_worth_it(after: dict[str, Any], missing: int, expected: bool) -> None:
    results = {"rules": paths(0.85, 0.06), "with_entailment": after, "pairs_missing": missing}
    assert e.worth_it(results) is expected


RECORDED = sorted(p.stem for p in e.RECORDINGS.glob("*.json"))


@pytest.fixture(scope="module")
def rules() -> list[Judgment]:
    """The rules' judgments of the verifier set, once for every recording."""
    vset = v.load_set()
    return v.judge_with_service(vset.statements, vset.articles)


@pytest.mark.parametrize("key", RECORDED)
def test_the_catalog_ships_the_check_where_its_recorded_verdicts_say_so(
    key: str, rules: list[Judgment]
) -> None:
    """The measured choice per model: on iff the model's real verdicts raise the set's scores."""
    recording = e.load_recording(e.recording_path(key))
    results = e.measure(recording, judged=rules)
    if not results["pairs_missing"]:
        assert CATALOG[key].entailment is e.worth_it(results), e.table(results)
        return
    # the rules changed since the recording: the choice stands only if it holds whatever the
    # model would answer on the pairs it was never asked about
    bounds = [e.measure(recording, judged=rules, missing_as=x) for x in (True, False)]
    choices = {e.worth_it(b, complete=False) for b in bounds}
    assert choices == {CATALOG[key].entailment}, (
        f"the rules now accept {results['pairs_missing']} pairs the {key} recording lacks, and "
        f"its verdicts there would decide: summarizer --embedded-model {key} eval entailment "
        "--record\n" + "\n".join(e.table(b) for b in bounds)
    )


def test_every_recording_is_of_a_catalog_model() -> None:
    assert set(RECORDED) <= set(CATALOG)

"""The `summarizer` command as a new user meets it: one line per mistake, documented exit codes.

No test here starts a model: a fake OPENAI_BASE_URL is set, and every error is found first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals import runner
from service import cli
from service.cli import EXIT_REGRESSION, EXIT_SETTINGS, EXIT_USAGE, main, parser, read_article

ARTICLE = "The mayor of Brennick opened a bridge on Monday. It cost 4 million euros.\n"


@pytest.fixture(autouse=True)
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never the embedded model: any model call would go to an address that does not exist."""
    monkeypatch.setenv("OPENAI_BASE_URL", "http://fake.invalid/v1")
    for name in ("SUMMARIZER_MODEL", "SUMMARIZER_API_KEYS", "SUMMARIZER_RATE_LIMIT_PER_MINUTE"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def bad_files(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """name -> (path, what the error must mention)."""
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    blank = tmp_path / "blank.txt"
    blank.write_text("\u200b\n\x00 ... !!!\n")
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Le maire a ouvert le pont à Brennick.".encode("latin-1"))
    return {
        "missing": (str(tmp_path / "nope.txt"), "no such file"),
        "directory": (str(tmp_path), "is a directory"),
        "empty": (str(empty), "no letters or digits"),
        "no-letters": (str(blank), "no letters or digits"),
        "latin-1": (str(latin), "not UTF-8"),
    }


@pytest.mark.parametrize("case", ["missing", "directory", "empty", "no-letters", "latin-1"])
def test_a_bad_file_is_one_line_and_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, mention = bad_files(tmp_path)[case]
    code, err = run(capsys, "summarize", path)
    assert code == EXIT_USAGE
    assert mention in one_line_error(err)


@pytest.mark.parametrize(
    ("options", "mention"),
    [
        (["--prompt-version", "latest"], "available: v1"),
        (["--prompt-version", "v99"], "available: v1"),
        (["--title", "t" * 501], "--title"),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(
    options: list[str], mention: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE)
    code, err = run(capsys, "summarize", str(article), *options)
    assert code == EXIT_USAGE
    assert mention in one_line_error(err)


def test_a_bad_api_key_setting_never_echoes_the_keys(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUMMARIZER_API_KEYS", '["sha256:zz", "the-real-secret"]')
    code, err = run(capsys, "prompts", "list")
    assert code == EXIT_SETTINGS
    assert "SUMMARIZER_API_KEYS" in one_line_error(err)
    assert "the-real-secret" not in err and "zz" not in err


@pytest.mark.parametrize(
    ("name", "value", "mention"),
    [
        ("SUMMARIZER_RATE_LIMIT_PER_MINUTE", "abc", "SUMMARIZER_RATE_LIMIT_PER_MINUTE"),
        ("SUMMARIZER_API_KEYS", '["sha256:zz"]', "64 hex digits"),
        ("SUMMARIZER_MAX_RUNNING_REQUESTS", "0", "SUMMARIZER_MAX_RUNNING_REQUESTS"),
        ("SUMMARIZER_REQUEST_DEADLINE_S", "-1", "SUMMARIZER_REQUEST_DEADLINE_S"),
        ("SUMMARIZER_LONG_ARTICLES", "fastest", "SUMMARIZER_LONG_ARTICLES"),
        ("SUMMARIZER_LONG_ARTICLES", "fastest", "'map_reduce' or 'salience'"),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_3(
    name: str, value: str, mention: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv(name, value)
    code, err = run(capsys, "prompts", "list")
    assert code == EXIT_SETTINGS
    assert mention in one_line_error(err)


@pytest.mark.parametrize(
    ("value", "keys"),
    [("key1", ["key1"]), ("key1, key2", ["key1", "key2"]), ('["k1", "k2"]', ["k1", "k2"])],
)
def test_api_keys_may_be_one_key_a_list_or_comma_separated(
    value: str, keys: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.settings import Settings

    monkeypatch.setenv("SUMMARIZER_API_KEYS", value)
    assert Settings().api_keys == keys


@pytest.mark.parametrize("exported", ["OPENAI_BASE_URL", "SUMMARIZER_MODEL"])
def test_replay_under_another_model_or_endpoint_says_what_to_unset(
    exported: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv(exported, "http://other.invalid/v1" if "URL" in exported else "gpt-4o")
    code, err = run(capsys, "eval", "--replay", "--cases", "very_short")
    line = one_line_error(err)
    assert code == EXIT_USAGE
    assert f"unset {exported}" in line or f"{exported} unset" in line
    assert "--record" not in line  # that would call the other model live


def test_eval_replay_given_before_compare_is_kept() -> None:
    """`eval --replay compare a b` must replay, not run live (the nested parser reset it)."""
    for argv in (
        ["eval", "--replay", "compare", "v3", "v4"],
        ["eval", "compare", "v3", "v4", "--replay"],
    ):
        args = parser().parse_args(argv)
        assert cli._mode(args) == "replay", argv
    assert cli._mode(parser().parse_args(["eval", "compare", "v3", "v4"])) == "live"


def test_compare_report_says_replay_or_live() -> None:
    from evals.report import compare_markdown

    results = {"prompt_version": "v3", "model": "m", "mode": "replay", "cases": {}, "overall": {}}
    assert (
        "replay" in compare_markdown(results, {**results, "prompt_version": "v4"}).splitlines()[0]
    )


def test_eval_of_an_unknown_prompt_version_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL")
    baseline = tmp_path / "baseline.json"
    code, err = run(capsys, "eval", "--replay", "--prompt-version", "v99", "--out",
                    str(tmp_path / "out"), "--update-baseline", "--baseline", str(baseline))  # fmt: skip
    assert code == EXIT_USAGE
    assert "unknown prompt_version 'v99'" in one_line_error(err)
    assert not baseline.exists()


def test_an_eval_with_failed_cases_exits_1_and_writes_no_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def evaluate(*_: Any) -> dict[str, Any]:
        scores = {"key_point_coverage": 0.0}
        return {
            "model": "m", "prompt_version": "v1", "prompts": [], "mode": "replay",
            "recorded_calls": 0, "replayed_calls": 0, "overall": scores,
            "cases": {"a": {"scores": scores, "error": "the model endpoint failed",
                            "response": None, "seconds": 0}},
        }  # fmt: skip

    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setattr(runner, "evaluate", evaluate)
    monkeypatch.setattr(runner, "write_outputs", lambda *_: [])
    baseline = tmp_path / "baseline.json"
    code, err = run(capsys, "eval", "--replay", "--update-baseline", "--baseline", str(baseline))
    assert code == EXIT_REGRESSION
    assert "1 case of 1 failed" in one_line_error(err)
    assert not baseline.exists()


def test_serve_bounds_shutdown_and_trusts_no_forwarded_headers_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert main(["serve", "--port", "8123"]) == 0
    assert seen["timeout_graceful_shutdown"] == 30
    assert seen["proxy_headers"] is False
    from service.api.http_protocol import HeaderTimeoutProtocol

    assert seen["http"] is HeaderTimeoutProtocol
    assert seen["port"] == 8123


def test_model_options_are_accepted_after_the_subcommand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from service.api import app as app_module

    built: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    monkeypatch.setattr(app_module, "create_app", lambda settings: built.append(settings))
    gguf = tmp_path / "other.gguf"
    assert main(["serve", "--port", "8000", "--model-path", str(gguf), "--model", "m2"]) == 0
    assert built[0].model_path == gguf and built[0].model == "m2"
    assert main(["--model", "m1", "serve"]) == 0
    assert built[1].model == "m1"  # before the subcommand, as before


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from service import __version__

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_a_bom_is_dropped_and_an_html_file_is_reduced_to_text(tmp_path: Path) -> None:
    plain = tmp_path / "a.txt"
    plain.write_bytes(b"\xef\xbb\xbf" + ARTICLE.encode())
    assert read_article(str(plain)) == ARTICLE
    page = tmp_path / "a.html"
    page.write_text(f"<html><body><nav>Home</nav><p>{ARTICLE}</p></body></html>")
    assert read_article(str(page)) == ARTICLE.strip()
    about = tmp_path / "tags.txt"
    about.write_text("Use <div>, <span>, <p>, <a> and <b> tags. " * 3)
    assert read_article(str(about)) == about.read_text()  # a text file about tags is text


def test_markdown_says_each_summary_sentence_verdict_and_counts_in_words() -> None:
    from service import schemas

    response = schemas.SummaryResponse.model_validate(
        {
            "request_id": "r",
            "summary": {"text": "A. B.", "sentences": [
                {"text": "A.", "supported": True, "evidence": [], "reasons": []},
                {"text": "B.", "supported": False, "evidence": [], "reasons": ["no passage"]},
            ]},
            "claims": [],
            "claim_stats": {"returned": 0, "supported": 0, "unsupported": 0, "duplicates_merged": 0},
            "provenance": {"model": "m", "backend": "remote", "prompt_version": "v1", "prompts": [],
                           "encoding": "e", "chunk_count": 1, "chunks": [],
                           "removed_boilerplate": [], "path": "single"},
            "usage": {"model_calls": 1},
            "timings_ms": {},
        }
    )  # fmt: skip
    text = cli.to_markdown(response)
    assert "- A. — _supported_" in text
    assert "- B. — _NOT SUPPORTED: no passage_" in text
    assert "1 call," in text and "1 calls" not in text

"""deploy/: the compose files parse, every setting they name exists, and ports and URLs agree."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# each deployment: its folder and the service that runs the model
DEPLOYMENTS = {"vllm": "vllm", "llamacpp": "llama"}


def compose(name: str) -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / name / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as compose reads an env_file (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"{path.name}: not KEY=VALUE: {line!r}"
            values[key.strip()] = value.strip()
    return values


def service_env(name: str) -> dict[str, str]:
    """What the summarizer service gets: its env_file, then its `environment`."""
    svc = compose(name)["services"]["summarizer"]
    values = env_file(DEPLOY / name / svc["env_file"])
    values.update({k: str(v) for k, v in (svc.get("environment") or {}).items()})
    return values


def options(command: list[str]) -> dict[str, str]:
    """`--name=value` and `--name value` options of a command."""
    found: dict[str, str] = {}
    for i, word in enumerate(command):
        if word.startswith("--"):
            name, sep, value = word[2:].partition("=")
            if not sep and i + 1 < len(command) and not command[i + 1].startswith("--"):
                value = command[i + 1]
            found[name] = value
    return found


def setting_names() -> set[str]:
    """Every environment name Settings reads."""
    names = set()
    for field_name, info in Settings.model_fields.items():
        alias = info.validation_alias
        names.add(alias if isinstance(alias, str) else f"SUMMARIZER_{field_name.upper()}")
    return names


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_the_compose_file_has_replicas_redis_a_model_server_and_a_proxy(name: str) -> None:
    services = compose(name)["services"]
    assert {"summarizer", "redis", "nginx", DEPLOYMENTS[name]} <= set(services)
    assert services["summarizer"]["deploy"]["replicas"] >= 1
    assert (ROOT / services["summarizer"]["build"]["context"].removeprefix("../../")).is_dir()
    dockerfile = ROOT / services["summarizer"]["build"]["dockerfile"]
    for source in re.findall(r"^COPY (.+) \S+$", dockerfile.read_text(), re.M):
        for part in source.split():
            assert (ROOT / part).exists(), f"{dockerfile.name} copies {part}, which is missing"
    for volume in services["nginx"]["volumes"]:
        assert (DEPLOY / name / volume.split(":")[0]).is_file()


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_every_setting_named_exists_and_validates(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = service_env(name)
    ours = {k for k in values if k.startswith(("SUMMARIZER_", "OPENAI_"))}
    assert ours, "the service gets no settings"
    assert ours <= setting_names(), f"unknown settings: {sorted(ours - setting_names())}"
    for key in list(__import__("os").environ):
        if key.startswith(("SUMMARIZER_", "OPENAI_")):
            monkeypatch.delenv(key)
    for key in ours:
        monkeypatch.setenv(key, values[key])
    settings = Settings()  # validates every value
    assert settings.redis_url and not settings.embedded


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_ports_urls_and_model_names_agree(name: str) -> None:
    services = compose(name)["services"]
    values = service_env(name)
    model_service = DEPLOYMENTS[name]
    model_opts = options(services[model_service]["command"])

    base = urlsplit(values["OPENAI_BASE_URL"])
    assert base.hostname == model_service and base.path == "/v1"
    assert str(base.port) == model_opts["port"]
    served = model_opts.get("served-model-name") or model_opts["alias"]
    assert values["SUMMARIZER_MODEL"] == served
    window = int(values["SUMMARIZER_CONTEXT_WINDOW"])
    if "max-model-len" in model_opts:  # vLLM: `vllm serve MODEL --options`
        assert services[model_service]["entrypoint"] == ["vllm", "serve"]
        assert not services[model_service]["command"][0].startswith("--")
        assert window <= int(model_opts["max-model-len"])
        assert "enable-prefix-caching" in model_opts
    else:  # llama-server splits its context between its slots
        assert window <= int(model_opts["ctx-size"]) // int(model_opts["parallel"])

    redis = urlsplit(values["SUMMARIZER_REDIS_URL"])
    redis_port = services["redis"]["command"][services["redis"]["command"].index("--port") + 1]
    assert redis.scheme == "redis" and redis.hostname == "redis" and str(redis.port) == redis_port

    service_opts = options(services["summarizer"]["command"])
    assert service_opts["host"] == "0.0.0.0" and int(service_opts["workers"]) >= 1
    health = " ".join(services["summarizer"]["healthcheck"]["test"])
    assert f"127.0.0.1:{service_opts['port']}/ready" in health

    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = urlsplit(re.search(r"set \$service (\S+);", nginx).group(1))  # type: ignore[union-attr]
    assert upstream.hostname == "summarizer" and str(upstream.port) == service_opts["port"]
    listen = re.search(r"listen (\d+);", nginx).group(1)  # type: ignore[union-attr]
    assert [p.split(":")[1] for p in services["nginx"]["ports"]] == [listen]
    # the proxy waits longer than the service's own deadline, which answers 504 first
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", nginx).group(1))  # type: ignore[union-attr]
    assert read_timeout > float(values["SUMMARIZER_REQUEST_DEADLINE_S"])

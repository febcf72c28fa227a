"""compose.yaml and deploy/Caddyfile, read as Docker Compose and Caddy would (no Docker daemon here): PostgreSQL 15
with a named volume and pg_isready, two Kaari instances from this repository's Dockerfile in webhook mode on it,
health checks asking /readyz, secrets only from the env file, and a proxy that routes only what Kaari serves
(never /metrics)."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.bootstrap import bootstrap
from bot.cli import _parser
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.serve import web_app
from bot.settings import load_settings
from tests.bot.harness import bot_settings
from tests.conftest import Clock

REPO = Path(__file__).resolve().parent.parent
SETTINGS = (REPO / "bot" / "settings.py").read_text(encoding="utf-8")
INTERNAL = ("/metrics", "/readyz", "/healthz")  # for the compose network only
SECRET_WORDS = ("SECRET", "TOKEN", "KEY", "PASSWORD")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def kaari_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: service for name, service in compose["services"].items() if "build" in service}


def environment(service: dict[str, Any]) -> dict[str, str]:
    given = service.get("environment", {})
    if isinstance(given, list):
        given = dict(item.split("=", 1) for item in given)
    return {str(name): str(value) for name, value in given.items()}


def caddy_paths() -> list[str]:
    """The path patterns of the Caddyfile's `path` matchers."""
    text = (REPO / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    return [path for line in text.splitlines() if (found := re.match(r"\s*@\w+\s+path\s+(.+)", line))
            for path in found.group(1).split()]


def test_postgresql_15_keeps_its_data_in_a_named_volume_and_is_checked_with_pg_isready(
    compose: dict[str, Any],
) -> None:
    (database,) = [service for service in compose["services"].values() if str(service.get("image", "")).startswith(
        "postgres:")]
    assert database["image"] == "postgres:15"
    volume = database["volumes"][0].split(":")[0]
    assert volume in compose["volumes"] and not volume.startswith((".", "/"))
    assert "pg_isready" in " ".join(database["healthcheck"]["test"])
    assert environment(database)["POSTGRES_PASSWORD"].startswith("${")


def test_two_kaari_instances_from_the_dockerfile_share_postgresql_in_webhook_mode(compose: dict[str, Any]) -> None:
    instances = kaari_services(compose)
    assert len(instances) == 2
    for service in instances.values():
        assert service["build"] == "." and (REPO / "Dockerfile").is_file()
        env = environment(service)
        assert env["KAARI_MODE"] == "webhook" and env["KAARI_DATABASE_URL"].startswith("postgresql://")
        assert env["KAARI_WEBHOOK_URL"].endswith("/telegram")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "command" not in service and "entrypoint" not in service  # the image's own: `kaari run`
    # Each its own name: a restart takes back at once what it left half-sent, and health reads that instance.
    names = [environment(service).get("KAARI_INSTANCE_NAME") for service in instances.values()]
    assert None not in names and len(set(names)) == len(names), names
    command = re.search(r'^CMD \["kaari", "(\w+)"\]$', (REPO / "Dockerfile").read_text(encoding="utf-8"), re.MULTILINE)
    assert command is not None and _parser().parse_args([command.group(1)]).command == "run"
    assert 'kaari = "bot.cli:main"' in (REPO / "pyproject.toml").read_text(encoding="utf-8")


def test_every_kaari_variable_is_a_setting_and_loads(compose: dict[str, Any]) -> None:
    example = (REPO / "deploy" / "kaari.env.example").read_text(encoding="utf-8")
    named = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    for service in kaari_services(compose).values():
        named |= set(environment(service))
    kaari = {name for name in named if name.startswith("KAARI_")}
    assert {"KAARI_DATABASE_URL", "KAARI_MODE", "KAARI_METRICS", "KAARI_SECRET"} <= kaari
    for name in kaari:
        assert f'"{name}"' in SETTINGS, f"{name} is not read by bot/settings.py"
    assert named - kaari <= {"DOMAIN", "POSTGRES_PASSWORD"}  # compose.yaml's own
    env = {**environment(next(iter(kaari_services(compose).values()))), "DOMAIN": "kaari.example.fi"}
    filled = {name: re.sub(r"\$\{(\w+)[^}]*\}", lambda m: "x" if m.group(1) != "DOMAIN" else "kaari.example.fi",
                           value) for name, value in env.items()}
    settings = load_settings(filled)
    assert (settings.mode, settings.listen, settings.port, settings.metrics) == ("webhook", "0.0.0.0", 8443, True)


def test_secrets_come_from_the_env_file_never_from_compose_yaml(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for name, value in environment(service).items():
            if any(word in name for word in SECRET_WORDS):
                assert re.fullmatch(r"\$\{\w+(:\?[^}]*)?\}", value), f"{name} is written into compose.yaml"
            assert not re.search(r"://[^:/@]+:(?!\$\{)[^@]+@", value), f"{name} carries a password"
    for service in kaari_services(compose).values():
        assert service["env_file"] == [".env"]
    assert ".env" in (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    example = (REPO / "deploy" / "kaari.env.example").read_text(encoding="utf-8")
    for line in example.splitlines():
        if any(word in line.split("=")[0] for word in SECRET_WORDS) and not line.startswith("#"):
            assert line.endswith("="), f"the example carries a value: {line.split('=')[0]}"


def test_health_checks_ask_readyz_on_the_port_kaari_listens_on(compose: dict[str, Any]) -> None:
    for service in kaari_services(compose).values():
        check = " ".join(service["healthcheck"]["test"])
        port = environment(service)["KAARI_PORT"]
        assert f"http://127.0.0.1:{port}/readyz" in check
        assert service["expose"] == [port]
    caddy = (REPO / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert re.search(r"^\s*health_uri /readyz$", caddy, re.MULTILINE)
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddy)
    assert upstreams is not None
    assert set(upstreams.group(1).split()) == {f"{name}:8443" for name in kaari_services(compose)}


def test_the_proxy_mounts_the_caddyfile_and_publishes_only_http_and_https(compose: dict[str, Any]) -> None:
    (proxy,) = [service for service in compose["services"].values() if str(service.get("image", "")).startswith(
        "caddy:")]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert sorted(proxy["ports"]) == ["443:443", "80:80"]
    for name, service in compose["services"].items():
        assert service is proxy or "ports" not in service, f"{name} is published past the proxy"


async def test_the_proxy_routes_every_public_path_kaari_serves_and_nothing_else(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3", web_origins=("https://kunta.example",), metrics=True,
                            web_url="https://kaari.example.fi")
    services = await bootstrap(settings, drawer=drawer, clock=clock, catalogs=catalogs)
    try:
        served = {re.sub(r"\{\w+\}", "x", getattr(route, "path", "")) for route in web_app(services).routes}
    finally:
        await services.store.close()
    served.add("/telegram")  # webhook mode's, with a PTB Application (tests/bot/test_web.py)
    patterns = caddy_paths()
    assert patterns
    for pattern in patterns:
        assert any(fnmatch.fnmatchcase(path, pattern) for path in served), f"{pattern} is not a path Kaari serves"
    for path in served:
        routed = any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)
        assert routed == (path not in INTERNAL), f"{path} is {'routed' if routed else 'not routed'} by the proxy"

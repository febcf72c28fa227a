"""Configuration from environment variables; the README's table lists every one of them."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.instance import NAME as INSTANCE_NAME
from flows.core.quiet import parse_quiet_hours
from flows.esy.dialogue import DEFAULT_DIFFERENCE
from flows.meetings.reminders import parse_offsets
from storage.open import POSTGRESQL_SCHEMES, is_database_url


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    telegram_token: str = ""
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    db_path: Path = Path("kaari.sqlite3")
    # A PostgreSQL server instead of the SQLite file (postgresql://user:password@host/database); empty: SQLite.
    database_url: str = ""
    # Connections each process may hold to PostgreSQL at most (several instances: each its own pool).
    database_pool: int = 10
    secret: str = ""
    default_language: str = "fi"
    esy_instrument: Path | None = None
    # The region's services shown as places that can help after an assessment (flows/esy/services.toml).
    esy_services: Path | None = None
    mode: str = "polling"
    webhook_url: str = ""
    # Kaari's one HTTP server (the webhook, the web chat and desk, /healthz); a reverse proxy in front
    # terminates TLS. It runs in webhook mode, and in polling mode too when the web is on (web_origins).
    listen: str = "127.0.0.1"
    port: int = 8443
    webhook_secret: str = ""
    webhook_max_body: int = 1 << 20  # bytes; a larger POST is refused before it is read
    # Origins (scheme://host[:port]) whose pages may open the web chat's socket; empty: the web chat is off.
    web_origins: tuple[str, ...] = ()
    # Kaari's own public base URL (scheme://host[:port]): the desk's login links, and the only origin whose
    # pages may change anything at the desk; empty: the desk in a browser is off.
    web_url: str = ""
    desk_link_minutes: int = 10  # a desk login link works once, and only this long
    desk_idle_minutes: int = 30  # a desk session unused this long ends (and after 12 hours in any case)
    # A web chat socket the browser sent nothing on for this long is closed (not while its chat is live).
    web_idle_minutes: float = 30.0
    # Web chat sockets one process keeps open at once; one more is told the chat is full (docs/benchmarks.md).
    web_max_sockets: int = 1000
    # This process's name among several sharing one database (bot.instance); "": a random id at each start.
    instance_name: str = ""
    rate_per_second: float = 30.0
    chat_interval: float = 1.0
    chat_burst: int = 3  # new messages at once in one private chat before the interval applies
    flood_burst: int = 10  # messages a person may send at once before the flood limit (0: no limit)
    flood_per_second: float = 2.0  # then this many a second (a quick tapper walking ESY never meets it)
    draw_workers: int = 1
    log_level: str = "INFO"
    data_key: str = ""
    consent_texts: Path | None = None
    chat_services: Path | None = None
    crisis: Path | None = None
    quick_replies: Path | None = None
    chat_show_names: bool = True
    chat_retention_days: int = 7
    # A message left for a chat service that nobody took is closed (and the young person told) after this many
    # days; it used to follow the anonymous retention, which grew to cover the ESY re-take interval (#10).
    chat_waiting_days: int = 30
    reminders_before: str = "2d,2h"
    quiet_hours: str = "21-08"
    invitation_days: int = 7
    # Long enough to fill the circle again after the ~3 months the ESY pilots used and see what changed.
    anonymous_retention_days: int = 120
    client_retention_days: int = 90
    # A linked client with consent (d) is offered a new ESY this many days after their last one (#12 §4).
    reassess_days: int = 90
    # A worker's client list marks, gently, a client who shared an assessment this many days ago and has no goal
    # yet (#12 §2).
    goal_nudge_days: int = 14
    # Points apart (an area's mean, on the instrument's scale) from which a worker's reading and the client's
    # circle are listed as "talk about this together" (#12 §1; flows/esy/dialogue.py says why 1.5).
    esy_difference: float = DEFAULT_DIFFERENCE
    audit_retention_days: int = 730
    code_guess_limit: int = 50
    code_guess_minutes: int = 10
    # GET /metrics on Kaari's one HTTP server (Prometheus); with a token, only for "Authorization: Bearer <token>".
    metrics: bool = False
    metrics_token: str = ""


def _number(env: Mapping[str, str], name: str, default: float, kind: type[float] | type[int]) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from error
    if value < 0:
        raise SettingsError(f"{name} must not be negative, got {raw!r}")
    return value


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    """A number above zero (a zero difference would list every area; a zero idle time would close at once)."""
    value = _number(env, name, default, float)
    if value <= 0:
        raise SettingsError(f"{name} must be above zero, got {env.get(name)!r}")
    return value


def _checked(env: Mapping[str, str], name: str, default: str, parse: Callable[[str], object]) -> str:
    raw = env.get(name, "").strip() or default
    try:
        parse(raw)
    except ValueError as error:
        raise SettingsError(f"{name}: {error}") from error
    return raw


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _origins(value: str) -> tuple[str, ...]:
    """Allowed web origins from a comma- or space-separated list; each must be scheme://host[:port]."""
    origins = tuple(origin.rstrip("/") for origin in value.replace(",", " ").split())
    for origin in origins:
        scheme, separator, host = origin.partition("://")
        if scheme not in ("http", "https") or not separator or not host or "/" in host:
            raise SettingsError(f"KAARI_WEB_ORIGINS: {origin!r} is not an origin like https://example.fi")
    return origins


LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def _web_url(value: str) -> str:
    """Kaari's public base URL: https (http only on this machine, for `kaari web`), no path; in lower case, as a
    browser writes its Origin."""
    url = value.strip().rstrip("/").lower()
    if not url:
        return ""
    scheme, separator, host = url.partition("://")
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if not separator or not host or "/" in host or "?" in host or "#" in host or (
            scheme != "https" and not (scheme == "http" and hostname in LOCAL_HOSTS)):
        raise SettingsError(f"KAARI_WEB_URL: {url!r} is not a base URL like https://kaari.example.fi "
                            "(https, no path; http only for localhost)")
    return url


def _renamed_name(env: Mapping[str, str], name: str, old: str) -> str:
    """The variable to read: ``name``, or the ``old`` name it replaced while only that one is set."""
    return old if not env.get(name, "").strip() and env.get(old, "").strip() else name


def _renamed(env: Mapping[str, str], name: str, old: str) -> str:
    """A setting that was renamed: ``name`` wins, the ``old`` name still works (a deployment's env file)."""
    return env.get(_renamed_name(env, name, old), "").strip()


def _database_url(value: str) -> str:
    """KAARI_DATABASE_URL: empty, or a PostgreSQL URL; the error names the scheme only (the URL has a password)."""
    if value and urlsplit(value).scheme not in POSTGRESQL_SCHEMES:
        scheme = urlsplit(value).scheme if is_database_url(value) else ""
        raise SettingsError("KAARI_DATABASE_URL must be postgresql://user:password@host/database"
                            + (f", not {scheme}://…" if scheme else " (for SQLite, set KAARI_DB_PATH instead)"))
    return value
def _instance_name(value: str) -> str:
    """An instance's name: letters, digits, '-' and '_' (it is part of ids and heartbeat names)."""
    name = value.strip()
    if name and not INSTANCE_NAME.fullmatch(name):
        raise SettingsError(f"KAARI_INSTANCE_NAME must be 1-40 letters, digits, '-' or '_', got {name!r}")
    return name


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    mode = env.get("KAARI_MODE", "polling")
    if mode not in ("polling", "webhook"):
        raise SettingsError(f"KAARI_MODE must be 'polling' or 'webhook', got {mode!r}")
    language = env.get("KAARI_DEFAULT_LANGUAGE", "fi")
    if language not in ("fi", "sv", "en"):
        raise SettingsError(f"KAARI_DEFAULT_LANGUAGE must be fi, sv or en, got {language!r}")
    instrument = env.get("KAARI_ESY_INSTRUMENT")
    return Settings(
        telegram_token=env.get("KAARI_TELEGRAM_TOKEN", ""),
        telegram_api_url=env.get("KAARI_TELEGRAM_API_URL", Settings.telegram_api_url),
        telegram_file_url=env.get("KAARI_TELEGRAM_FILE_URL", Settings.telegram_file_url),
        db_path=Path(env.get("KAARI_DB_PATH", str(Settings.db_path))),
        database_url=_database_url(env.get("KAARI_DATABASE_URL", "").strip()),
        database_pool=max(1, int(_number(env, "KAARI_DATABASE_POOL", Settings.database_pool, int))),
        secret=env.get("KAARI_SECRET", ""),
        default_language=language,
        esy_instrument=Path(instrument) if instrument else None,
        esy_services=Path(region) if (region := env.get("KAARI_SERVICES")) else None,
        mode=mode,
        webhook_url=env.get("KAARI_WEBHOOK_URL", ""),
        listen=_renamed(env, "KAARI_LISTEN", "KAARI_WEBHOOK_LISTEN") or Settings.listen,
        port=int(_number(env, _renamed_name(env, "KAARI_PORT", "KAARI_WEBHOOK_PORT"), Settings.port, int)),
        webhook_secret=env.get("KAARI_WEBHOOK_SECRET", ""),
        webhook_max_body=int(_number(env, "KAARI_WEBHOOK_MAX_BODY", Settings.webhook_max_body, int)),
        web_origins=_origins(env.get("KAARI_WEB_ORIGINS", "")),
        web_url=_web_url(env.get("KAARI_WEB_URL", "")),
        desk_link_minutes=max(1, int(_number(env, "KAARI_DESK_LINK_MINUTES", Settings.desk_link_minutes, int))),
        desk_idle_minutes=max(1, int(_number(env, "KAARI_DESK_IDLE_MINUTES", Settings.desk_idle_minutes, int))),
        web_idle_minutes=_positive(env, "KAARI_WEB_IDLE_MINUTES", Settings.web_idle_minutes),
        web_max_sockets=max(1, int(_number(env, "KAARI_WEB_MAX_SOCKETS", Settings.web_max_sockets, int))),
        instance_name=_instance_name(env.get("KAARI_INSTANCE_NAME", "")),
        rate_per_second=_number(env, "KAARI_RATE_PER_SECOND", Settings.rate_per_second, float),
        chat_interval=_number(env, "KAARI_CHAT_INTERVAL", Settings.chat_interval, float),
        chat_burst=max(1, int(_number(env, "KAARI_CHAT_BURST", Settings.chat_burst, int))),
        flood_burst=int(_number(env, "KAARI_FLOOD_BURST", Settings.flood_burst, int)),
        flood_per_second=_number(env, "KAARI_FLOOD_PER_SECOND", Settings.flood_per_second, float),
        draw_workers=max(1, int(_number(env, "KAARI_DRAW_WORKERS", Settings.draw_workers, int))),
        log_level=env.get("KAARI_LOG_LEVEL", Settings.log_level).upper(),
        data_key=env.get("KAARI_DATA_KEY", ""),
        consent_texts=Path(consent) if (consent := env.get("KAARI_CONSENT_TEXTS")) else None,
        chat_services=Path(services) if (services := env.get("KAARI_CHAT_SERVICES")) else None,
        crisis=Path(crisis) if (crisis := env.get("KAARI_CRISIS")) else None,
        quick_replies=Path(replies) if (replies := env.get("KAARI_QUICK_REPLIES")) else None,
        chat_show_names=_flag(env, "KAARI_CHAT_SHOW_NAMES", Settings.chat_show_names),
        chat_retention_days=max(1, int(_number(
            env, "KAARI_CHAT_RETENTION_DAYS", Settings.chat_retention_days, int))),
        chat_waiting_days=max(1, int(_number(env, "KAARI_CHAT_WAITING_DAYS", Settings.chat_waiting_days, int))),
        reminders_before=_checked(env, "KAARI_REMINDERS_BEFORE", Settings.reminders_before, parse_offsets),
        quiet_hours=_checked(env, "KAARI_QUIET_HOURS", Settings.quiet_hours, parse_quiet_hours),
        invitation_days=max(1, int(_number(env, "KAARI_INVITATION_DAYS", Settings.invitation_days, int))),
        anonymous_retention_days=max(1, int(_number(
            env, "KAARI_ANONYMOUS_RETENTION_DAYS", Settings.anonymous_retention_days, int))),
        client_retention_days=max(1, int(_number(
            env, "KAARI_CLIENT_RETENTION_DAYS", Settings.client_retention_days, int))),
        reassess_days=max(1, int(_number(env, "KAARI_REASSESS_DAYS", Settings.reassess_days, int))),
        goal_nudge_days=max(1, int(_number(env, "KAARI_GOAL_NUDGE_DAYS", Settings.goal_nudge_days, int))),
        esy_difference=_positive(env, "KAARI_ESY_DIFFERENCE", Settings.esy_difference),
        audit_retention_days=max(1, int(_number(
            env, "KAARI_AUDIT_RETENTION_DAYS", Settings.audit_retention_days, int))),
        code_guess_limit=max(1, int(_number(env, "KAARI_CODE_GUESS_LIMIT", Settings.code_guess_limit, int))),
        code_guess_minutes=max(1, int(_number(
            env, "KAARI_CODE_GUESS_MINUTES", Settings.code_guess_minutes, int))),
        metrics=_flag(env, "KAARI_METRICS", Settings.metrics),
        metrics_token=env.get("KAARI_METRICS_TOKEN", "").strip(),
    )


MIN_SECRET_LENGTH = 32


def check_secret(secret: str) -> None:
    """Refuse a guessable KAARI_SECRET: it keys every person's hash and every invitation code."""
    if len(secret) < MIN_SECRET_LENGTH or any(char.isspace() for char in secret):
        raise SettingsError(f"KAARI_SECRET is too weak: use at least {MIN_SECRET_LENGTH} characters without spaces "
                            "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)")


def _kept_key(settings: Settings, suffix: str, make: Callable[[], str]) -> str:
    """A key generated once and kept beside the database (mode 600): for `kaari chat` on a laptop only;
    `kaari run` requires keys from the environment, kept apart from the data."""
    path = settings.db_path.with_name(settings.db_path.name + suffix)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
    except OSError as error:
        raise SettingsError(f"cannot keep a local key beside the database: {path}: {error.strerror}") from error
    return value


def resolve_secret(settings: Settings) -> str:
    """The HMAC key for user keys and invitation codes: KAARI_SECRET, or a kept local one."""
    return settings.secret or _kept_key(settings, ".secret", lambda: secrets.token_hex(32))


def resolve_data_key(settings: Settings) -> str:
    """The keys that encrypt stored chat ids: KAARI_DATA_KEY (``new,old,...`` Fernet keys), or a kept local one."""
    from cryptography.fernet import Fernet

    value = settings.data_key or _kept_key(settings, ".datakey", lambda: Fernet.generate_key().decode())
    keys = [part.strip() for part in value.split(",")]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError as error:
            # The position, never the key: this line ends up in logs.
            where = f"key {position} of {len(keys)}" if len(keys) > 1 else "key"
            raise SettingsError(f"KAARI_DATA_KEY {where} is not a valid key: it must be 32 url-safe "
                                "base64-encoded bytes (make one with Fernet.generate_key())") from error
    return value

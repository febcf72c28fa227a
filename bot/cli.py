"""The `kaari` command: run (Telegram and the web), chat (terminal), web (a local demo), diagrams,
check-instrument, health, admin (coordinators, key rotation, backup and restore)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import sys
import tempfile
from pathlib import Path

import platformdirs

from bot import logs
from bot.admin import AdminError
from bot.bootstrap import bootstrap, flows_by_room, quiet_chatty_loggers, warn_of_unknown_regions
from bot.settings import Settings, SettingsError, check_secret, load_settings
from flows.core.datafile import DataFileError
from flows.core.diagram import flow_diagram
from flows.esy.instrument import load_instrument, prompt_summary
from storage.ports import StoreUnavailable


def data_dir(given: Path | None) -> Path:
    """`kaari chat`'s one folder for everything it keeps: ``--data DIR``, or the platform's user data directory."""
    return given if given is not None else platformdirs.user_data_path("kaari", appauthor=False)


DATA_HELP = f"where the database, its keys, the log and saved files are kept (default: {data_dir(None)})"


def in_data_dir(settings: Settings, folder: Path) -> Settings:
    """The settings of `kaari chat` (and of a console user's set-up): the database in ``folder``, and with it
    the kept keys and the log, whatever KAARI_DB_PATH or KAARI_DATABASE_URL say (that is `kaari run`'s database)."""
    return dataclasses.replace(settings, db_path=folder / "kaari.sqlite3", database_url="")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kaari", description="Kaari: a companion for youth social work.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the Telegram bot (needs KAARI_TELEGRAM_TOKEN)")
    chat = commands.add_parser("chat", help="try the flows in this terminal: no token, no network")
    chat.add_argument("--lang", choices=("fi", "sv", "en"), help="language to start in (default: fi)")
    chat.add_argument("--data", type=Path, metavar="DIR", help=DATA_HELP)
    chat.add_argument("--user", default="local", help="who is chatting, to keep several people apart")
    web = commands.add_parser("web", help="a local demo of the web chat and the desk: no token, no network")
    web.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    web.add_argument("--data", type=Path, metavar="DIR",
                     help="where the demo keeps its database and keys (default: a new temporary folder, deleted "
                     "when the demo stops)")
    web.add_argument("--closed", action="store_true",
                     help="the chat is closed today: see what the widget shows then")
    diagrams = commands.add_parser("diagrams", help="write each flow's diagram into docs/flows/<room>/")
    diagrams.add_argument("--out", type=Path, default=Path("docs/flows"))
    check = commands.add_parser("check-instrument", help="validate an ESY instrument file")
    check.add_argument("path", type=Path)
    commands.add_parser("health", help="exit 0 if the database at KAARI_DB_PATH answers, has every migration and "
                        "the ticker of `kaari run` completed a round lately (the Docker HEALTHCHECK; /readyz checks "
                        "the same), else 1; one line either way")
    admin = commands.add_parser("admin", help="set-up tasks for whoever runs Kaari")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    coordinator = admin_commands.add_parser(
        "add-coordinator", help="add the first coordinator, linked to a Telegram account (or a console user)")
    who = coordinator.add_mutually_exclusive_group(required=True)
    who.add_argument("telegram_id", nargs="?", type=int, help="their numeric Telegram user id")
    who.add_argument("--console-user", help="a `kaari chat --user` name instead, to try things out")
    coordinator.add_argument("--name", required=True)
    coordinator.add_argument(
        "--title", default="", help="their own title, shown as written in every language (without it, readers "
        "see 'koordinaattori' / 'koordinator' / 'coordinator' in their own language)")
    coordinator.add_argument("--org", required=True, help="their organisation")
    coordinator.add_argument("--also-worker", action="store_true", help="they also work with clients")
    coordinator.add_argument("--data", type=Path, metavar="DIR",
                             help="with --console-user: `kaari chat`'s data directory, if not the default one")
    coordinator.add_argument("--region", metavar="CODE",
                             help="the region they coordinate (added with add-region; default: the only one there "
                             "is at first, 'default')")
    region = admin_commands.add_parser(
        "add-region", help="add a region (a tenant with its own staff, clients and chat services), or name one again")
    region.add_argument("code", help="a short code, 1-32 of a-z, 0-9 and '-': the chat services file's `region`")
    region.add_argument("--name-fi", required=True, help="its name in Finnish, as a young person sees it")
    region.add_argument("--name-sv", required=True, help="its name in Swedish")
    region.add_argument("--name-en", required=True, help="its name in English")
    region.add_argument("--data", type=Path, metavar="DIR",
                        help="`kaari chat`'s data directory: add the region there, to try regions in the terminal")
    listing = admin_commands.add_parser(
        "list-regions", help="the regions, each with its coordinators, workers, clients and chat services")
    listing.add_argument("--data", type=Path, metavar="DIR", help="`kaari chat`'s data directory, to list its regions")
    admin_commands.add_parser(
        "rotate-key", help="re-seal stored chat ids with the first KAARI_DATA_KEY key (run after adding a new one)")
    backup = admin_commands.add_parser(
        "backup", help="copy the SQLite database at KAARI_DB_PATH into PATH (mode 600), also while the bot runs; "
        "for PostgreSQL use pg_dump")
    backup.add_argument("path", type=Path)
    backup.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    restore = admin_commands.add_parser(
        "restore", help="check the backup at PATH and put it in place of the database at KAARI_DB_PATH (stop "
        "`kaari run` first); for PostgreSQL use pg_restore")
    restore.add_argument("path", type=Path)
    restore.add_argument("--force", action="store_true",
                         help="restore even though the bot seems to be running (its ticker's heartbeat is recent)")
    return parser


def _write_diagrams(settings: Settings, out: Path) -> None:
    """Each flow's diagram into ``out/<room>/<flow>.md``: a room is the package under flows/ that builds it."""
    for room, flows in flows_by_room(load_instrument(settings.esy_instrument)).items():
        (out / room).mkdir(parents=True, exist_ok=True)
        for name, spec in flows.items():
            (out / room / f"{name}.md").write_text(flow_diagram(spec), encoding="utf-8")
            print(out / room / f"{name}.md")


def _setup_logging(settings: Settings, quiet: bool, to_file: Path | None = None) -> None:
    handler = logging.FileHandler(to_file, encoding="utf-8", delay=True) if to_file else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logs.install([handler])  # on the handler, not a logger: every record passes it, whichever logger wrote it
    logging.basicConfig(
        level=logging.WARNING if quiet else getattr(logging, settings.log_level, logging.INFO), handlers=[handler])
    quiet_chatty_loggers()
    logging.getLogger("transitions").setLevel(logging.WARNING)


def _console_logging(settings: Settings) -> None:
    """`kaari chat` is someone's conversation: log lines go to a file beside the database, never into it."""
    path = settings.db_path.with_name(settings.db_path.name + ".log")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # personal data and keys: the owner's only
        path.touch(mode=0o600)
    except OSError:
        # No place for a log file (the database's own error follows): only errors, on stderr.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        logs.install([handler])
        logging.basicConfig(level=logging.ERROR, handlers=[handler])
        quiet_chatty_loggers()
        return
    _setup_logging(settings, quiet=True, to_file=path)


def _close_log_files() -> None:
    """Detach and close the root logger's handlers: nothing may reopen a log file in a folder that is gone."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()


async def _chat(settings: Settings, language: str | None, user: str) -> None:
    from bot.console import Console

    services = await bootstrap(settings)
    try:
        # Saved files go beside the database: one folder, never the working directory.
        await Console(services, sys.stdout, settings.db_path.parent, user).run(sys.stdin, language)
    finally:
        await services.close()


async def _web(settings: Settings, closed: bool) -> None:
    from bot.demo import demo

    await demo(await bootstrap(settings), closed, sys.stdout)


def _web_demo(settings: Settings, args: argparse.Namespace) -> int:
    """`kaari web`: the demo in ``--data`` or in a temporary folder that goes when it stops."""
    from bot.demo import demo_settings

    with tempfile.TemporaryDirectory(prefix="kaari-web-") as temporary:
        folder = args.data if args.data is not None else Path(temporary)
        settings = demo_settings(settings, folder, args.port)
        _console_logging(settings)  # the terminal shows the address; the log goes beside the database
        try:
            asyncio.run(_web(settings, args.closed))
        except OSError as error:  # the port is taken, most likely
            print(f"kaari: cannot serve on 127.0.0.1:{args.port}: {error.strerror or error}", file=sys.stderr)
            return 1
        finally:
            _close_log_files()  # the log file may be in the temporary folder, which goes now
    return 0


async def _add_coordinator(settings: Settings, args: argparse.Namespace) -> int:
    from bot.admin import add_coordinator, staff_region

    services = await bootstrap(settings, draws=False)
    try:
        was = await staff_region(services, telegram_id=args.telegram_id, console_user=args.console_user)
        staff_id = await add_coordinator(
            services, telegram_id=args.telegram_id, console_user=args.console_user, name=args.name,
            title=args.title, organisation=args.org, also_worker=args.also_worker, region=args.region)
    finally:
        await services.close()
    print(f"{args.name} is now a coordinator (staff {staff_id}). Their Kaari menu shows the coordinator tools.")
    if was is not None and args.region is not None and was != args.region:
        # A move changes what others see at once (the old region's chat), so the operator is told it happened.
        print(f"They moved from region {was} to {args.region}: they are off {was}'s chat rota and shifts, and their "
              f"open chats there went back to its queue.")
    return 0


async def _add_region(settings: Settings, args: argparse.Namespace) -> int:
    from bot.admin import add_region

    services = await bootstrap(settings, warn_regions=False, draws=False)
    try:
        new = await add_region(services, args.code, args.name_fi, args.name_sv, args.name_en)
        await warn_of_unknown_regions(services.store, services.chat)  # the others the services file names
    finally:
        await services.close()
    print(f"Region {args.code} {'added' if new else 'named again'}. Add its first coordinator with "
          f"`kaari admin add-coordinator … --region {args.code}`.")
    return 0


async def _list_regions(settings: Settings) -> int:
    from bot.admin import list_regions

    services = await bootstrap(settings, warn_regions=False, draws=False)
    try:
        summaries = await list_regions(services)
    finally:
        await services.close()
    for summary in summaries:
        region = summary.region
        names = " / ".join((region.name_fi, region.name_sv, region.name_en)) if region.name_fi else "(no names)"
        print(f"{region.code}: {names}; coordinators {summary.coordinators}, workers {summary.workers}, "
              f"clients {summary.clients}; chat services: {', '.join(summary.services) or 'none'}")
        if not summary.coordinators:
            print(f"  no coordinator yet: `kaari admin add-coordinator … --region {region.code}`")
    return 0


async def _rotate_key(settings: Settings) -> int:
    from bot.admin import rotate_key

    services = await bootstrap(settings, draws=False)
    try:
        resealed, unopened = await rotate_key(services)
    finally:
        await services.close()
    print(f"Re-sealed {resealed} chat ids with the first KAARI_DATA_KEY key.")
    if unopened:
        # Their owners' next message refreshes them; until then pushes to them cannot be delivered.
        print(f"{unopened} could not be opened with any given key; keep the old key in KAARI_DATA_KEY.")
        return 1
    return 0


async def _run(settings: Settings) -> int:
    from telegram.error import InvalidToken, NetworkError

    from bot.serve import serve

    try:
        await serve(await bootstrap(settings))
    except InvalidToken:
        print("kaari: Telegram refused KAARI_TELEGRAM_TOKEN; check it with @BotFather", file=sys.stderr)
        return 1
    except NetworkError as error:
        print(f"kaari: cannot reach the Telegram Bot API at {settings.telegram_api_url} ({error.message})",
              file=sys.stderr)
        return 1
    except OSError as error:  # the server's port is taken, or the address is not this machine's
        print(f"kaari: cannot listen on {settings.listen}:{settings.port} (KAARI_LISTEN, KAARI_PORT): "
              f"{error.strerror or error}", file=sys.stderr)
        return 1
    return 0


def _health() -> int:
    """`kaari health`: 0 or 1 and one line, whatever goes wrong (Docker reserves exit status 2)."""
    from bot import health

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"kaari: unhealthy: {error}", file=sys.stderr)
        return 1
    return health.main(settings.database_url or settings.db_path, settings.instance_name)


PG_BACKUP = ("kaari: KAARI_DATABASE_URL is set: back up PostgreSQL with its own tools, e.g. "
             "`pg_dump --format=custom --file=kaari.dump \"$KAARI_DATABASE_URL\"`")
PG_RESTORE = ("kaari: KAARI_DATABASE_URL is set: restore PostgreSQL with its own tools, e.g. "
              "`pg_restore --clean --if-exists --no-owner --dbname=\"$KAARI_DATABASE_URL\" kaari.dump`")


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    """`kaari admin backup` and `restore`: SQLite's (bot.backup); PostgreSQL's are pg_dump and pg_restore."""
    from datetime import UTC, datetime

    from bot import backup

    if settings.database_url:
        print(PG_BACKUP if args.admin_command == "backup" else PG_RESTORE, file=sys.stderr)
        return 2
    try:
        if args.admin_command == "backup":
            checked = backup.backup(settings.db_path, args.path, force=args.force)
            print(f"Backed up {settings.db_path} into {args.path} ({checked.migrations} migrations). It holds "
                  "personal data: keep it as safely as the database, and delete it when its retention ends.")
        else:
            checked = backup.restore(args.path, settings.db_path, datetime.now(UTC), force=args.force)
            print(f"Restored {args.path} into {settings.db_path} ({checked.migrations} migrations); `kaari run` "
                  "applies any newer ones at start.")
    except backup.BackupError as error:
        print(f"kaari: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kaari` console script."""
    args = _parser().parse_args(argv)
    if args.command == "health":
        return _health()
    try:
        settings = load_settings()
        if args.command == "chat":
            settings = in_data_dir(settings, data_dir(args.data))
            if args.lang:
                settings = dataclasses.replace(settings, default_language=args.lang)
            _console_logging(settings)
            asyncio.run(_chat(settings, args.lang, args.user))
        elif args.command == "run":
            if not settings.telegram_token:
                raise SettingsError("KAARI_TELEGRAM_TOKEN is not set: get one from @BotFather")
            if not settings.secret:
                raise SettingsError("KAARI_SECRET is not set: use a long random value and keep it apart from "
                                    "the database (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)")
            check_secret(settings.secret)
            if not settings.data_key:
                raise SettingsError("KAARI_DATA_KEY is not set: it encrypts stored chat ids; make one with "
                                    "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key()"
                                    ".decode())'`")
            if settings.mode == "webhook" and not (settings.webhook_url and settings.webhook_secret):
                raise SettingsError("KAARI_MODE=webhook needs KAARI_WEBHOOK_URL and KAARI_WEBHOOK_SECRET "
                                    "(without the secret anyone who finds the URL could post updates)")
            _setup_logging(settings, quiet=False)
            return asyncio.run(_run(settings))
        elif args.command == "web":
            return _web_demo(settings, args)
        elif args.command == "diagrams":
            _write_diagrams(settings, args.out)
        elif args.command == "admin":
            if args.admin_command in ("backup", "restore"):
                return _backup(settings, args)
            if args.admin_command == "rotate-key":
                if not settings.data_key:
                    raise SettingsError("KAARI_DATA_KEY is not set: give the new key first, then the old ones "
                                        "(KAARI_DATA_KEY=new,old)")
                if not settings.secret:
                    raise SettingsError("KAARI_SECRET is not set: use the same value as `kaari run`")
                check_secret(settings.secret)
                _setup_logging(settings, quiet=True)
                return asyncio.run(_rotate_key(settings))
            if args.admin_command in ("add-region", "list-regions"):
                if args.data is not None:  # trying regions in `kaari chat`: its database, not KAARI_DB_PATH
                    settings = in_data_dir(settings, data_dir(args.data))
                if settings.secret:
                    check_secret(settings.secret)
                _setup_logging(settings, quiet=True)
                if args.admin_command == "list-regions":
                    return asyncio.run(_list_regions(settings))
                return asyncio.run(_add_region(settings, args))
            if args.console_user is not None or args.data is not None:  # a console user lives where `kaari chat` is
                settings = in_data_dir(settings, data_dir(args.data))
            if args.telegram_id is not None and not settings.secret:
                raise SettingsError("KAARI_SECRET is not set: use the same value as `kaari run`")
            if settings.secret:
                check_secret(settings.secret)
            _setup_logging(settings, quiet=True)
            return asyncio.run(_add_coordinator(settings, args))
        elif args.command == "check-instrument":
            instrument = load_instrument(args.path)
            statements = sum(len(area.statements) for area in instrument.areas)
            print(f"{args.path}: ok ({instrument.id} v{instrument.version}, "
                  f"{len(instrument.areas)} areas, {statements} statements, {prompt_summary(instrument)})")
    except (SettingsError, DataFileError, AdminError) as error:
        print(f"kaari: {error}", file=sys.stderr)
        return 2
    except StoreUnavailable as error:
        print(f"kaari: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

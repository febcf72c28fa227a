"""Several instances (#14): `kaari run` processes in webhook mode on one database, this script as Telegram and
the reverse proxy, the HTTP fake Bot API receiving the sends: ``python -m bench.instances [--quick]
[--database-url postgresql://…]``.

People walk /start, the language, the menu and ESY's first areas (the crash test's walk), each posting their next
update as soon as the previous one is answered (the webhook answers 200 once the reply is sent), updates spread
over the instances round-robin. Limits off (no pacing, no flood limit). Reported: updates per second over the
whole walk and the p50/p99 of the reply latency (the POST's time to its 200). One instance on SQLite; one and
two on PostgreSQL when a database URL is given. Not a test: it prints a Markdown table (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import tempfile
import time
from pathlib import Path

import httpx

from bench.stats import ms, percentile
from bot.i18n import Catalogs
from bot.webhook import SECRET_HEADER
from flows.esy.instrument import load_instrument
from tests.bot.httpfake import HttpFakeBotAPI
from tests.bot.test_chaos import HOOK_SECRET, Instance, instance_env, ready
from tests.bot.test_crash import BotProcess, Person, next_update, walk
from tests.ports import free_port


async def walk_person(person: Person, fake: HttpFakeBotAPI, client: httpx.AsyncClient,
                      urls: itertools.cycle[str], latencies: list[float], again: list[int]) -> None:
    """One person's walk, each update posted when the previous one was answered; a 500 (an update given up on
    Contention) is posted again to the next instance, as Telegram does, and counted in its latency."""
    while person.given < len(person.actions):
        person.read(fake.api.calls)
        body = json.dumps(next_update(person)).encode()
        person.given += 1
        began = time.perf_counter()
        while True:
            answer = await client.post(f"{next(urls)}/telegram", content=body, timeout=60.0,
                                       headers={SECRET_HEADER: HOOK_SECRET, "Content-Type": "application/json"})
            if answer.status_code == 200:
                break
            assert answer.status_code >= 500, answer.status_code
            again.append(answer.status_code)
        latencies.append(time.perf_counter() - began)


async def measure(label: str, database: dict[str, str], count: int, people: int, folder: Path, first: int) -> str:
    """One row of the table: ``count`` instances on ``database``, ``people`` walking at once (Telegram ids from
    ``first``: new people each time, so that a database used before still sees each walk from its start)."""
    catalogs, instrument = Catalogs(), load_instrument()
    fake = HttpFakeBotAPI()
    await fake.start()
    env = instance_env(fake, database, os.environ.get("KAARI_LOG_LEVEL", "WARNING"))
    instances = []
    for number in range(1, count + 1):
        port = free_port()
        instances.append(Instance(BotProcess({**env, "KAARI_PORT": str(port), "KAARI_INSTANCE_NAME": f"b{number}"},
                                             folder / f"{label}-{number}.log", tag=f"B{number}-"), port))
    walkers = [Person(first + index, walk(index, catalogs, instrument)) for index in range(people)]
    latencies: list[float] = []
    again: list[int] = []
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=people * 2)) as client:
        try:
            for instance in instances:
                await instance.process.start()
            for instance in instances:
                await ready(instance, client)
            urls = itertools.cycle([instance.url for instance in instances])
            began = time.perf_counter()
            await asyncio.gather(*(walk_person(person, fake, client, urls, latencies, again) for person in walkers))
            wall = time.perf_counter() - began
        finally:
            for instance in instances:
                await instance.process.stop()
            await fake.stop()
    return (f"| {label} | {count} | {people} | {len(latencies)} | {len(latencies) / wall:.0f} | "
            f"{ms(percentile(latencies, 50))} | {ms(percentile(latencies, 99))} | {len(again)} |")


async def run(people: int, database_url: str, logs: str = "") -> str:
    lines = ["| Database | Instances | People at once | Updates | Updates/s | p50 ms | p99 ms | Posted again (500) |",
             "|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(logs or tmp)
        os.makedirs(folder, exist_ok=True)
        lines.append(await measure("SQLite", {"KAARI_DB_PATH": str(folder / "kaari.sqlite3")}, 1, people, folder,
                                   9000))
        if database_url:
            for count in (1, 2):
                lines.append(await measure("PostgreSQL", {"KAARI_DATABASE_URL": database_url}, count, people,
                                           folder, 10000 * count))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instances", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 people instead of 40")
    parser.add_argument("--database-url", default="", help="a PostgreSQL database for the PostgreSQL rows")
    parser.add_argument("--logs", default="", help="keep the instances' logs (INFO: storage.contention) here")
    args = parser.parse_args(argv)
    print(asyncio.run(run(10 if args.quick else 40, args.database_url, args.logs)))


if __name__ == "__main__":
    main()

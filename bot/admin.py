"""Set-up tasks from the command line: regions and each region's first coordinator are created here, nowhere
else; keys rotate here."""

from __future__ import annotations

from dataclasses import dataclass

from bot.bootstrap import Services
from bot.keys import user_key
from flows.chat import shifts
from flows.core.contention import transact
from flows.identity.regions import valid_code
from storage.ports import DEFAULT_REGION, AuditRow, ContactRow, RegionRow, StaffRow, UnitOfWork, UserRow


class AdminError(ValueError):
    """A set-up task that cannot be done as asked (an unknown region, a bad code): the message says why."""


async def add_region(services: Services, code: str, name_fi: str, name_sv: str, name_en: str) -> bool:
    """Add a region, or give an existing one (the ``default`` region, say) its names; True when it is new."""
    if not valid_code(code):
        raise AdminError(f"a region code is 1-32 of a-z, 0-9 and '-' (not first): {code!r}")
    names = [name.strip() for name in (name_fi, name_sv, name_en)]
    if not all(names):
        raise AdminError("a region needs its name in Finnish, Swedish and English (--name-fi, --name-sv, --name-en)")
    row = RegionRow(code, *names)
    now = services.engine.clock()

    async def add(work: UnitOfWork) -> bool:
        new = await work.regions.get(code) is None
        await (work.regions.add(row) if new else work.regions.save(row))
        await work.audit.add(AuditRow(now, "admin", "region.added" if new else "region.renamed", f"region:{code}",
                                      region=code))
        return new

    # Run again whole if it lost to a running instance (PostgreSQL): it only reads and writes the store.
    return await transact(services.store, add, what="admin.add_region")


@dataclass(frozen=True)
class RegionSummary:
    """One region as ``kaari admin list-regions`` shows it: who works there and which chat services are its."""

    region: RegionRow
    coordinators: int
    workers: int
    clients: int  # whose work has not ended
    services: tuple[str, ...]


async def list_regions(services: Services) -> list[RegionSummary]:
    """Every region, by code, with its active staff and current clients counted and its chat services named."""

    async def read(work: UnitOfWork) -> list[RegionSummary]:
        found = []
        for region in await work.regions.all():
            staff = [row for row in await work.staff.in_region(region.code) if row.active]
            clients = [row for row in await work.clients.in_region(region.code) if row.ended_at is None]
            found.append(RegionSummary(
                region, sum(row.is_coordinator for row in staff), sum(row.is_worker for row in staff), len(clients),
                tuple(service.id for service in services.chat.for_region(region.code).services)))
        return found

    return await transact(services.store, read, what="admin.list_regions")


def _account(services: Services, telegram_id: int | None, console_user: str | None) -> str:
    """The user key of a Telegram account (its keyed hash) or of a console user."""
    return (user_key(services.secret, "tg", telegram_id) if telegram_id is not None
            else user_key(services.secret, "console", console_user or "local"))


async def staff_region(services: Services, *, telegram_id: int | None, console_user: str | None) -> str | None:
    """The region of the staff member on this account; None if it is not staff."""

    async def read(work: UnitOfWork) -> str | None:
        staff = await work.staff.by_user(_account(services, telegram_id, console_user))
        return None if staff is None else staff.region

    return await transact(services.store, read, what="admin.staff_region")


async def add_coordinator(
    services: Services, *, telegram_id: int | None, console_user: str | None, name: str, title: str,
    organisation: str, also_worker: bool, region: str | None = None,
) -> int:
    """Create a coordinator linked to a Telegram account (by its keyed hash) or to a console user, in
    ``region`` (a new one: the default region; someone already staff: their own, unless one is given)."""
    key = _account(services, telegram_id, console_user)
    now = services.engine.clock()

    async def add(work: UnitOfWork) -> int | None:
        if region is not None and await work.regions.get(region) is None:
            raise AdminError(f"there is no region {region!r}: add it first with `kaari admin add-region`")
        if await work.users.get(key) is None:
            await work.users.save(UserRow(key, services.settings.default_language, now, now))
        existing = await work.staff.by_user(key)
        if existing is not None:
            moved, gone_from = region is not None and region != existing.region, existing.region
            # The old region's chat lets go of them: its rota, shifts and their chats there (flows.chat.shifts).
            left = await shifts.leaving_region(work, services.chat.for_region(existing.region), existing,
                                               now) if moved else None
            existing.is_coordinator, existing.active = True, True
            existing.region = region or existing.region
            await work.staff.save(existing)
            if left is not None:
                await left()
                # The region they left keeps a line of it in its own audit log.
                await work.audit.add(AuditRow(now, "admin", "staff.left_region", f"staff:{existing.id}",
                                              region=gone_from))
            staff_id, chosen = existing.id, existing.region
        else:
            chosen = region or DEFAULT_REGION
            staff_id = await work.staff.add(StaffRow(name, title, organisation, is_coordinator=True,
                                                     is_worker=also_worker, created_at=now, user_key=key,
                                                     region=chosen))
        await work.audit.add(AuditRow(now, "admin", "staff.coordinator_added", f"staff:{staff_id}", region=chosen))
        return staff_id

    # Run again whole if it lost to a running instance (PostgreSQL): it only reads and writes the store.
    staff_id = await transact(services.store, add, what="admin.add_coordinator")
    assert staff_id is not None
    return staff_id


async def rotate_key(services: Services) -> tuple[int, int]:
    """Re-seal every stored chat address with the first data key; returns (re-sealed, left unopened)."""
    now = services.engine.clock()

    async def reseal(work: UnitOfWork) -> tuple[int, int]:
        resealed = unopened = 0
        for key in await work.contacts.keys():
            row = await work.contacts.get(key)
            fresh = services.sealer.reseal(row.sealed_chat) if row else None
            if row is None or fresh is None:
                unopened += row is not None
                continue
            await work.contacts.save(ContactRow(key, fresh, row.updated_at))
            resealed += 1
        await work.audit.add(AuditRow(now, "admin", "admin.key_rotated", f"contacts:{resealed}"))
        return resealed, unopened

    # One transaction: a crash leaves every address as it was, each still opened by the old key; one that lost
    # to a running instance's (a person's next message refreshed their address) is run again, counts and all.
    return await transact(services.store, reseal, what="admin.rotate_key")

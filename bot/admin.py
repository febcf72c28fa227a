"""Set-up tasks from the command line: the first coordinator is created here, nowhere else; keys rotate here."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.keys import user_key
from storage.ports import AuditRow, ContactRow, StaffRow, UserRow


async def add_coordinator(
    services: Services, *, telegram_id: int | None, console_user: str | None, name: str, title: str,
    organisation: str, also_worker: bool,
) -> int:
    """Create a coordinator linked to a Telegram account (by its keyed hash) or to a console user."""
    key = (user_key(services.secret, "tg", telegram_id) if telegram_id is not None
           else user_key(services.secret, "console", console_user or "local"))
    now = services.engine.clock()
    async with services.store.transaction() as work:
        if await work.users.get(key) is None:
            await work.users.save(UserRow(key, services.settings.default_language, now, now))
        existing = await work.staff.by_user(key)
        if existing is not None:
            existing.is_coordinator, existing.active = True, True
            await work.staff.save(existing)
            staff_id = existing.id
        else:
            staff_id = await work.staff.add(StaffRow(name, title, organisation, is_coordinator=True,
                                                     is_worker=also_worker, created_at=now, user_key=key))
        await work.audit.add(AuditRow(now, "admin", "staff.coordinator_added", f"staff:{staff_id}"))
    assert staff_id is not None
    return staff_id


async def rotate_key(services: Services) -> tuple[int, int]:
    """Re-seal every stored chat address with the first data key; returns (re-sealed, left unopened)."""
    resealed = unopened = 0
    now = services.engine.clock()
    # One transaction: a crash leaves every address as it was, each still opened by the old key.
    async with services.store.transaction() as work:
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

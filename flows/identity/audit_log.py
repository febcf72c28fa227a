"""Coordinators read the audit log: who did what to which record, and when (ids and events only)."""

from __future__ import annotations

from flows.core.messages import N_, Msg
from flows.core.results import Document
from flows.core.spec import Conversation, FlowSpec
from flows.identity.consent_texts import ConsentItem
from flows.identity.staff import is_coordinator
from storage.ports import AuditRow

NAME = "audit"
VERSION = 1
SHOWN = 500


class AuditSteps:
    """The audit log's one step, with the consent items' titles by id (from the consent texts)."""

    def __init__(self, items: tuple[ConsentItem, ...]) -> None:
        # Consent events name the item ("consent.yes.work"): the file says the item's title instead.
        self.titles = {item.id: {"fi": item.title.fi, "sv": item.title.sv, "en": item.title.en} for item in items}

    async def on_start(self, conv: Conversation) -> None:
        """Send the latest rows of the coordinator's region's audit log (#14) as a document (and audit the reading
        itself), then close."""
        rows = await conv.work.audit.recent_of(conv.who.region, SHOWN)
        names = {staff.id: staff.name for staff in await conv.work.staff.all()}
        data = {"rows": [{"at": row.at.isoformat(), "actor": row.actor, "action": row.action,
                          "subject": row.subject, "name": _name(row, names)} for row in rows],
                "consent_titles": self.titles}
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key),
            "audit.read", "", region=conv.who.region))
        conv.emit(Document("audit", data, Msg(N_("audit.caption"), {"count": len(rows)})))
        conv.state = "closed"


def audit_flow(items: tuple[ConsentItem, ...] = ()) -> FlowSpec:
    """A coordinator gets the audit log as a file; the flow closes at once."""
    return FlowSpec(
        name=NAME, version=VERSION, states=["closed"], initial="closed", transitions=[], views={},
        help_key=N_("audit.help"), final=frozenset({"closed"}), on_start=AuditSteps(items).on_start,
        allowed=is_coordinator,
    )


def _name(row: AuditRow, names: dict[int | None, str]) -> str:
    if row.actor.startswith("staff:"):
        return names.get(int(row.actor.removeprefix("staff:")), row.actor)
    return row.actor

"""One organisation's chat: its services, its quick replies and how its workers are shown to young people.

Everything the chat flows, the ticker and /hours, /rota and /stats need of an organisation reaches them through
this one object (no module-level state). Each service is of a region (#14): a staff member's desk, rota and
statistics go by ``for_region`` of their region. The rota, duty, chats and statistics are rows in the store, read
per service of this setup.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flows.chat.quick_replies import QuickReply
from flows.chat.schedule import Service
from flows.core.messages import LocalText


@dataclass(frozen=True)
class ChatSetup:
    """The chat services, the desk's quick replies and how workers are shown to young people."""

    services: tuple[Service, ...]
    show_names: bool = True
    replies: tuple[QuickReply, ...] = ()

    def regions(self) -> tuple[str, ...]:
        """The regions whose services these are (#14), in the file's order."""
        return tuple(dict.fromkeys(service.region for service in self.services))

    def for_region(self, region: str) -> ChatSetup:
        """The same setup with only ``region``'s services: what its staff's desk, rota and statistics go by."""
        return replace(self, services=tuple(service for service in self.services if service.region == region))

    def get(self, service_id: str) -> Service | None:
        """The service with this id, if this organisation still has it."""
        return next((service for service in self.services if service.id == service_id), None)

    def name(self, service_id: str) -> LocalText | str:
        """The service's name for people to read (its id, if it was removed from the services file)."""
        service = self.get(service_id)
        return service.name if service else service_id

"""Regions (#14): who of the staff may see which row. A region is a tenant; an organisation is only a label.

Every place where staff read rows asks here, so the rule is written once:
- staff see the rows of their own region (its staff, clients, groups, chat services, statistics, audit log);
- a worker whom a client's region paired with that client (a pair worker from another region) sees that one
  client, and nothing else of the client's region.
A deployment with one region never notices: everything is in ``DEFAULT_REGION``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol, TypeVar

from flows.core.messages import LocalText
from storage.ports import DEFAULT_REGION, RegionRow, StaffRow, UnitOfWork

# The operator's code for a region: short, lower case, safe in a file, a command line and a log line.
CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


class InRegion(Protocol):
    """Any row that belongs to a region (a staff member, a client, a group, an audit row...)."""

    @property
    def region(self) -> str: ...


Row = TypeVar("Row", bound=InRegion)


def valid_code(code: str) -> bool:
    """Whether ``code`` can name a region: 1-32 of a-z, 0-9 and '-', not starting with '-'."""
    return CODE.fullmatch(code) is not None


def region_of(staff: StaffRow | None) -> str:
    """The region a staff member works in (someone who is not staff: the default one)."""
    return staff.region if staff is not None else DEFAULT_REGION


def can_see(staff: StaffRow, row: InRegion, *, paired: bool = False) -> bool:
    """Whether ``staff`` may see ``row``: it is of their region, or it is a client they were paired with
    (``paired``: the pair rows say so; a pair worker from another region sees that one client)."""
    return row.region == staff.region or paired


def visible(staff: StaffRow, rows: Iterable[Row]) -> list[Row]:
    """The rows of ``rows`` that ``staff`` may see, in their order."""
    return [row for row in rows if can_see(staff, row)]


def name_of(region: RegionRow, language: str) -> str:
    """A region's name in ``language`` (fi, sv, en), its code when the operator gave no name."""
    names = {"fi": region.name_fi, "sv": region.name_sv, "en": region.name_en}
    return names.get(language, region.name_fi) or region.code


def names_of(region: RegionRow | None, code: str) -> tuple[str, str, str]:
    """A region's names in fi, sv and en; its code for any the operator left empty (or for a region not added)."""
    if region is None:
        return code, code, code
    return region.name_fi or code, region.name_sv or code, region.name_en or code


async def label_of(work: UnitOfWork, code: str) -> LocalText:
    """A region's name in each language, as a text the reader sees in theirs."""
    return LocalText(*names_of(await work.regions.get(code), code))


async def person_in(work: UnitOfWork, user_key: str, region: str) -> bool:
    """Whether what a person keeps here (their circles) counts in ``region``'s figures: a client's in their
    client's region, a group member's in each of their groups' regions, anyone else's (an anonymous person's
    own circles) in the default region, so a deployment with one region counts everyone as before."""
    client = await work.clients.by_user(user_key)
    regions = {client.region} if client is not None else set()
    for membership in await work.groups.memberships(user_key):
        group = await work.groups.get(membership.group_id)
        if group is not None:
            regions.add(group.region)
    return region in (regions or {DEFAULT_REGION})


async def several(work: UnitOfWork) -> bool:
    """Whether the deployment has more than one region (with one, no region is shown anywhere)."""
    return len(await work.regions.all()) > 1

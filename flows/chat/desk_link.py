"""/web: a one-time link that opens the worker's desk in a browser (#13).

The link carries a random token; only its hash is stored (``desk_logins``), it works once and only for
KAARI_DESK_LINK_MINUTES. It is sent without a link preview: a preview fetcher would otherwise open it first (the
web page spends it only on a POST from the page it opens, so a fetch alone spends nothing either way).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flows.chat.desk import is_worker, me
from flows.core.codes import new_token, token_hash
from flows.core.messages import N_, Msg
from flows.core.results import Say
from flows.core.spec import Conversation, FlowSpec
from storage.ports import DEFAULT_REGION, AuditRow, DeskLoginRow, UnitOfWork

NAME = "desk_link"
VERSION = 1
LOGIN_PATH = "/desk/login"  # the web desk's login page (bot/web/desk_auth.py serves it)


def login_url(web_url: str, token: str) -> str:
    """The link a worker opens: Kaari's public base URL, the login page, the token."""
    return f"{web_url}{LOGIN_PATH}?t={token}"


async def new_login(work: UnitOfWork, staff_id: int, now: datetime, minutes: int, actor: str,
                    region: str = DEFAULT_REGION) -> str:
    """A fresh one-time login token for ``staff_id``, working ``minutes``: only its hash is stored, and who asked
    for it is in the audit log (/web, or `kaari web` for its demo worker)."""
    token = new_token()
    await work.desk_logins.add(DeskLoginRow(token_hash(token), staff_id, now, now + timedelta(minutes=minutes)))
    await work.audit.add(AuditRow(now, actor, "desk.link_created", "", region=region))
    return token


class DeskLinkSteps:
    """The one step of /web: Kaari's public URL and how long a link works."""

    def __init__(self, web_url: str, minutes: int) -> None:
        self.web_url = web_url
        self.minutes = minutes

    async def on_start(self, conv: Conversation) -> None:
        """A fresh link (its hash stored, the asking audited), or why there is none; the flow ends there."""
        conv.state = "sent"
        if not self.web_url:
            conv.emit(Say(Msg(N_("web.desk.link_off"))))
            return
        staff = me(conv)
        assert staff.id is not None
        token = await new_login(conv.work, staff.id, conv.now, self.minutes, conv.who.actor(conv.key), conv.who.region)
        conv.emit(Say(Msg(N_("web.desk.link"), {"url": login_url(self.web_url, token), "minutes": self.minutes}),
                      preview=False))


def desk_link_flow(web_url: str, minutes: int) -> FlowSpec:
    """/web: a worker's one-time link to the desk in a browser (no steps to take: it answers and ends)."""
    return FlowSpec(
        name=NAME, version=VERSION, states=["sent"], initial="sent", transitions=[], views={},
        help_key=N_("web.desk.link_help"), final=frozenset({"sent"}), on_start=DeskLinkSteps(web_url, minutes).on_start,
        allowed=is_worker,
    )

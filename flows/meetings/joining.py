"""A network meeting participant's one-time join link, opened like an invitation code (/code or a deep link):
the offer names the meeting, and joining makes this person the participant (reminders, the memo, promises)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flows.core.codes import code_hash
from flows.core.messages import N_, Msg, When
from flows.core.quiet import QuietHours
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, Who
from flows.meetings.meeting import place_text, remind
from storage.ports import AuditRow, ContactRow, MeetingRow, ParticipantRow

YES, NO = "yes", "no"


async def audit(conv: Conversation, action: str, subject: str = "") -> None:
    """Write who did ``action``, and when."""
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), action, subject, region=conv.who.region))


def usable(person: ParticipantRow | None, meeting: MeetingRow | None, now: datetime) -> bool:
    """A join link works until its meeting is no longer planned or the link expires."""
    return person is not None and meeting is not None and meeting.status == "planned" and (
        person.join_expires_at is None or person.join_expires_at > now)


class MeetingJoining:
    """The join code's steps for the invitation flow (its ``join_offer`` state); ``secret`` keys the code
    hashes, ``before`` and ``quiet`` time the reminders the new participant gets."""

    name = "meeting"

    def __init__(self, secret: str, before: tuple[timedelta, ...], quiet: QuietHours) -> None:
        self.secret, self.before, self.quiet = secret, before, quiet

    async def find(self, conv: Conversation, code: str) -> bool:
        """A participant's join code for a meeting still to come: the offer names the meeting, nothing else."""
        person = await conv.work.meetings.participant_by_join(code_hash(self.secret, code))
        meeting = await conv.work.meetings.get(person.meeting_id) if person else None
        if person is None or meeting is None or not usable(person, meeting, conv.now):
            return False
        inviter = await conv.work.staff.get(meeting.created_by)
        await audit(conv, "meeting.join_opened", f"meeting:{meeting.id}")
        conv.data.update(participant=person.id, offer={
            "name": person.name, "inviter": inviter.name if inviter else "", "at": meeting.starts_at.isoformat(),
            "kind": meeting.place_kind, "place": meeting.place})
        return True

    def view(self, conv: Conversation) -> Ask:
        """The offer: who invites, to which meeting, when and where."""
        offer = conv.data["offer"]
        prompt = Msg(N_("invite.meeting_offer"), {
            "name": offer["name"], "inviter": offer["inviter"], "when": When(datetime.fromisoformat(offer["at"])),
            "place": place_text(offer["kind"], offer["place"])})
        return Ask(prompt, (Option(YES, Msg(N_("invite.meeting_join"))), Option(NO, Msg(N_("invite.decline")))))

    async def join(self, conv: Conversation) -> None:
        """The join code is used up: this person is now the participant (reminders, the memo, their promises)."""
        person = await conv.work.meetings.participant(conv.data["participant"])
        meeting = await conv.work.meetings.get(person.meeting_id) if person else None
        if person is None or meeting is None or person.join_hash is None or not usable(person, meeting, conv.now):
            await audit(conv, "meeting.join_gone")
            conv.emit(Say(Msg(N_("invite.gone"))))
            return
        if any(other.user_key == conv.key for other in await conv.work.meetings.participants(meeting.id or 0)):
            # The client or a worker of this meeting: the link is for someone else, and stays unused.
            conv.emit(Say(Msg(N_("invite.meeting_already"))))
            return
        user = await conv.work.users.get(conv.key)
        person.user_key, person.join_hash, person.join_expires_at = conv.key, None, None
        person.reachable, person.language = True, user.language if user else person.language
        await conv.work.meetings.save_participant(person)
        if conv.contact and await conv.work.contacts.get(conv.key) is None:
            await conv.work.contacts.save(ContactRow(conv.key, conv.contact, conv.now))
        await remind(conv, meeting, conv.key, self.before, self.quiet)
        conv.who = Who(conv.who.staff, conv.who.client, True)
        await audit(conv, "meeting.joined", f"meeting:{meeting.id}")
        conv.emit(Say(Msg(N_("invite.meeting_joined"), {"when": When(meeting.starts_at)})))

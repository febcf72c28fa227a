"""The audit log's events in words: each action id has a catalog id, so the audit file and /mydata say what
happened in the reader's language instead of showing ids like ``client.card.view``."""

from __future__ import annotations

from flows.core.messages import N_, LocalText, Msg, Param

# What someone did, as a verb phrase that follows their name ("Kaisa | viewed the client's card").
EVENTS = {
    "admin.key_rotated": N_("audit.event.admin.key_rotated"),
    "assessment.shared": N_("audit.event.assessment.shared"),
    "audit.read": N_("audit.event.audit.read"),
    "client.card.view": N_("audit.event.client.card.view"),
    "client.circles.view": N_("audit.event.client.circles.view"),
    "client.created": N_("audit.event.client.created"),
    "client.declined": N_("audit.event.client.declined"),
    "client.export": N_("audit.event.client.export"),
    "client.goal.agreed": N_("audit.event.client.goal.agreed"),
    "client.goal.services": N_("audit.event.client.goal.services"),
    "client.goals.view": N_("audit.event.client.goals.view"),
    "client.linked": N_("audit.event.client.linked"),
    "client.pair_joined": N_("audit.event.client.pair_joined"),
    "client.meeting.links": N_("audit.event.client.meeting.links"),
    "client.meeting.planned": N_("audit.event.client.meeting.planned"),
    "client.meeting.recorded": N_("audit.event.client.meeting.recorded"),
    "client.meeting.view": N_("audit.event.client.meeting.view"),
    "client.message": N_("audit.event.client.message"),
    "client.message_sent": N_("audit.event.client.message_sent"),
    "client.preparation.view": N_("audit.event.client.preparation.view"),
    "client.reading.comment": N_("audit.event.client.reading.comment"),
    "client.reading.given": N_("audit.event.client.reading.given"),
    "client.work_ended": N_("audit.event.client.work_ended"),
    "desk.ended": N_("audit.event.desk.ended"),
    "desk.expired": N_("audit.event.desk.expired"),
    "desk.link_created": N_("audit.event.desk.link_created"),
    "desk.login": N_("audit.event.desk.login"),
    "desk.logout": N_("audit.event.desk.logout"),
    "group.closed": N_("audit.event.group.closed"),
    "group.created": N_("audit.event.group.created"),
    "group.join_opened": N_("audit.event.group.join_opened"),
    "group.joined": N_("audit.event.group.joined"),
    "group.left": N_("audit.event.group.left"),
    "group.round_opened": N_("audit.event.group.round_opened"),
    "invitation.created": N_("audit.event.invitation.created"),
    "invitation.gone": N_("audit.event.invitation.gone"),
    "invitation.locked": N_("audit.event.invitation.locked"),
    "invitation.opened": N_("audit.event.invitation.opened"),
    "invitation.paused": N_("audit.event.invitation.paused"),
    "invitation.revoked": N_("audit.event.invitation.revoked"),
    "invitation.wrong_code": N_("audit.event.invitation.wrong_code"),
    "meeting.join_gone": N_("audit.event.meeting.join_gone"),
    "meeting.join_opened": N_("audit.event.meeting.join_opened"),
    "meeting.joined": N_("audit.event.meeting.joined"),
    "privacy.forget": N_("audit.event.privacy.forget"),
    "privacy.mydata": N_("audit.event.privacy.mydata"),
    "region.added": N_("audit.event.region.added"),
    "region.renamed": N_("audit.event.region.renamed"),
    "rota.add": N_("audit.event.rota.add"),
    "rota.remove": N_("audit.event.rota.remove"),
    "schedule.change_removed": N_("audit.event.schedule.change_removed"),
    "schedule.closed_day": N_("audit.event.schedule.closed_day"),
    "schedule.extra_slot": N_("audit.event.schedule.extra_slot"),
    "schedule.weekly_added": N_("audit.event.schedule.weekly_added"),
    "schedule.weekly_removed": N_("audit.event.schedule.weekly_removed"),
    "staff.coordinator_added": N_("audit.event.staff.coordinator_added"),
    "staff.created": N_("audit.event.staff.created"),
    "staff.declined": N_("audit.event.staff.declined"),
    "staff.expert_marked": N_("audit.event.staff.expert_marked"),
    "staff.expert_unmarked": N_("audit.event.staff.expert_unmarked"),
    "staff.left_region": N_("audit.event.staff.left_region"),
    "staff.linked": N_("audit.event.staff.linked"),
    "staff.removed": N_("audit.event.staff.removed"),
}
# Events named with a part that varies: "consent.<answer>.<item>" and "denied.<flow>".
CONSENT_EVENTS = {"yes": N_("audit.event.consent.yes"), "no": N_("audit.event.consent.no"),
                  "withdrawn": N_("audit.event.consent.withdrawn")}
DENIED = N_("audit.event.denied")

# The same events told to the client they were about, in /mydata ("Kaisa looked at your card"). Every
# ``client.*`` event a worker can cause is here; anything else falls back to the audit wording.
FOR_CLIENT = {
    "client.card.view": N_("mydata.action_card"),
    "client.circles.view": N_("mydata.action_circles"),
    "client.created": N_("mydata.action_created"),
    "client.export": N_("mydata.action_export"),
    "client.goal.agreed": N_("mydata.action_goal_agreed"),
    "client.goal.services": N_("mydata.action_goal_services"),
    "client.goals.view": N_("mydata.action_goals"),
    "client.meeting.links": N_("mydata.action_meeting_links"),
    "client.meeting.planned": N_("mydata.action_meeting_planned"),
    "client.meeting.recorded": N_("mydata.action_meeting_recorded"),
    "client.meeting.view": N_("mydata.action_meeting_view"),
    "client.pair_joined": N_("mydata.action_pair_joined"),
    "client.message": N_("mydata.action_message"),
    "client.preparation.view": N_("mydata.action_preparation"),
    "client.reading.comment": N_("mydata.action_reading_comment"),
    "client.reading.given": N_("mydata.action_reading"),
    "client.work_ended": N_("mydata.action_work_ended"),
    "invitation.revoked": N_("mydata.action_invitation_revoked"),
}

# Who or what a row is about ("client:3" -> "client 3"); the audit log holds ids, never names of clients.
SUBJECTS = {"client": N_("audit.subject.client"), "staff": N_("audit.subject.staff"),
            "invitation": N_("audit.subject.invitation"), "meeting": N_("audit.subject.meeting"),
            "service": N_("audit.subject.service"), "contacts": N_("audit.subject.contacts"),
            "user": N_("audit.subject.user"), "region": N_("audit.subject.region")}
ADMIN, FORGOTTEN = "admin", "user:forgotten"


def event(action: str, consent_titles: dict[str, LocalText] | None = None) -> Msg | str:
    """The action in words; an action nobody named yet shows as its id rather than being lost."""
    if action in EVENTS:
        return Msg(EVENTS[action])
    kind, _, rest = action.partition(".")
    if kind == "denied" and rest:
        return Msg(DENIED, {"flow": rest})
    answer, _, item = rest.partition(".")
    if kind == "consent" and answer in CONSENT_EVENTS and item:
        title: Param = (consent_titles or {}).get(item) or item
        return Msg(CONSENT_EVENTS[answer], {"item": title})
    return action


def for_client(action: str) -> Msg | str:
    """The action as told to the client it was about, in the second person where it has such words."""
    return Msg(FOR_CLIENT[action]) if action in FOR_CLIENT else event(action)


def party(ref: str, names: dict[str, str] | None = None) -> Msg | str:
    """An actor or subject such as "staff:4" in words: a worker by name when known, else its kind and id."""
    if names and ref in names:
        return names[ref]
    if ref == ADMIN:
        return Msg(N_("audit.who.admin"))
    if ref == FORGOTTEN:
        return Msg(N_("audit.who.forgotten"))
    kind, _, ident = ref.partition(":")
    return Msg(SUBJECTS[kind], {"id": ident}) if kind in SUBJECTS and ident else ref

"""The storage port: what the engine needs from any backend, as Protocols and plain rows.

One module per area, named like the backends' modules (``storage/{sql,memory}_repos/<area>.py``): ``people``,
``identity``, ``chat``, ``meetings``, ``groups``, ``outbox``, ``readings`` (a worker's ESY reading), and ``base``
for the errors, the unit of work and the store.
The area modules are the truth, and the backends import from them, so a backend module's imports name the area
it implements. This package re-exports every name because the engine, the channels and the flows use rows of
several areas side by side (one transaction touches users, clients and the outbox): ``from storage.ports import X``
keeps one import line per caller, and code written before the split needs no change. A name added to an area
module is added here too (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from storage.ports.base import (
    Conflict,
    ConnectionLost,
    Contention,
    Deferred,
    Store,
    StoreUnavailable,
    UnitOfWork,
    UnknownRow,
    UnknownUser,
)
from storage.ports.chat import (
    ChatMessageRow,
    ChatRow,
    Chats,
    ClosingRow,
    DutyRow,
    RotaRow,
    Schedules,
    ShiftRow,
    Shifts,
    WeeklyRow,
)
from storage.ports.desk import DeskLoginRow, DeskLogins, DeskSessionRow, DeskSessions
from storage.ports.effect import EffectRecordRow, EffectRecords
from storage.ports.goal_services import (
    HELPED,
    REACHED,
    GoalServiceRow,
    GoalServices,
    ServiceFollowUpRow,
)
from storage.ports.goals import (
    GOAL_FIELDS,
    GOAL_STATUSES,
    GoalRevisionRow,
    GoalRow,
    Goals,
)
from storage.ports.groups import (
    AnswerRow,
    GroupRow,
    Groups,
    MemberRow,
    RoundRow,
)
from storage.ports.identity import (
    Audit,
    AuditRow,
    ClientRow,
    Clients,
    CodeAttempts,
    ConsentRow,
    Consents,
    InvitationRow,
    Invitations,
    PairRow,
    ShareRow,
    Shares,
    Staff,
    StaffRow,
)
from storage.ports.meetings import (
    EvaluationRow,
    Evaluations,
    MeetingRow,
    Meetings,
    ParticipantRow,
    PreparationRow,
    Preparations,
    PromiseRow,
)
from storage.ports.outbox import (
    Heartbeats,
    Leases,
    Outbox,
    OutboxRow,
    Receipts,
)
from storage.ports.people import (
    AssessmentRow,
    Assessments,
    ContactRow,
    Contacts,
    ConversationRow,
    Conversations,
    UserRow,
    Users,
    Visit,
)
from storage.ports.readings import (
    SIDES,
    ReadingCommentRow,
    ReadingRow,
    Readings,
)
from storage.ports.regions import DEFAULT_REGION, RegionRow, Regions

__all__ = [
    "DEFAULT_REGION",
    "GOAL_FIELDS",
    "GOAL_STATUSES",
    "HELPED",
    "REACHED",
    "SIDES",
    "AnswerRow",
    "AssessmentRow",
    "Assessments",
    "Audit",
    "AuditRow",
    "ChatMessageRow",
    "ChatRow",
    "Chats",
    "ClientRow",
    "Clients",
    "ClosingRow",
    "CodeAttempts",
    "Conflict",
    "ConnectionLost",
    "ConsentRow",
    "Consents",
    "ContactRow",
    "Contacts",
    "Contention",
    "ConversationRow",
    "Conversations",
    "Deferred",
    "DeskLoginRow",
    "DeskLogins",
    "DeskSessionRow",
    "DeskSessions",
    "DutyRow",
    "EffectRecordRow",
    "EffectRecords",
    "EvaluationRow",
    "Evaluations",
    "GoalRevisionRow",
    "GoalRow",
    "GoalServiceRow",
    "GoalServices",
    "Goals",
    "GroupRow",
    "Groups",
    "Heartbeats",
    "InvitationRow",
    "Invitations",
    "Leases",
    "MeetingRow",
    "Meetings",
    "MemberRow",
    "Outbox",
    "OutboxRow",
    "PairRow",
    "ParticipantRow",
    "PreparationRow",
    "Preparations",
    "PromiseRow",
    "ReadingCommentRow",
    "ReadingRow",
    "Readings",
    "Receipts",
    "RegionRow",
    "Regions",
    "RotaRow",
    "RoundRow",
    "Schedules",
    "ServiceFollowUpRow",
    "ShareRow",
    "Shares",
    "ShiftRow",
    "Shifts",
    "Staff",
    "StaffRow",
    "Store",
    "StoreUnavailable",
    "UnitOfWork",
    "UnknownRow",
    "UnknownUser",
    "UserRow",
    "Users",
    "Visit",
    "WeeklyRow",
]

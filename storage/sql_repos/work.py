"""The unit of work of the SQL backends: every area's repository on one connection, inside one transaction."""

from __future__ import annotations

from storage.sql_repos.base import Connection
from storage.sql_repos.chat import _Chats, _Schedules, _Shifts
from storage.sql_repos.desk import _DeskLogins, _DeskSessions
from storage.sql_repos.effect import _EffectRecords
from storage.sql_repos.goal_services import _GoalServices
from storage.sql_repos.goals import _Goals
from storage.sql_repos.groups import _Groups
from storage.sql_repos.identity import _Audit, _Clients, _CodeAttempts, _Consents, _Invitations, _Shares, _Staff
from storage.sql_repos.meetings import _Evaluations, _Meetings, _Preparations
from storage.sql_repos.outbox import _Heartbeats, _Leases, _Outbox, _Receipts
from storage.sql_repos.people import _Assessments, _Contacts, _Conversations, _Users
from storage.sql_repos.readings import _Readings
from storage.sql_repos.regions import _Regions


class SqlWork:
    """Every repository of ``storage.sql_repos`` on ``db`` (SQLite or PostgreSQL)."""

    def __init__(self, db: Connection) -> None:
        self.users = _Users(db)
        self.conversations = _Conversations(db)
        self.assessments = _Assessments(db)
        self.staff = _Staff(db)
        self.clients = _Clients(db)
        self.invitations = _Invitations(db)
        self.consents = _Consents(db)
        self.audit = _Audit(db)
        self.code_attempts = _CodeAttempts(db)
        self.shares = _Shares(db)
        self.contacts = _Contacts(db)
        self.outbox = _Outbox(db)
        self.receipts = _Receipts(db)
        self.heartbeats = _Heartbeats(db)
        self.leases = _Leases(db)
        self.effect_records = _EffectRecords(db)
        self.chats = _Chats(db)
        self.shifts = _Shifts(db)
        self.schedules = _Schedules(db)
        self.preparations = _Preparations(db)
        self.evaluations = _Evaluations(db)
        self.meetings = _Meetings(db)
        self.goals = _Goals(db)
        self.groups = _Groups(db)
        self.readings = _Readings(db)
        self.goal_services = _GoalServices(db)
        self.desk_logins = _DeskLogins(db)
        self.desk_sessions = _DeskSessions(db)
        self.regions = _Regions(db)

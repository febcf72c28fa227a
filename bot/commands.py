"""The commands people can type, in every channel, with their catalog descriptions."""

from __future__ import annotations

from flows.core.messages import N_

COMMAND_TEXTS = {
    "start": N_("command.start"), "chat": N_("command.chat"), "help": N_("command.help"),
    "language": N_("command.language"), "cancel": N_("command.cancel"), "consent": N_("command.consent"),
    "mydata": N_("command.mydata"), "forget": N_("command.forget"), "hours": N_("command.hours"),
}

# What /help lists, in this order, to those who may use each (see `flows.core.engine.Engine.command_help`). The
# shortcuts past the first nine are not in Telegram's command menu, which everyone sees.
HELP_TEXTS = {
    "start": N_("command.start"), "help": N_("command.help"), "language": N_("command.language"),
    "cancel": N_("command.cancel"), "circle": N_("command.circle"), "goals": N_("command.goals"),
    "places": N_("command.places"), "chat": N_("command.chat"),
    "hours": N_("command.hours"), "code": N_("command.code"), "mygroups": N_("command.mygroups"),
    "prepare": N_("command.prepare"),
    "promises": N_("command.promises"), "write": N_("command.write"), "feedback": N_("command.feedback"),
    "clients": N_("command.clients"), "groups": N_("command.groups"), "newclient": N_("command.newclient"),
    "desk": N_("command.desk"), "web": N_("command.web"),
    "workers": N_("command.workers"), "newworker": N_("command.newworker"), "rota": N_("command.rota"),
    "stats": N_("command.stats"), "effect": N_("command.effect"), "audit": N_("command.audit"),
    "mydata": N_("command.mydata"), "consent": N_("command.consent"), "forget": N_("command.forget"),
}

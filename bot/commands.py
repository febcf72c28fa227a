"""The commands people can type, in every channel, with their catalog descriptions."""

from __future__ import annotations

from flows.messages import N_

COMMAND_TEXTS = {
    "start": N_("command.start"), "chat": N_("command.chat"), "help": N_("command.help"),
    "language": N_("command.language"), "cancel": N_("command.cancel"), "consent": N_("command.consent"),
    "mydata": N_("command.mydata"), "forget": N_("command.forget"), "hours": N_("command.hours"),
}

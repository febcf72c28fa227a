"""Network meetings: preparation, the meeting and its memo, promises, reminders, feedback."""

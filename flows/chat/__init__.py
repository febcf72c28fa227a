"""The anonymous chat on shifts: services and hours, holidays, the rota, shifts and duty, the young person's
chat, the worker's desk, quick replies and statistics."""

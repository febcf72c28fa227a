"""Pure conversation logic: flow specs on `transitions`, the engine, instruments as data.

Nothing here imports telegram, a database driver or `bot`; a test enforces it.
"""

"""Storage ports (Protocols) and their backends: aiosqlite, and an in-memory fake for tests."""

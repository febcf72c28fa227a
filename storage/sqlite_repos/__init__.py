"""The aiosqlite repositories, one module per area; ``storage.sqlite`` gathers them into a unit of work."""

"""The in-memory repositories, one module per area; ``storage.memory`` gathers them into a unit of work."""

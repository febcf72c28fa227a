"""The SQL repositories, one module per area; a backend (``storage.sqlite``) gathers them into a unit of work."""

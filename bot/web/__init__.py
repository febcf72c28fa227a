"""The web channel: the same flows as Telegram and the terminal, as JSON messages over a WebSocket."""

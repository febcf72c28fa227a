"""Keyed hashes for people: the raw Telegram id is never stored, only HMAC(secret, id)."""

from __future__ import annotations

import hashlib
import hmac


def user_key(secret: str, channel: str, raw_id: int | str) -> str:
    """A stable, non-reversible key for a person on a channel."""
    digest = hmac.new(secret.encode(), f"{channel}:{raw_id}".encode(), hashlib.sha256).hexdigest()
    return f"{key_prefix(channel)}{digest}"


def key_prefix(channel: str) -> str:
    """How every key of a channel's people begins."""
    return f"{channel}-"


def channel_of(key: str) -> str:
    """The channel a person's key was made for ("tg", "web", ...): the part before the digest."""
    return key.partition("-")[0]

"""One-time invitation codes: high entropy, short enough to read aloud, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Crockford's base32 without I, L, O, U: nothing to confuse when read aloud or copied from paper.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12  # 60 bits: guessing is hopeless at 5 tries per 10 minutes
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_code() -> str:
    """A fresh random code, e.g. 'K7QM-2XHD-9BTR'."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, LENGTH, 4))


def normalise(text: str) -> str:
    """The code as typed: case, spaces, dashes and look-alike letters do not matter."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_CONFUSABLE)
    return cleaned


def link_payload(code: str) -> str:
    """The code as a Telegram deep-link payload (letters and digits only)."""
    return normalise(code)


def forget_tag(secret: str, user_key: str) -> str:
    """A keyed hash of a person for their chats: it finds them at /forget, but the database alone (without
    KAARI_SECRET) cannot tie a closed chat to the person's key."""
    return hmac.new(secret.encode(), ("forget-tag:" + user_key).encode(), hashlib.sha256).hexdigest()


def code_hash(secret: str, code: str) -> str:
    """What is stored and looked up: HMAC(secret, normalised code)."""
    return hmac.new(secret.encode(), ("invite:" + normalise(code)).encode(), hashlib.sha256).hexdigest()


# --- a group's join code: shorter (read aloud to a room), used by many, shown to its worker again ------------
GROUP_LENGTH = 8  # 40 bits; the attempt limits of invitation codes apply to these too


def is_group_code(text: str) -> bool:
    """Whether a typed code has a group code's shape (8 characters); invitation codes have 12."""
    return len(normalise(text)) == GROUP_LENGTH


def new_salt() -> str:
    """A random salt from which a group's code is derived."""
    return secrets.token_hex(8)


def group_code(secret: str, salt: str) -> str:
    """A group's join code, e.g. 'K7QM-2XHD': derived from KAARI_SECRET and the group's salt, so the database
    alone does not reveal it and the worker can be shown it again."""
    digest = hmac.new(secret.encode(), ("group-code:" + salt).encode(), hashlib.sha256).digest()
    raw = "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:GROUP_LENGTH])
    return raw[:4] + "-" + raw[4:]


# --- a bearer token: a one-time login link, a session (the desk in a browser, #13) ----------------------------
TOKEN_BYTES = 32  # 256 bits: unguessable, so a plain hash is enough to store


def new_token() -> str:
    """A fresh random token, URL-safe (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored and looked up for a token: its SHA-256, so the database alone does not hold it."""
    return hashlib.sha256(token.encode()).hexdigest()

"""Chat ids are kept only encrypted (Fernet from `cryptography`), and only where a flow must write later."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    """Encrypts and decrypts chat addresses with the data key; nothing home-made."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def seal(self, chat_id: int) -> str:
        return self._fernet.encrypt(str(chat_id).encode()).decode()

    def open(self, sealed: str) -> int | None:
        """The chat id, or None if it was sealed with another key (a rotated key, a copied database)."""
        try:
            return int(self._fernet.decrypt(sealed.encode()).decode())
        except (InvalidToken, ValueError):
            return None

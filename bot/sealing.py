"""Chat ids are kept only encrypted (Fernet from `cryptography`), and only where a flow must write later."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def data_keys(value: str) -> list[str]:
    """KAARI_DATA_KEY's keys, newest first: ``new,old,...`` (the first seals, every one opens)."""
    return [part.strip() for part in value.split(",") if part.strip()]


class Sealer:
    """Encrypts and decrypts chat addresses with the data keys; nothing home-made."""

    def __init__(self, key: str) -> None:
        fernets = [Fernet(part.encode()) for part in data_keys(key)]
        self._first, self._fernet = fernets[0], MultiFernet(fernets)
        # How many sealed values could not be opened since start (a key removed too early, a copied database).
        self.unopened = 0

    def seal(self, chat_id: int) -> str:
        return self._fernet.encrypt(str(chat_id).encode()).decode()

    def open(self, sealed: str) -> int | None:
        """The chat id, or None if it was sealed with a key no longer given (counted in ``unopened``)."""
        try:
            return int(self._fernet.decrypt(sealed.encode()).decode())
        except (InvalidToken, ValueError):
            self.unopened += 1
            return None

    def reseal(self, sealed: str) -> str | None:
        """The same value sealed with the first key, or None if no key opens it."""
        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken:
            return None

    def same(self, stored: str, fresh: str) -> bool:
        """Whether a stored sealed address still opens, with the first key, to the same chat as ``fresh``."""
        try:
            # The first key only: a value sealed with an old key is refreshed too, so rotation completes by itself.
            return self._first.decrypt(stored.encode()) == self._first.decrypt(fresh.encode())
        except InvalidToken:
            return False

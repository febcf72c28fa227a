"""One thing, one word, on every screen: found walking the whole ESY method in Swedish (#12)."""

from __future__ import annotations

import re

from bot.i18n import Catalogs

# Finland-Swedish Kaari calls the young person's worker their "kontaktperson" and staff "medarbetare"; a bare
# "arbetare" (a labourer) read oddly beside them on the comparison's screens.
BARE_WORKER = re.compile(r"(?<![a-zåäö])arbetare(n|ns|s)?(?![a-zåäö])", re.IGNORECASE)


def test_swedish_never_calls_a_worker_a_bare_arbetare() -> None:
    odd = {key: text for key, text in Catalogs().messages["sv"].items() if BARE_WORKER.search(text)}
    assert odd == {}


def test_every_back_arrow_looks_the_same() -> None:
    """"↩" as the generic Back button draws it; "↩️" (the emoji form) drew a different arrow on the goals'
    and the review's Back buttons."""
    catalogs = Catalogs()
    odd = {(language, key) for language, texts in catalogs.messages.items() for key, text in texts.items()
           if "↩\ufe0f" in text}
    assert odd == set()

"""The staff flows' typed-name steps, called alone (#11): a step is something a test can point at."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from flows.core.messages import Msg
from flows.identity.staff import MAX_NAME, StoreText, TextStep, has_others, new_client_flow, new_worker_flow

WEEK = timedelta(days=7)


def test_store_text_keeps_the_typed_text_under_its_name() -> None:
    event: Any = SimpleNamespace(model=SimpleNamespace(data={"nickname": "old"}), kwargs={"text": "Aino"})
    StoreText("nickname")(event)
    assert event.model.data == {"nickname": "Aino"}
    assert StoreText("nickname").__name__ == "store_nickname"


def test_text_step_asks_for_a_short_typed_text_with_its_catalog_id() -> None:
    conv: Any = SimpleNamespace(data={})
    ask = TextStep("staff.ask_nickname")(conv)
    assert ask.prompt == Msg("staff.ask_nickname")
    assert ask.free_text and ask.max_length == MAX_NAME and ask.options == ()


def test_the_pair_question_is_asked_only_when_there_is_another_worker() -> None:
    assert has_others(SimpleNamespace(model=SimpleNamespace(data={"others": [[2, {"name": "Mika"}]]})))
    assert not has_others(SimpleNamespace(model=SimpleNamespace(data={"others": []})))


def test_the_tables_name_their_steps() -> None:
    worker, client = new_worker_flow("secret", WEEK), new_client_flow("secret", WEEK)
    assert [step.__name__ for row in worker.transitions for step in row.get("before", [])] == [
        "store_name", "store_title", "no_title", "create_worker"]
    assert [step.__name__ for row in client.transitions for step in row.get("before", [])] == [
        "store_nickname", "store_nickname", "create_client", "create_client"]

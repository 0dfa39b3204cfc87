"""The app served on 127.0.0.1, driven through Gradio's real API (gradio_client); start-up warm-up."""

from __future__ import annotations

import re

import pytest

from tests.ui.conftest import free_port


@pytest.fixture(scope="module")
def tiny_server(tiny_bot):
    from ui.app import build_app, launch

    demo = build_app(tiny_bot)
    _, url, _ = launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


@pytest.mark.slow
def test_chat_api_answers_with_cards_and_paths(tiny_server):
    from gradio_client import Client

    assert tiny_server.startswith("http://127.0.0.1:")
    client = Client(tiny_server, verbose=False)
    reply = client.predict("who directed Jaws?", api_name="/chat")
    assert re.search(r"\*\*\d\. Steven Spielberg\*\* · `person` · \d+% sure", reply), reply
    assert "- Steven Spielberg —directed→ Jaws (1975)" in reply
    assert "Please type" in client.predict("   ", api_name="/chat")
    assert "too long" in client.predict("why " * 600, api_name="/chat")


@pytest.mark.slow
def test_missing_index_is_built_in_the_background(tiny_kg_session_dir, tmp_path):
    from assistant.api import Assistant
    from ui.startup import Warmup

    bot = Assistant.from_path(tiny_kg_session_dir, tmp_path / "fresh-index", build=False, progress=False)
    assert not bot.has_index
    warmup = Warmup(bot)
    assert warmup.status().startswith("⏳ starting")  # before the thread runs: a status, not an error
    assert warmup.start().wait(timeout=300), warmup.status()
    assert bot.has_index and bot.index.exists() and warmup.status() == ""
    assert "Steven Spielberg" in [a.name for a in bot.ask("who directed Jaws?").answers]


def test_warmup_encodes_three_hop_paths_after_ready_and_caches_them(tiny_kg_session_dir, tmp_path):
    from assistant.api import Assistant
    from assistant.kg.verbalize import typed_paths
    from ui.startup import Warmup

    bot = Assistant.from_path(tiny_kg_session_dir, tmp_path / "index", progress=False)
    Warmup(bot)._run()  # what the daemon thread runs: ready after the 2-hop paths, then the 3-hop ones
    two, three = (len({bot.services.text_of(s, t) for s, t in typed_paths(bot.kg, h)}) for h in (2, 3))
    assert three > two
    restarted = Assistant.from_path(tiny_kg_session_dir, tmp_path / "index", progress=False)
    assert restarted.services.matcher.load_cache(restarted.matcher_cache) >= three  # a later start pays nothing
    assert restarted.warm_up(max_hops=3) == 0


def test_errors_read_as_one_sentence():
    from ui.app import readable_error

    try:
        raise ValueError("encoder(s) clep not in this index; it has base\n  File 'x.py', line 3")
    except ValueError as exc:
        text = readable_error(exc)
    assert text == "⚠️ Sorry, that failed: encoder(s) clep not in this index; it has base"


def test_auth_must_be_user_colon_password():
    from ui.app import launch

    with pytest.raises(ValueError, match="user:password"):
        launch(None, auth="justaname")


@pytest.mark.slow
def test_chat_says_it_is_preparing_until_the_warmup_is_done(tiny_bot):
    from gradio_client import Client

    from ui.app import build_app, launch
    from ui.startup import Warmup

    warmup = Warmup(tiny_bot)  # not started: the state of a server whose index is still being built
    warmup.phase = "building the vector index of 16 nodes"
    demo = build_app(tiny_bot, warmup)
    _, url, _ = launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        reply = Client(url, verbose=False).predict("who directed Jaws?", api_name="/chat")
        assert reply.startswith("⏳ building the vector index of 16 nodes…") and "try again" in reply
        warmup.phase = "ready"
        assert "Steven Spielberg" in Client(url, verbose=False).predict("who directed Jaws?", api_name="/chat")
    finally:
        demo.close()

"""The minimal chat serves on 127.0.0.1 and answers through Gradio's real API."""

from __future__ import annotations

import socket

import pytest

from assistant.api import Assistant


@pytest.mark.slow
def test_chat_server_answers(tiny_kg_session_dir, tmp_path_factory):
    from gradio_client import Client

    from ui.app import build_app

    bot = Assistant.from_path(tiny_kg_session_dir, tmp_path_factory.mktemp("ui-index"), progress=False)
    demo = build_app(bot)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _, url, _ = demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                                    quiet=True)
    try:
        assert url.startswith("http://127.0.0.1:")
        reply = Client(url, verbose=False).predict("who directed Jaws?", api_name="/chat")
        assert "Steven Spielberg" in reply and "Steven Spielberg —directed→ Jaws (1975)" in reply
        empty = Client(url, verbose=False).predict("   ", api_name="/chat")
        assert "Please type" in empty
    finally:
        demo.close()

"""The same ask and eval against a real Chroma server started on 127.0.0.1 (`chroma run`)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    if not Path(chroma).exists():
        pytest.skip("the `chroma` command (from the chromadb package) is not installed")
    port = _free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen([chroma, "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the Chroma server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_ask_and_eval_against_a_chroma_server(chroma_url, tiny_kg_session_dir, tmp_path):
    from assistant.api import Assistant
    from assistant.evaluation.datasets import QAItem
    from assistant.evaluation.runner import evaluate
    from retrieval.index import RemoteIndex

    bot = Assistant.from_path(tiny_kg_session_dir, tmp_path / "local", progress=False, chroma_url=chroma_url)
    assert isinstance(bot.index, RemoteIndex) and bot.has_index
    store = bot.index.open_store()
    assert all(name.startswith("local-") for name in store.collections())  # namespaced per KG
    hits = bot.search("great white shark", "project", k=1)
    assert hits[0].node_id == "project:jaws-1975"
    assert bot.ask("who directed Jaws?").answers[0].name == "Steven Spielberg"
    again = bot.build_index(progress=False)
    assert again.up_to_date  # the manifest lives on the server
    report = evaluate(bot, [QAItem("q1", "who directed Jaws?", ["Steven Spielberg"], "one_hop", None)],
                      progress=False)
    assert report.overall.hits1 == 1.0

    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "who scored Jaws", "answers": ["John Williams"]}) + "\n")
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "eval", str(questions), "--kg",
                          str(tiny_kg_session_dir), "--index-dir", str(tmp_path / "local"), "--chroma-url", chroma_url,
                          "--json"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["overall"]["n"] == 1

"""A minimal Gradio chat over the assistant: typed nearest nodes for each message.

The full UI (answer cards, evidence graph, comparisons, person view, evaluation tab) builds on
this module.
"""

from __future__ import annotations

import os
from pathlib import Path

from assistant.api import Assistant
from assistant.config import DEFAULT_KG, set_offline

EXAMPLES = [
    "George Lucas",
    "a director of sci-fi movies",
    "documentary movie about George Lucas",
    "stop-motion animators",
    "a composer who scored space operas",
]


def format_hits(bot: Assistant, text: str, k: int = 8) -> str:
    hits = bot.search(text, None, k)
    if not hits:
        return "Nothing in the graph matches that."
    lines = [f"Nearest nodes to **{text}** (similar by description):", ""]
    for rank, hit in enumerate(hits, 1):
        node = bot.kg.nodes[hit.node_id]
        blurb = (node.description[:140] + "…") if len(node.description) > 140 else node.description
        lines.append(f"{rank}. **{node.label}** · {hit.type} · {hit.score:.2f}  \n   {blurb}")
    return "\n".join(lines)


def build_app(bot: Assistant):
    import gradio as gr

    def respond(message: str, history: list) -> str:
        message = (message or "").strip()
        if not message:
            return "Please type a question or a name."
        if len(message) > 2000:
            return "That message is too long (over 2,000 characters); please shorten it."
        return format_hits(bot, message)

    with gr.Blocks(title="kgqa") as demo:
        gr.Markdown(f"## kgqa — ask the film graph\n{bot.kg.num_nodes:,} nodes · {bot.kg.num_edges:,} edges")
        gr.ChatInterface(respond, examples=EXAMPLES, cache_examples=False, api_name="chat")
    return demo


def serve(kg_path: str | Path = DEFAULT_KG, index_dir: str | Path | None = None, host: str = "127.0.0.1",
          port: int = 7860, auth: str | None = None, share: bool = False) -> None:
    set_offline()
    bot = Assistant.from_path(kg_path, index_dir)
    demo = build_app(bot)
    auth = auth or os.environ.get("KGQA_AUTH")
    credentials = tuple(auth.split(":", 1)) if auth else None
    print(f"kgqa chat on http://{host}:{port}", flush=True)
    demo.queue().launch(server_name=host, server_port=port, share=share, auth=credentials)

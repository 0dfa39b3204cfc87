"""A minimal Gradio chat over the assistant: the answer sentence, ranked answers and their cited paths.

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


def format_answer(bot: Assistant, text: str, k: int = 8) -> str:
    """Markdown for one reply."""
    answer = bot.ask(text, k=k)
    lines = [answer.message]
    if answer.query.clarification:
        lines += [f"- {o['label']} ({o['type']}): {o['description'][:100]}" for o in answer.query.clarification.options]
        return "\n".join(lines)
    lines.append("")
    for rank, item in enumerate(answer.answers, 1):
        node = bot.kg.nodes[item.node_id]
        blurb = (node.description[:140] + "…") if len(node.description) > 140 else node.description
        lines.append(f"{rank}. **{node.label}** · {item.type} · {item.score:.2f}  \n   {blurb}")
        for path in item.paths[:2]:
            lines.append(f"   - `{path.text}`")
        if not item.paths and item.semantic is not None:
            lines.append(f"   - similar by description ({item.semantic:.2f}); no KG path")
    return "\n".join(lines)


def build_app(bot: Assistant):
    import gradio as gr

    def respond(message: str, history: list) -> str:
        message = (message or "").strip()
        if not message:
            return "Please type a question or a name."
        if len(message) > 2000:
            return "That message is too long (over 2,000 characters); please shorten it."
        return format_answer(bot, message)

    with gr.Blocks(title="kgqa") as demo:
        gr.Markdown(f"## kgqa — ask the film graph\n{bot.kg.num_nodes:,} nodes · {bot.kg.num_edges:,} edges")
        gr.ChatInterface(respond, examples=EXAMPLES, cache_examples=False, api_name="chat")
    return demo


def serve(kg_path: str | Path = DEFAULT_KG, index_dir: str | Path | None = None, host: str = "127.0.0.1",
          port: int = 7860, auth: str | None = None, share: bool = False, chroma_url: str | None = None) -> None:
    set_offline()
    bot = Assistant.from_path(kg_path, index_dir, chroma_url=chroma_url)
    print("preparing the question parser (fit once per KG, then cached)...", flush=True)
    _ = bot.parser
    demo = build_app(bot)
    auth = auth or os.environ.get("KGQA_AUTH")
    credentials = tuple(auth.split(":", 1)) if auth else None
    print(f"kgqa chat on http://{host}:{port}", flush=True)
    demo.queue().launch(server_name=host, server_port=port, share=share, auth=credentials)

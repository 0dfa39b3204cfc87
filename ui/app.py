"""The kgqa web app (Gradio Blocks): chat with answer cards and evidence graphs, compare, person view, evaluation.

Layout only: rendering lives in :mod:`ui.render`, drawing in :mod:`ui.evidence`, the other tabs in
:mod:`ui.compare`, :mod:`ui.person` and :mod:`ui.evaluation`, start-up in :mod:`ui.startup`.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from assistant.answer import Answer
from assistant.api import Assistant
from assistant.config import DEFAULT_KG, set_offline
from assistant.kg.errors import KGQAError
from ui import compare, evaluation, guard, models, person
from ui.evidence import draw_evidence
from ui.render import answer_markdown, chosen_reading, escape
from ui.startup import Warmup

log = logging.getLogger(__name__)

#: one example per kind of question the README advertises
EXAMPLES = [
    "who is a good sci-fi director?",
    "which documentaries are about George Lucas?",
    "a composer who scored space operas",
    "stop-motion animators",
    "who directed Dune",
    "George Lucas",
]
ALL_TYPES = "any type"
TOP_ANSWERS = "top answers together"
MAX_TURNS = 4  # earlier answers a follow-up may refer to


@dataclass(frozen=True, slots=True)
class AppSettings:
    """Serving settings.

    Attributes:
        k: Answers per question.
        max_chars: Longest accepted message.
        chat_concurrency: Chat requests answered at once (the rest wait in Gradio's queue).
        eval_concurrency: Evaluation runs at once (their own queue slot, so chats never wait behind them).
        max_file_size: Largest upload Gradio accepts (the evaluation tab checks again, with a clear message).
    """

    k: int = 8
    max_chars: int = 2000
    chat_concurrency: int = 8
    eval_concurrency: int = 1
    max_file_size: str = "2mb"


def readable_error(exc: Exception) -> str:
    """A one-line message for the chat: never a stack trace (that goes to the server log). A user error
    (:class:`KGQAError`, or a ``ValueError``/``KeyError`` about an argument) says what to fix; any other error
    is a bug whose text may hold internals (paths, code), so the user gets its kind and a log reference only."""
    if isinstance(exc, KGQAError):
        log.warning("request refused: %s", exc.sentence())
        return f"⚠️ Sorry, that failed: {escape(exc.sentence())}"
    ref = uuid.uuid4().hex[:8]
    log.exception("request failed [%s]", ref)
    if isinstance(exc, (ValueError, KeyError)):
        raw = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        text = raw.strip().splitlines()[0] if raw.strip() else type(exc).__name__
        return f"⚠️ Sorry, that failed: {escape(text)}"
    return f"⚠️ Sorry, that failed: an internal error ({type(exc).__name__}, logged as [{ref}]). Please try again."


def build_app(bot: Assistant, warmup: Warmup | None = None, settings: AppSettings = AppSettings()):
    """The Gradio Blocks app over ``bot``. With ``warmup`` still running, the chat says it is preparing."""
    import gradio as gr

    kg = bot.kg
    types = [ALL_TYPES] + kg.node_types()

    def not_ready() -> str | None:
        if warmup is None or warmup.ready:
            return None
        return warmup.status() + " — try again in a moment."

    def encoders_now() -> list[str]:
        try:
            return models.index_encoders(bot) if bot.has_index else []
        except Exception:  # noqa: BLE001 -- an index being rebuilt: no filter rather than an error
            return []

    # ---- chat ----------------------------------------------------------------------------
    def answer_turn(message: str, history: list, node_type: str, encoders: list[str], state: dict,
                    stated_only: bool = False):
        """Ask, then return chat history, cleared box, clarification radio, evidence focus, plot, state.

        The state keeps this session's last answers, so follow-ups ("what else did he make?", "only the
        ones from the 80s") resolve against them; a cleared chat starts a new conversation."""
        message = (message or "").strip()
        history = list(history or [])
        hide = gr.Radio(choices=[], value=None, visible=False)
        if not message:
            return history, "", hide, gr.Dropdown(), gr.Plot(), state
        turns = [t for t in (state or {}).get("turns", []) if isinstance(t, Answer)][-MAX_TURNS:] if history else []
        history.append({"role": "user", "content": message})
        reply, state = None, {"turns": turns}
        if len(message) > settings.max_chars:
            reply = f"That message is too long ({len(message):,} characters; the limit is {settings.max_chars:,})."
        elif (wait := not_ready()) is not None:
            reply = wait
        if reply is not None:
            history.append({"role": "assistant", "content": reply})
            return history, "", hide, gr.Dropdown(choices=[], value=None), None, state
        try:
            chosen = list(encoders or [])
            all_encoders = encoders_now()
            answer = models.ask(bot, message, k=settings.k, node_type=None if node_type in (None, ALL_TYPES)
                                else node_type, encoders=chosen if chosen and chosen != all_encoders else None,
                                history=turns, inferred=not stated_only)
            history.append({"role": "assistant", "content": answer_markdown(kg, answer)})
        except Exception as exc:  # noqa: BLE001 -- shown as a sentence
            history.append({"role": "assistant", "content": readable_error(exc)})
            return history, "", hide, gr.Dropdown(choices=[], value=None), None, state
        clar = answer.query.clarification
        if clar is not None:
            state = {"question": message, "mention": clar.mention, "answers": [], "turns": turns}
            radio = gr.Radio(choices=[(f"{o['label']} — {o.get('description', '')[:80]}", o["label"])
                                      for o in clar.options], value=None, visible=True,
                             label=escape(clar.question))
            return history, "", radio, gr.Dropdown(choices=[], value=None), None, state
        state = {"question": message, "answers": answer.answers, "turns": [*turns, answer][-MAX_TURNS:]}
        focus_choices = [TOP_ANSWERS] + [f"{i}. {a.name}" for i, a in enumerate(answer.answers, 1)]
        first = focus_choices[1] if answer.answers else None
        return (history, "", hide, gr.Dropdown(choices=focus_choices, value=first),
                _figure(state, first), state)

    def _figure(state: dict, focus: str | None):
        answers = (state or {}).get("answers") or []
        if not answers or not focus:
            return None
        if focus == TOP_ANSWERS:
            return draw_evidence(kg, answers[:3], "evidence of the top answers")
        index = int(focus.split(".", 1)[0]) - 1
        if not 0 <= index < len(answers):
            return None
        return draw_evidence(kg, [answers[index]], f"evidence for {answers[index].name}")

    def redraw(focus: str, state: dict):
        try:
            return _figure(state, focus)
        except Exception as exc:  # noqa: BLE001
            gr.Warning(readable_error(exc))
            return None

    def clarify(choice: str, history: list, node_type: str, encoders: list[str], state: dict,
                stated_only: bool = False):
        if not choice or not state or "mention" not in state:
            return history, "", gr.Radio(visible=False), gr.Dropdown(), None, state
        question = chosen_reading(state["question"], state["mention"], choice)
        return answer_turn(question, history, node_type, encoders, state, stated_only)

    def open_person(focus: str, state: dict):
        answers = (state or {}).get("answers") or []
        index = int(focus.split(".", 1)[0]) - 1 if focus and focus[0].isdigit() else 0
        target = next((a for a in answers[index:] + answers[:index] if a.type == "person"), None)
        if target is None:
            gr.Info("None of these answers is a person; pick one in the Person tab.")
            return gr.Tabs(), gr.Dropdown()
        return gr.Tabs(selected="person"), gr.Dropdown(value=target.node_id)

    # ---- person view ---------------------------------------------------------------------
    def show_person(person_id: str):
        try:
            profile = person.profile_markdown(kg, person_id)
            note = person.affinity_status(bot)
            fig = person.affinity_figure(bot, person_id) if note is None and person_id else None
            return (profile, (note or "Skill affinity per model stage (softmax over every skill node)."),
                    gr.Plot(fig, visible=fig is not None))
        except Exception as exc:  # noqa: BLE001
            return readable_error(exc), "", gr.Plot(None, visible=False)

    # ---- compare -------------------------------------------------------------------------
    def run_compare(text: str, node_type: str):
        if (wait := not_ready()) is not None:
            return wait
        try:
            return compare.compare_markdown(bot, text, None if node_type == ALL_TYPES else node_type)
        except Exception as exc:  # noqa: BLE001
            return readable_error(exc)

    # ---- evaluation ----------------------------------------------------------------------
    def run_eval(upload, progress=gr.Progress()):  # noqa: B008 -- how Gradio injects a progress bar
        empty = (None, None, None, None)
        if (wait := not_ready()) is not None:
            return (wait, *empty)
        try:
            items = evaluation.validate_upload(upload)
        except evaluation.UploadError as exc:
            return (f"⚠️ {escape(str(exc))}", *empty)
        try:
            def tick(done: int, total: int) -> None:
                progress((done, total), desc=f"asked {done}/{total} questions", unit="questions")

            report = evaluation.run_evaluation(bot, items, progress=tick,
                                               meta={"questions_file": Path(upload).name})
            md, png = evaluation.write_report(report)
        except Exception as exc:  # noqa: BLE001
            return (readable_error(exc), *empty)
        overall = report.overall
        n = len(report.results)
        summary = (f"**{n} question{'' if n == 1 else 's'}** in {report.wall_s:.1f} s — Hits@1 {overall.hits1:.3f}, "
                   f"Hits@{report.k} {overall.hitsk:.3f}, MRR {overall.mrr:.3f}; "
                   f"{len(report.failures)} failure(s) at Hits@1.")
        return summary, evaluation.metrics_rows(report), str(png), evaluation.failure_rows(report), str(md)

    def status_tick():
        text = warmup.status() if warmup is not None else ""
        return gr.Markdown(text, visible=bool(text)), gr.Timer(active=bool(text))

    # ---- layout --------------------------------------------------------------------------
    with gr.Blocks(title="kgqa") as demo:
        gr.Markdown(f"## kgqa — ask the {escape(kg.name)} graph\n{kg.num_nodes:,} nodes · {kg.num_edges:,} edges. "
                    "Every answer cites the KG paths that connect it to your question.")
        status = gr.Markdown(warmup.status() if warmup else "", visible=bool(warmup and not warmup.ready),
                             elem_id="status")
        timer = gr.Timer(2.0, active=bool(warmup and not warmup.ready))
        state = gr.State({})
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(label="kgqa", show_label=False, height=560, elem_id="chat",
                                             buttons=["copy"])
                        clar = gr.Radio(choices=[], label="Which one do you mean?", visible=False,
                                        elem_id="clarify")
                        with gr.Row():
                            box = gr.Textbox(placeholder="Ask about films, people, skills…", show_label=False,
                                             scale=5, elem_id="question", max_lines=3)
                            send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                        gr.Examples(EXAMPLES, inputs=box, label="Try one")
                    with gr.Column(scale=2):
                        type_filter = gr.Dropdown(types, value=ALL_TYPES, label="Answer type", elem_id="type")
                        stated = gr.Checkbox(False, label="Only facts stated in the graph (no inferred answers)",
                                             elem_id="stated-only")
                        found = encoders_now()
                        enc_filter = gr.CheckboxGroup(found, value=found, label="Encoders to search",
                                                      visible=len(found) > 1, elem_id="encoders")
                        focus = gr.Dropdown(choices=[], label="Evidence graph for", elem_id="focus")
                        plot = gr.Plot(label="Evidence graph", elem_id="evidence", format="png")
                        to_person = gr.Button("Open person view", size="sm", elem_id="open-person")
                        note = models.missing_models_note(bot) if bot.has_index else ""
                        if note:
                            with gr.Accordion("More encoders", open=False):
                                gr.Markdown(note)
            with gr.Tab("Compare encoders", id="compare"):
                with gr.Row():
                    cmp_box = gr.Textbox(label="Question or name", elem_id="compare-question", scale=4)
                    cmp_type = gr.Dropdown(types, value=ALL_TYPES, label="Node type", scale=1)
                cmp_btn = gr.Button("Compare", variant="primary", elem_id="compare-run")
                cmp_out = gr.Markdown(elem_id="compare-out")
            with gr.Tab("Person", id="person"):
                who = gr.Dropdown(person.person_choices(kg), value=None, label="Person", filterable=True,
                                  elem_id="person")
                profile = gr.Markdown("Choose a person to see their credits and skills.", elem_id="profile")
                aff_note = gr.Markdown(elem_id="affinity-note")
                aff_plot = gr.Plot(label="Skill affinity per model stage", format="png", visible=False)
            with gr.Tab("Evaluate", id="evaluate"):
                gr.Markdown("Upload a question set — JSONL (`{\"question\": …, \"answers\": [...], \"type\": …}` per "
                            "line) or MetaQA (`question<TAB>answer|answer`), at most "
                            f"{evaluation.EvalLimits().max_questions} questions / {settings.max_file_size}.")
                upload = gr.File(label="Question file", file_types=[".jsonl", ".json", ".txt", ".tsv", ".gz"],
                                 type="filepath", elem_id="eval-file")
                run_btn = gr.Button("Run evaluation", variant="primary", elem_id="eval-run")
                eval_summary = gr.Markdown(elem_id="eval-summary")
                metrics = gr.Dataframe(headers=evaluation.METRIC_COLUMNS, label="Metrics", interactive=False,
                                       elem_id="eval-metrics")
                eval_plot = gr.Image(label="Per-type plot", type="filepath", elem_id="eval-plot")
                failures = gr.Dataframe(headers=evaluation.FAILURE_COLUMNS, label="Failures (top answer wrong)",
                                        interactive=False, wrap=True)
                report = gr.File(label="Report (Markdown)", elem_id="eval-report")

        chat_outputs = [chatbot, box, clar, focus, plot, state]
        chat_inputs = [box, chatbot, type_filter, enc_filter, state, stated]
        # every handler checks its inputs itself (ui.guard): "private" only hides an endpoint from the API page
        known_type = guard.one_of(lambda: types, ALL_TYPES)
        focus_value = guard.focus(TOP_ANSWERS)
        chat_checks = (guard.text, guard.history, known_type, guard.names, guard.state, guard.flag)
        for trigger in (send.click, box.submit):
            trigger(guard.guarded(answer_turn, *chat_checks), chat_inputs, chat_outputs, api_visibility="private",
                    concurrency_id="chat", concurrency_limit=settings.chat_concurrency)
        clar.input(guard.guarded(clarify, guard.optional_text, *chat_checks[1:]),
                   [clar, chatbot, type_filter, enc_filter, state, stated], chat_outputs, api_visibility="private",
                   concurrency_id="chat")
        focus.input(guard.guarded(redraw, focus_value, guard.state), [focus, state], plot, api_visibility="private",
                    concurrency_id="chat")
        to_person.click(guard.guarded(open_person, focus_value, guard.state), [focus, state], [tabs, who],
                        api_visibility="private")
        who.change(guard.guarded(show_person, guard.one_of(lambda: kg.nodes, None)), who,
                   [profile, aff_note, aff_plot], api_visibility="private", concurrency_id="chat")
        compare_checks = (guard.text, known_type)
        cmp_btn.click(guard.guarded(run_compare, *compare_checks), [cmp_box, cmp_type], cmp_out,
                      api_visibility="private", concurrency_id="chat")
        cmp_box.submit(guard.guarded(run_compare, *compare_checks), [cmp_box, cmp_type], cmp_out,
                       api_visibility="private", concurrency_id="chat")
        run_btn.click(guard.guarded(run_eval, guard.uploaded_file), upload,
                      [eval_summary, metrics, eval_plot, failures, report], api_visibility="private",
                      concurrency_id="eval", concurrency_limit=settings.eval_concurrency)
        timer.tick(status_tick, None, [status, timer], api_visibility="private", show_progress="hidden")

        def chat_api(question: str) -> str:
            """Answer one question as Markdown (the answer sentence, then cards with cited paths)."""
            question = guard.text(question)
            if not question:
                return "Please type a question or a name."
            if len(question) > settings.max_chars:
                return f"That message is too long (over {settings.max_chars:,} characters); please shorten it."
            if (wait := not_ready()) is not None:
                return wait
            try:
                return answer_markdown(kg, bot.ask(question, k=settings.k))
            except Exception as exc:  # noqa: BLE001
                return readable_error(exc)

        gr.api(chat_api, api_name="chat", concurrency_id="chat", concurrency_limit=settings.chat_concurrency)
    return demo


def launch(demo, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None, share: bool = False,
           settings: AppSettings = AppSettings(), **kwargs):
    """Queue (so several users chat at once) and launch; ``auth`` is ``user:pass`` (or ``$KGQA_AUTH``)."""
    auth = auth or os.environ.get("KGQA_AUTH")
    if auth and ":" not in auth:
        raise ValueError("--auth / KGQA_AUTH must be user:password")
    credentials = tuple(auth.split(":", 1)) if auth else None
    demo.queue(default_concurrency_limit=settings.chat_concurrency, max_size=256)
    return demo.launch(server_name=host, server_port=port, share=share, auth=credentials,
                       max_file_size=settings.max_file_size, show_error=False, **kwargs)


def serve(kg_path: str | Path = DEFAULT_KG, index_dir: str | Path | None = None, host: str = "127.0.0.1",
          port: int = 7860, auth: str | None = None, share: bool = False, chroma_url: str | None = None) -> None:
    """``kgqa chat``: serve at once; a missing index is built in the background with progress shown in the page."""
    set_offline()
    bot = Assistant.from_path(kg_path, index_dir, build=False, chroma_url=chroma_url)
    warmup = Warmup(bot).start()
    demo = build_app(bot, warmup)
    print(f"kgqa chat on http://{host}:{port}", flush=True)
    launch(demo, host, port, auth, share)

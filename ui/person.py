"""The person view for recruiters: profile, credits by role, skills, and the skill-affinity chart per model stage."""

from __future__ import annotations

import importlib
from collections import defaultdict
from pathlib import Path

from assistant.api import Assistant
from assistant.kg.graph import KnowledgeGraph
from ui import models
from ui.render import escape, one_line

SKILL_RELATION = "has_skill"
TOP_SKILLS = 8


def person_choices(kg: KnowledgeGraph) -> list[tuple[str, str]]:
    """``(label, node id)`` of every person, sorted by name, for a searchable dropdown."""
    return sorted(((n.label, n.id) for n in kg.nodes_of_type("person")), key=lambda p: p[0].lower())


def _year(kg: KnowledgeGraph, node_id: str) -> int:
    year = kg.nodes[node_id].attr("year")
    return int(year) if isinstance(year, int | float) else 0


def profile_markdown(kg: KnowledgeGraph, person_id: str) -> str:
    """Name, description and facts; skills; credits grouped by role (newest first); what is about them."""
    if not person_id or person_id not in kg:
        return "Choose a person to see their credits and skills."
    node = kg.nodes[person_id]
    lines = [f"### {escape(node.label)}", escape(node.description) or "*(no description)*"]
    facts = ", ".join(f"{k}: {v}" for k, v in (node.attributes or {}).items())
    if facts:
        lines.append(f"*{escape(facts)}*")
    skills = [kg.nodes[h.node].label for h in kg.neighbors(person_id, SKILL_RELATION, "out")]
    lines.append("**Skills:** " + (", ".join(escape(s) for s in sorted(skills)) if skills else "none recorded"))
    credits: dict[str, list[str]] = defaultdict(list)
    other: dict[str, list[str]] = defaultdict(list)
    for hop in kg.neighbors(person_id, direction="both"):
        if hop.edge.relation == SKILL_RELATION:
            continue
        # an incoming edge reads from the person's side: "subject of", "founded by"...
        verb = kg.schema.verbalize(hop.edge.relation, inverse=hop.inverse)
        (credits if kg.nodes[hop.node].type == "project" and not hop.inverse else other)[verb].append(hop.node)
    lines.append(f"**Credits** ({sum(len(v) for v in credits.values())}):")
    for verb, ids in sorted(credits.items(), key=lambda kv: -len(kv[1])):
        ids = sorted(set(ids), key=lambda i: -_year(kg, i))
        lines.append(f"- *{escape(verb)}* ({len(ids)}): " + ", ".join(escape(kg.nodes[i].label) for i in ids))
    for verb, ids in sorted(other.items()):
        ids = sorted(set(ids), key=lambda i: -_year(kg, i))
        lines.append(f"- *{escape(verb)}*: " + ", ".join(escape(kg.nodes[i].label) for i in ids[:15]))
    return "\n".join(lines)


# ---- skill affinity per model stage (training.sbert.affinity, when it and a checkpoint exist) ---------------


def _affinity_module():
    try:
        return importlib.import_module("training.sbert.affinity")
    except ImportError:
        return None


def _stages(bot: Assistant, module) -> dict[str, Path | None]:
    """``{"base": None, "epoch-1": folder, ..., "final": folder}`` for the fine-tuned SBERT checkpoint."""
    folder = models.checkpoint_folder(bot, "sbert")
    for name in ("list_stages", "available_stages", "stages"):
        lister = getattr(module, name, None)
        if callable(lister):
            found = lister(folder)
            if isinstance(found, dict):
                return {"base": None, **{k: (Path(v) if v else None) for k, v in found.items()}}
            return {"base": None, **{str(s): folder / str(s) for s in found if str(s) != "base"}}
    stages: dict[str, Path | None] = {"base": None}
    if folder.exists():  # checkpoint folders: sub-folders with a SentenceTransformer config, then the final model
        for sub in sorted(p for p in folder.iterdir() if (p / "modules.json").exists()):
            stages[sub.name] = sub
        if (folder / "modules.json").exists():
            stages["final"] = folder
    return stages


def affinity_status(bot: Assistant) -> str | None:
    """Why the affinity chart cannot be drawn (a plain sentence), or ``None`` when it can."""
    module = _affinity_module()
    if module is None or not hasattr(module, "skill_affinity"):
        return "Skill affinity needs `training.sbert.affinity`, which is not installed in this build."
    if len(_stages(bot, module)) < 2:
        return ("No fine-tuned encoder yet: run `kgqa train sbert` to see how the skill affinity changes "
                "from the base model to each training stage.")
    return None


def affinity_figure(bot: Assistant, person_id: str):
    """The top skills' affinity per stage as grouped horizontal bars, or ``None`` when unavailable."""
    if affinity_status(bot) is not None or person_id not in bot.kg:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from retrieval.encoders import load_encoder

    module = _affinity_module()
    stages = _stages(bot, module)
    encoders = {name: (bot.encoder if path is None else load_encoder("sbert-ft", path)) for name, path in
                stages.items()}
    result = module.skill_affinity(bot.kg, person_id, encoders)
    final = list(result)[-1]
    top = [sid for sid, _ in sorted(result[final], key=lambda p: -p[1])[:TOP_SKILLS]]
    fig = Figure(figsize=(7.5, 0.45 * len(top) * max(1, len(result)) ** 0.5 + 1.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    height = 0.8 / len(result)
    for j, (stage, probs) in enumerate(result.items()):
        lookup = dict(probs)
        ax.barh([i + (j - (len(result) - 1) / 2) * height for i in range(len(top))],
                [lookup.get(s, 0.0) for s in top], height, label=stage)
    ax.set_yticks(range(len(top)), [one_line(bot.kg.nodes[s].label, 30) for s in top], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("affinity (softmax over all skills)")
    ax.set_title(f"Skill affinity of {bot.kg.nodes[person_id].label} per model stage", fontsize=10)
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return fig

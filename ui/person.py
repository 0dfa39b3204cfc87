"""The person view for recruiters: profile, credits by role, skills, and the skill-affinity chart per model stage."""

from __future__ import annotations

import importlib
from collections import defaultdict

from assistant.api import Assistant
from assistant.kg.graph import KnowledgeGraph
from ui import models
from ui.render import escape

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
    # paragraphs for the profile, one Markdown list for the credits
    head = next(i for i, line in enumerate(lines) if line.startswith("**Credits**"))
    return "\n\n".join(lines[:head + 1]) + "\n\n" + "\n".join(lines[head + 1:])


# ---- skill affinity per model stage (training.sbert.affinity): base vs the KG-tuned matcher, out of the box -----
AFFINITY_API = ("list_stages", "load_stage_encoders", "skill_affinity", "plot_skill_affinity")


def _affinity_module():
    try:
        module = importlib.import_module("training.sbert.affinity")
    except ImportError:
        return None
    return module if all(hasattr(module, name) for name in AFFINITY_API) else None


class _ReadingSide:
    """The reading matcher as an encoder for the affinity chart: its reading-side vectors (the space node and
    skill texts live in), so "base" and the KG-tuned matcher are compared in like terms."""

    def __init__(self, matcher) -> None:
        self.matcher = matcher

    def encode(self, texts: list[str]):
        return self.matcher.encode_readings(list(texts))


def affinity_status(bot: Assistant) -> str | None:
    """Why the affinity chart cannot be drawn (a plain sentence), or ``None`` when it can."""
    if _affinity_module() is None:
        return "Skill affinity needs `training.sbert.affinity`, which is not in this build."
    if "skill" not in bot.kg.node_types():
        return "This KG has no skills to show an affinity for."
    return None


def stage_encoders(bot: Assistant) -> dict:
    """Encoders to compare: the base model, the KG-tuned reading matcher (shipped, or fitted to this KG), and
    every stage of a ``kgqa train sbert`` checkpoint when there is one."""
    module = _affinity_module()
    folder = models.checkpoint_folder(bot, "sbert-ft")
    stages = module.list_stages(folder if folder.exists() else None)
    encoders = module.load_stage_encoders(folder if folder.exists() else None, ["base"])
    matcher = bot.services.matcher
    if getattr(matcher, "manifest", None):
        encoders["KG-tuned matcher"] = _ReadingSide(matcher)
    if len(stages) > 1:
        encoders.update(module.load_stage_encoders(folder, [n for n in stages if n != "base"]))
    return encoders


def affinity_figure(bot: Assistant, person_id: str):
    """The top skills' affinity per model stage (base, the KG-tuned matcher, sbert stages) as grouped bars, or
    ``None`` when unavailable."""
    if affinity_status(bot) is not None or person_id not in bot.kg:
        return None
    module = _affinity_module()
    affinity = module.skill_affinity(bot.kg, person_id, stage_encoders(bot))
    return module.plot_skill_affinity(affinity, bot.kg, top_k=TOP_SKILLS,
                                      title=f"Skill affinity of {bot.kg.nodes[person_id].label} per model stage")

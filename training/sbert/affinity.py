"""Skill affinity, the recruiter's view: how a person's profile maps onto the KG's skill nodes, per model stage.

For a person and an encoder, the affinity to each skill is ``softmax(cos(person, skill) / T)`` over every
``skill`` node, where the person's text is what the index embeds for them (name, description, credits,
listed skills: :func:`retrieval.node_text.node_text`) and a skill's text is its name and description.
``T`` = 0.05 by default: the scale (20 = 1/0.05) that ``MultipleNegativesRankingLoss`` trains the cosine
similarities with, so the distribution is the one the fine-tuned model was optimised to sharpen. Comparing
``base`` with ``epoch-1``, ``epoch-2``, … shows how training moves a person's profile.

Typical use (e.g. from the UI)::

    stages = load_stage_encoders(checkpoint_dir("films", "sbert-ft"))     # {"base": …, "epoch-1": …}
    aff = skill_affinity(kg, "person:phil-tippett", stages)                # {stage: [(skill id, prob), …]}
    fig = plot_skill_affinity(aff, kg)                                     # matplotlib Figure
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.kg.graph import KnowledgeGraph
from assistant.kg.node_text import node_text

DEFAULT_TEMPERATURE = 0.05
SKILL_TYPE = "skill"


def skill_text(kg: KnowledgeGraph, skill_id: str) -> str:
    """A skill as the encoder sees it here: ``"Stop-motion Animation (skill). <description>"``."""
    node = kg.node(skill_id)
    return f"{node.name} ({node.type})" + (f". {node.description}" if node.description else "")


def skill_affinity(kg: KnowledgeGraph, person_id: str, encoders: dict, temperature: float = DEFAULT_TEMPERATURE,
                   skill_type: str = SKILL_TYPE) -> dict[str, list[tuple[str, float]]]:
    """The distribution over skill nodes of one person, for each encoder (stage).

    Args:
        kg: The knowledge graph.
        person_id: Id of the person node (any node works; people are what it is for).
        encoders: ``{stage name: encoder}``; an encoder has ``encode(texts) -> L2-normalised np.ndarray``
            (e.g. from :func:`load_stage_encoders`).
        temperature: Softmax temperature over cosine similarities (lower: sharper).
        skill_type: Node type of skills.

    Returns:
        ``{stage: [(skill id, probability), …]}`` sorted by probability, highest first; each sums to 1.

    Raises:
        KeyError: ``person_id`` is not a node. ValueError: the KG has no ``skill_type`` nodes, or temperature ≤ 0.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    person = kg.node(person_id)
    skills = [n.id for n in kg.nodes_of_type(skill_type)]
    if not skills:
        raise ValueError(f"the KG {kg.name!r} has no {skill_type!r} nodes; node types: {', '.join(kg.node_types())}")
    texts = [skill_text(kg, s) for s in skills]
    person_text = node_text(kg, person)
    out: dict[str, list[tuple[str, float]]] = {}
    for stage, encoder in encoders.items():
        vectors = np.asarray(encoder.encode([person_text, *texts]), dtype=np.float64)
        logits = vectors[1:] @ vectors[0] / temperature
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = np.argsort(-probs, kind="stable")
        out[stage] = [(skills[i], float(probs[i])) for i in order]
    return out


def list_stages(checkpoint: str | Path | None) -> dict[str, Path]:
    """Stages of a ``kgqa train sbert`` checkpoint, in training order: ``{"base": path, "epoch-1": path, …}``.

    ``base`` is always there (the packaged all-MiniLM-L6-v2); a folder without ``stages/`` that is itself
    a model counts as ``final``. Missing or unreadable stage folders are skipped.
    """
    from training.text_encoder import base_model_path

    stages: dict[str, Path] = {"base": base_model_path()}
    if checkpoint is None:
        return stages
    root = Path(checkpoint)
    found = []
    for folder in sorted((root / "stages").glob("*")) if (root / "stages").is_dir() else []:
        if not (folder / "config.json").exists() or not (folder / "model.safetensors").exists():
            continue
        try:
            step = int(json.loads((folder / "stage.json").read_text()).get("step", 0))
        except (OSError, ValueError):
            step = 0
        found.append((step, folder.name, folder))
    for _, name, folder in sorted(found):
        stages[name] = folder
    if not found and (root / "model.safetensors").exists():
        stages["final"] = root
    return stages


def load_stage_encoders(checkpoint: str | Path | None, names: list[str] | None = None,
                        device: str | None = None) -> dict:
    """Encoders of the stages of ``checkpoint`` (all of them, or ``names``), loaded once per process.

    Raises:
        retrieval.encoders.EncoderUnavailable: a stage's files are missing or corrupt; KeyError: unknown stage.
    """
    from training.text_encoder import load_text_encoder as load_encoder

    stages = list_stages(checkpoint)
    wanted = names or list(stages)
    unknown = [n for n in wanted if n not in stages]
    if unknown:
        raise KeyError(f"no stage {', '.join(unknown)} in {checkpoint}; available: {', '.join(stages)}")
    return {n: load_encoder("base") if n == "base" else load_encoder("sbert-ft", stages[n], device) for n in wanted}


def plot_skill_affinity(affinity: dict[str, list[tuple[str, float]]], kg: KnowledgeGraph | None = None,
                        top_k: int = 8, title: str | None = None):
    """Grouped horizontal bars: the ``top_k`` skills (by the last stage, then the others) × stages.

    Args:
        affinity: Output of :func:`skill_affinity`.
        kg: Used to show skill names instead of ids.
        top_k: How many skills to show.
        title: Figure title.

    Returns:
        A ``matplotlib.figure.Figure`` (no pyplot state, safe in a server thread).
    """
    from matplotlib.figure import Figure

    stages = list(affinity)
    if not stages:
        raise ValueError("nothing to plot: the affinity has no stages")
    probs = {s: dict(affinity[s]) for s in stages}
    shown: list[str] = []
    for stage in reversed(stages):  # the trained model's favourites first, then what earlier stages liked
        for skill, _ in affinity[stage]:
            if len(shown) >= top_k:
                break
            if skill not in shown:
                shown.append(skill)
    labels = [kg.nodes[s].name if kg is not None and s in kg.nodes else s for s in shown]
    fig = Figure(figsize=(7, 0.45 * len(shown) * max(1, len(stages)) ** 0.5 + 1.4))
    ax = fig.add_subplot()
    height = 0.8 / len(stages)
    y = np.arange(len(shown))
    for j, stage in enumerate(stages):
        ax.barh(y + j * height, [probs[stage].get(s, 0.0) for s in shown], height=height, label=stage)
    ax.set_yticks(y + height * (len(stages) - 1) / 2, labels)
    ax.invert_yaxis()
    ax.set_xlabel("affinity (softmax of cosine similarity)")
    ax.legend(loc="lower right", fontsize="small")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig

"""The person view: profile, credits by role, skills; the affinity chart or why it is missing."""

from __future__ import annotations

import pytest

from ui.person import affinity_figure, affinity_status, person_choices, profile_markdown


def test_profile_lists_skills_and_credits_by_role(tiny_kg):
    md = profile_markdown(tiny_kg, "person:john-williams")
    assert md.startswith("### John Williams\n\nComposer of many film scores.")
    assert "**Skills:** Film Scoring" in md
    verb = tiny_kg.schema.verbalize("composed_music_for")
    # newest first
    assert f"- *{verb}* (3): Jurassic Park (1993), Star Wars (1977), Jaws (1975)" in md


def test_incoming_edges_read_from_the_person_side(tiny_kg):
    md = profile_markdown(tiny_kg, "person:george-lucas")
    assert f"- *{tiny_kg.schema.verbalize('about', inverse=True)}*: Empire of Dreams (2004)" in md


def test_unknown_person_and_choices(tiny_kg):
    assert profile_markdown(tiny_kg, "person:nobody").startswith("Choose a person")
    choices = person_choices(tiny_kg)
    assert ("George Lucas", "person:george-lucas") in choices and len(choices) == 4


@pytest.mark.slow
def test_affinity_chart_compares_base_and_the_kg_tuned_matcher_out_of_the_box(tiny_bot):
    assert affinity_status(tiny_bot) is None  # nothing needs training first
    fig = affinity_figure(tiny_bot, "person:phil-tippett")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["base", "KG-tuned matcher"]
    assert "Stop-motion Animation" in {t.get_text() for t in fig.axes[0].get_yticklabels()}


@pytest.mark.slow
def test_affinity_chart_per_stage_when_a_checkpoint_exists(tiny_bot, tmp_path, monkeypatch):
    """A real (one-stage) SentenceTransformer checkpoint under $KGQA_HOME: the chart has base and that stage."""
    pytest.importorskip("training.sbert.affinity")
    from retrieval.encoders import load_encoder
    from ui import models

    monkeypatch.setenv("KGQA_HOME", str(tmp_path))
    folder = models.checkpoint_folder(tiny_bot, "sbert-ft")
    load_encoder("base").model.save(str(folder / "stages" / "epoch-1"))
    assert affinity_status(tiny_bot) is None
    fig = affinity_figure(tiny_bot, "person:phil-tippett")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[0] == "base" and "KG-tuned matcher" in legend and "epoch-1" in legend
    assert "Stop-motion Animation" in {t.get_text() for t in fig.axes[0].get_yticklabels()}

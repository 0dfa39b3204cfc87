"""The person view: profile, credits by role, skills; the affinity chart or why it is missing."""

from __future__ import annotations

from ui.person import affinity_status, person_choices, profile_markdown


def test_profile_lists_skills_and_credits_by_role(tiny_kg):
    md = profile_markdown(tiny_kg, "person:john-williams")
    assert md.startswith("### John Williams\nComposer of many film scores.")
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


def test_affinity_says_what_is_missing(tiny_bot):
    status = affinity_status(tiny_bot)
    if status is not None:  # no affinity module or no checkpoint in this environment: a plain instruction
        assert "kgqa train sbert" in status or "training.sbert.affinity" in status

"""Skill affinity: a distribution per stage, moved by training, drawn as a chart."""

from __future__ import annotations

import numpy as np
import pytest

from training.sbert.affinity import load_stage_encoders, plot_skill_affinity, skill_affinity

#: the shared fixture trains for a few steps (about 15 s on a free 2-core CPU)
pytestmark = pytest.mark.slow



def test_affinity_sums_to_one_and_changes_after_training(tiny_kg, tiny_run):
    out, _ = tiny_run
    encoders = load_stage_encoders(out)
    assert list(encoders) == ["base", "step-4"]
    aff = skill_affinity(tiny_kg, "person:phil-tippett", encoders)
    skills = {n.id for n in tiny_kg.nodes_of_type("skill")}
    for ranked in aff.values():
        assert {s for s, _ in ranked} == skills
        probs = [p for _, p in ranked]
        assert np.isclose(sum(probs), 1.0) and probs == sorted(probs, reverse=True)
    assert aff["base"][0][0] == "skill:stop-motion-animation"  # his profile says stop-motion
    before, after = dict(aff["base"]), dict(aff["step-4"])
    assert max(abs(before[s] - after[s]) for s in skills) > 1e-4
    sharper = skill_affinity(tiny_kg, "person:phil-tippett", {"base": encoders["base"]}, temperature=0.01)
    assert sharper["base"][0][1] > aff["base"][0][1]
    fig = plot_skill_affinity(aff, tiny_kg, top_k=2, title="Phil Tippett")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "Stop-motion Animation" and len(labels) == 2
    assert len(fig.axes[0].patches) == 2 * 2  # 2 skills x 2 stages


def test_affinity_errors(tiny_kg, base_encoder, tiny_run):
    with pytest.raises(KeyError):
        skill_affinity(tiny_kg, "person:nobody", {"base": base_encoder})
    with pytest.raises(ValueError, match="temperature"):
        skill_affinity(tiny_kg, "person:phil-tippett", {"base": base_encoder}, temperature=0)
    with pytest.raises(KeyError, match="available: base, step-4"):
        load_stage_encoders(tiny_run[0], ["epoch-9"])

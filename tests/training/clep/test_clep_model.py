"""CLEP's loss, duplicate masking, known-triple masking and cross-space filtered ranking (no text encoder)."""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn import functional as F

from training.clep.evaluate import CrossSpaceRanker
from training.clep.model import ClepConfig, ClepModel, contrastive_loss
from training.clep.train import KnownTriples
from training.link_prediction.evaluation import filtered_ranks


def _unit(rows: int, dim: int, seed: int) -> torch.Tensor:
    return F.normalize(torch.randn(rows, dim, generator=torch.Generator().manual_seed(seed)), dim=-1)


def test_loss_is_finite_and_symmetric():
    g, t = _unit(8, 16, 0), _unit(8, 16, 1)
    ids = torch.arange(8)
    loss = contrastive_loss(g, t, torch.tensor(10.0), ids)
    assert torch.isfinite(loss)
    # ½(CE(M) + CE(Mᵀ)) does not care which side is called graph and which text
    assert torch.allclose(loss, contrastive_loss(t, g, torch.tensor(10.0), ids))
    manual = 0.5 * (F.cross_entropy(10 * g @ t.t(), ids) + F.cross_entropy(10 * t @ g.t(), ids))
    assert torch.allclose(loss, manual)


def test_duplicate_texts_are_not_negatives_of_each_other():
    # rows 0 and 1 have the same tail text: perfectly aligned, they would still confuse each other
    t = torch.eye(4)[[0, 0, 1, 2]]
    g = t.clone()
    scale = torch.tensor(50.0)
    unmasked = contrastive_loss(g, t, scale, torch.arange(4))
    masked = contrastive_loss(g, t, scale, torch.tensor([7, 7, 1, 2]))
    # rows 0 and 1 each split their mass between two columns: log 2 for half of the rows
    assert float(unmasked) == pytest.approx(0.5 * math.log(2), abs=1e-3)
    assert masked < 1e-6


def test_same_query_rows_are_masked_in_the_transposed_direction():
    # rows 0 and 1 ask the same (h, r) for two different true tails: identical graph vectors
    g = torch.eye(3)[[0, 0, 1]]
    t = F.normalize(torch.tensor([[1.0, 0.1, 0], [1.0, -0.1, 0], [0, 1.0, 0]]), dim=-1)
    scale = torch.tensor(50.0)
    text_ids = torch.arange(3)
    plain = contrastive_loss(g, t, scale, text_ids)
    masked = contrastive_loss(g, t, scale, text_ids, query_ids=torch.tensor([5, 5, 6]))
    assert masked < plain


def test_known_triples_pair_mask():
    train = torch.tensor([[0, 0, 1], [0, 0, 2], [3, 1, 2]])
    known = KnownTriples(train, num_entities=4, num_relations=2)
    batch = torch.tensor([[0, 0, 1], [3, 1, 2], [3, 1, 0]])
    mask = known.pair_mask(batch)
    # (0,0,2) is true -> row 0, column 1 (whose tail is 2); (3,1,1) is not -> row 1, column 0
    expected = torch.tensor([[True, True, False], [False, True, False], [False, True, False]])
    assert torch.equal(mask, expected)


def test_cross_space_filtered_ranking_on_a_hand_built_case():
    torch.manual_seed(0)
    model = ClepModel(ClepConfig(num_entities=5, num_relations=2, text_dim=4, embedding_dim=8, hidden_dim=8,
                                 output_dim=4)).eval()
    with torch.no_grad():
        q = model.graph(torch.tensor([0]), torch.tensor([0]))[0]
    other = F.normalize(torch.randn(4) - (torch.randn(4) @ q) * q, dim=0)
    other = F.normalize(other - (other @ q) * q, dim=0)  # orthogonal to q
    # scores of entity 0..4 for the query (e0, r): 0.8, 1.0, -1.0, 0.5, 0.0
    texts = torch.stack([0.8 * q + 0.6 * other, q, -q, 0.5 * q + math.sqrt(0.75) * other, other])
    ranker = CrossSpaceRanker(model, ["e0", "e1", "e2", "e3", "e4"], ["r"], texts)
    test = [("e0", "r", "e3")]
    filtered = filtered_ranks(ranker, test, known=[("e0", "r", "e1"), ("e0", "r", "e3")])
    raw = filtered_ranks(ranker, test, known=[("e0", "r", "e3")])
    assert filtered["tail"][0] == 2.0  # only e0 (0.8) is above once the true e1 (1.0) is filtered
    assert raw["tail"][0] == 3.0


def test_bad_graph_layer_is_refused():
    with pytest.raises(ValueError, match="graph_layer"):
        ClepModel(ClepConfig(num_entities=2, num_relations=2, text_dim=4, graph_layer="gat"))


def test_rgcn_graph_layer_refines_entity_states():
    torch.manual_seed(0)
    model = ClepModel(ClepConfig(num_entities=4, num_relations=2, text_dim=4, embedding_dim=8, hidden_dim=8,
                                 output_dim=4, graph_layer="rgcn", num_bases=2))
    with pytest.raises(RuntimeError, match="set_graph"):
        model.entity_states()
    model.set_graph(torch.tensor([[0, 0, 1], [1, 1, 0], [2, 0, 3]]))
    states = model.entity_states()
    assert states.shape == (4, 8) and not torch.equal(states, model.entity.weight)
    g = model.graph(torch.tensor([0, 2]), torch.tensor([0, 1]))
    loss = contrastive_loss(g, model.text(torch.randn(2, 4)), model.scale(), torch.arange(2))
    loss.backward()
    assert torch.isfinite(loss) and model.rgcn.weight.grad is not None


def test_text_enhanced_graph_tower_uses_the_head_text():
    torch.manual_seed(0)
    model = ClepModel(ClepConfig(num_entities=3, num_relations=2, text_dim=4, embedding_dim=8, hidden_dim=8,
                                 output_dim=4, head_text=True, dropout=0.0)).eval()
    heads, rels = torch.tensor([0, 1]), torch.tensor([0, 1])
    before = model.graph(heads, rels)
    model.entity_text.copy_(torch.randn(3, 4))
    after = model.graph(heads, rels)
    assert not torch.allclose(before, after)
    assert torch.allclose(after, model.graph(heads, rels, model.entity_states()), atol=1e-6)

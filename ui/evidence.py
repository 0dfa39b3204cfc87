"""The evidence picture: the subgraph of an answer's cited KG paths, nodes coloured by type, edges labelled."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer import RankedAnswer
from assistant.kg.graph import KnowledgeGraph

#: colour per node type (tab10-like, fixed so a type keeps its colour between answers)
TYPE_COLOURS = {
    "person": "#4e79a7", "project": "#f28e2b", "genre": "#59a14f", "keyword": "#76b7b2", "skill": "#e15759",
    "company": "#b07aa1", "franchise": "#edc948", "language": "#9c755f", "country": "#bab0ac", "year": "#ff9da7",
}
FALLBACK_COLOURS = ["#8cd17d", "#86bcb6", "#f1ce63", "#d37295", "#a0cbe8", "#ffbe7d"]


@dataclass(frozen=True, slots=True)
class EvidenceSettings:
    """Drawing settings.

    Attributes:
        max_answers: Answers whose paths are merged into one picture when no single answer is chosen.
        max_paths: Paths drawn per answer.
        width, height: Figure size in inches.
    """

    max_answers: int = 3
    max_paths: int = 3
    width: float = 6.0
    height: float = 4.2


def type_colour(node_type: str) -> str:
    if node_type in TYPE_COLOURS:
        return TYPE_COLOURS[node_type]
    return FALLBACK_COLOURS[sum(map(ord, node_type)) % len(FALLBACK_COLOURS)]


def evidence_graph(kg: KnowledgeGraph, answers: Sequence[RankedAnswer],
                   settings: EvidenceSettings = EvidenceSettings()):
    """A networkx MultiDiGraph of the cited paths; every edge points the way the KG edge does.

    Returns:
        The graph; nodes carry ``label`` and ``type``, edges ``relation`` (verbalised); answer nodes ``answer=True``.
    """
    import networkx as nx

    g = nx.MultiDiGraph()

    def add_node(node_id: str, layer: int, is_answer: bool = False) -> None:
        node = kg.nodes.get(node_id)
        label = node.label if node is not None else node_id
        kind = node.type if node is not None else "?"
        if node_id not in g:
            g.add_node(node_id, label=label, type=kind, answer=is_answer, layer=layer)
        else:  # a node keeps its nearest position to an answer (layer 0 = the answers)
            g.nodes[node_id]["layer"] = min(g.nodes[node_id]["layer"], layer)
            g.nodes[node_id]["answer"] |= is_answer

    for item in answers:
        if item.node_id not in kg.nodes:  # a count: no node to draw
            continue
        add_node(item.node_id, 0, is_answer=True)
        predicted = getattr(item, "predicted", None) if getattr(item, "inferred", False) else None
        if predicted and predicted.get("head") in kg.nodes and predicted.get("tail") in kg.nodes:
            other = predicted["tail"] if predicted["head"] == item.node_id else predicted["head"]
            add_node(other, 1)
            g.add_edge(predicted["head"], predicted["tail"], key=f"predicted:{predicted['relation']}",
                       relation=kg.schema.verbalize(predicted["relation"]) + f" ({predicted['probability']:.2f}?)",
                       predicted=True)
        for path in item.paths[: settings.max_paths]:
            for i, relation in enumerate(path.relations):
                a, b = path.nodes[i], path.nodes[i + 1]
                add_node(a, i)
                add_node(b, i + 1)
                src, dst = (b, a) if path.inverse[i] else (a, b)
                if not g.has_edge(src, dst, key=relation):
                    g.add_edge(src, dst, key=relation, relation=kg.schema.verbalize(relation))
    return g


def draw_evidence(kg: KnowledgeGraph, answers: Sequence[RankedAnswer], title: str = "",
                  settings: EvidenceSettings = EvidenceSettings()):
    """Draw the cited paths of ``answers`` as a matplotlib Figure (Agg canvas: safe in worker threads).

    Returns:
        The Figure, or ``None`` when there is nothing to draw.
    """
    import networkx as nx
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    answers = list(answers)
    if not answers:
        return None
    g = evidence_graph(kg, answers, settings)
    from collections import Counter

    tallest = max(Counter(d["layer"] for _, d in g.nodes(data=True)).values())
    fig = Figure(figsize=(settings.width, max(settings.height, 0.62 * tallest + 1.4)), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_axis_off()
    # paths run answer -> anchor, so columns by hop distance read left to right like the cited text
    pos = (nx.multipartite_layout(g, subset_key="layer", align="vertical") if len(g) > 1
           else {n: (0.0, 0.0) for n in g})
    colours = [type_colour(g.nodes[n]["type"]) for n in g]
    sizes = [1400 if g.nodes[n]["answer"] else 900 for n in g]
    edgecolors = ["#222222" if g.nodes[n]["answer"] else "white" for n in g]
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color=colours, node_size=sizes, edgecolors=edgecolors, linewidths=2)
    stated = [(u, v) for u, v, d in g.edges(data=True) if not d.get("predicted")]
    predicted = [(u, v) for u, v, d in g.edges(data=True) if d.get("predicted")]
    nodes = list(g)
    nx.draw_networkx_edges(g, pos, edgelist=stated, ax=ax, arrows=True, arrowsize=14, edge_color="#666666",
                           node_size=sizes, nodelist=nodes, connectionstyle="arc3,rad=0.08")
    if predicted:  # an edge the graph does not state, predicted by link prediction: dashed, in red
        nx.draw_networkx_edges(g, pos, edgelist=predicted, ax=ax, arrows=True, arrowsize=14, edge_color="#c0392b",
                               style="dashed", node_size=sizes, nodelist=nodes, connectionstyle="arc3,rad=0.08")
    labels = {n: textwrap.fill(g.nodes[n]["label"], 16) for n in g}
    nx.draw_networkx_labels(g, pos, labels, ax=ax, font_size=8)
    edge_labels = {(u, v): d["relation"] for u, v, d in g.edges(data=True)}
    nx.draw_networkx_edge_labels(g, pos, edge_labels, ax=ax, font_size=7, font_color="#333333",
                                 bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    types = sorted({g.nodes[n]["type"] for n in g})
    handles = [Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=type_colour(t),
                      markeredgecolor="white", label=t) for t in types]
    ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=False, ncol=min(len(types), 5))
    if title:
        ax.set_title(title, fontsize=9)
    ax.margins(0.15)
    ys = [y for _, y in pos.values()]
    if max(ys) - min(ys) < 1e-6:  # one node per column: centre the row instead of a degenerate y-range
        ax.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    fig.tight_layout()
    return fig

"""Fitting the relation-path classifier on labelled questions (MetaQA dev with its question types): a feature
of the reading ranker where such questions exist (``kgqa train parser --metaqa``)."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from assistant.evaluation.datasets import QAItem, read_metaqa
from assistant.kg.verbalize import MASK
from assistant.parsing.metaqa import qtype_label
from assistant.parsing.path_classifier import RelationPathClassifier
from retrieval.encoders import SentenceEncoder

_BRACKETS = re.compile(r"\[[^\]]+\]")


def metaqa_dev_files(folder: str | Path) -> list[tuple[Path, Path]]:
    """``(QA file, qtype file)`` of MetaQA's 1/2/3-hop dev splits in the shared layout."""
    folder = Path(folder)
    return [(folder / f"{h}-hop" / "vanilla" / name, folder / f"{h}-hop" / "qa_dev_qtype.txt")
            for h, name in ((1, "qa_dev.txt"), (2, "qa_dev.txt.gz"), (3, "qa_dev.txt.gz"))]


def masked_question(item: QAItem) -> str:
    """The bracketed MetaQA question with its topic entity replaced by the mask token."""
    return _BRACKETS.sub(MASK, item.question, count=1)


def metaqa_split(files: Sequence[tuple[str | Path, str | Path]], holdout: float = 0.2, seed: int = 0
                 ) -> tuple[list[QAItem], list[QAItem]]:
    """Read MetaQA QA files (brackets kept) with their qtypes; split into (train, held-out) reproducibly."""
    items: list[QAItem] = []
    for qa, qtypes in files:
        hops = Path(qa).resolve().parent.parent.name  # ".../2-hop/vanilla/qa_dev.txt.gz" -> "2-hop"
        items.extend(replace(item, id=f"{hops}:{item.id.rsplit(':', 1)[1]}")
                     for item in read_metaqa(qa, qtypes, strip_brackets=False))
    rng = random.Random(seed)
    order = list(range(len(items)))
    rng.shuffle(order)
    cut = int(len(items) * (1 - holdout))
    return [items[i] for i in order[:cut]], [items[i] for i in order[cut:]]


def train_from_metaqa(train_items: list[QAItem], encoder: SentenceEncoder, out_dir: str | Path | None = None,
                      progress: bool = False) -> RelationPathClassifier:
    """Fit on MetaQA questions labelled with their question type (``qa_*_qtype.txt``)."""
    clf = RelationPathClassifier(encoder).fit([masked_question(i) for i in train_items],
                                              [qtype_label(i.type) for i in train_items], progress=progress)
    clf.source = f"metaqa:{len(train_items)}"
    if out_dir is not None:
        clf.save(out_dir)
    return clf

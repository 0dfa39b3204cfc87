"""Training runs of the reading matcher, as named steps: load the KGs → generate questions → (embed →
fit the head) or (fine-tune the encoder) → check on held-out questions → publish the folder.

The default matcher shipped with the package is trained on the film KG and on synthetic triples KGs
(:mod:`training.matcher.synthetic`); never on MetaQA or FB15k-237, which serve as zero-shot benchmarks.
A matcher for one KG (``kgqa train matcher --kg``) mixes that KG's questions with general ones.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from assistant.config import kgqa_home
from assistant.kg import load_kg
from assistant.kg.graph import KnowledgeGraph
from assistant.progress import Progress
from training.matcher.head import HeadSettings, embed_examples, head_accuracy, save_head, settings_dict, train_head
from training.matcher.lexicon import Lexicon
from training.matcher.questions import MatcherExample, QuestionGenerator
from training.matcher.synthetic import synthetic_kg

SHIPPED = Path(__file__).resolve().parents[2] / "retrieval" / "matcher_default"
SHIPPED_SYNTHETIC = (1, 2, 3, 4)  # synthetic KGs of the shipped matcher (held out: 99)
HELD_OUT_SEED = 99


def base_encode(progress: bool = True, cache: Path | None = None):
    """The frozen base encoder as ``texts -> unit vectors``, encoding in chunks with progress lines.

    With ``cache`` (an ``.npz`` of texts and vectors), texts embedded by an earlier run are read back
    instead of encoded again, and the new ones are added: repeated training runs cost seconds.
    """
    from training.text_encoder import load_text_encoder as load_encoder

    encoder = load_encoder("base")
    known: dict[str, np.ndarray] = {}
    if cache is not None and cache.exists():
        try:
            with np.load(cache, allow_pickle=False) as data:
                known = dict(zip(data["texts"].tolist(), data["vectors"].astype(np.float32), strict=True))
        except (OSError, ValueError, KeyError):
            known = {}

    def encode(texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        with Progress(total=len(missing), desc="embedding questions and readings", unit="text",
                      enabled=progress) as bar:
            for start in range(0, len(missing), 512):
                chunk = missing[start:start + 512]
                for text, vector in zip(chunk, encoder.encode(chunk), strict=True):
                    known[text] = vector
                bar.update(len(chunk))
        if missing and cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(cache.name + ".tmp.npz")
            np.savez(tmp, texts=np.array(list(known), dtype=str),
                     vectors=np.stack(list(known.values())).astype(np.float16))
            tmp.replace(cache)
        return np.stack([known[t] for t in texts]) if texts else np.zeros((0, encoder.dim), np.float32)

    return encode


def examples_from(kgs: list[tuple[KnowledgeGraph, int]], lexicon: Lexicon, seed: int) -> list[MatcherExample]:
    out: list[MatcherExample] = []
    for i, (kg, count) in enumerate(kgs):
        out += QuestionGenerator(kg, lexicon, seed=seed + i).generate(count)
    return out


def train_for_kg(kg_path: str | Path | None, kind: str = "head", kg_questions: int = 3000, general: int = 3000,
                 shipped: bool = False, output: str | Path | None = None, max_steps: int | None = None,
                 device: str = "auto", seed: int = 0, progress: bool = True,
                 embed_cache: Path | None = None) -> dict:
    """Train a matcher; returns its report (also in the folder's ``matcher.json``)."""
    started = time.perf_counter()
    lexicon = Lexicon()
    sources: list[tuple[KnowledgeGraph, int]] = []
    trained_on: dict[str, int] = {}
    if kg_path is not None:
        kg = load_kg(kg_path)
        sources.append((kg, kg_questions))
        trained_on[kg.name] = kg_questions
    synthetic = SHIPPED_SYNTHETIC if shipped else SHIPPED_SYNTHETIC[:2]
    for s in synthetic:
        per = general // len(synthetic)
        sources.append((synthetic_kg(s), per))
        trained_on[f"synthetic-{s}"] = per
    examples = examples_from(sources, lexicon, seed)
    held_kg = synthetic_kg(HELD_OUT_SEED)
    held = {"synthetic-held-out": QuestionGenerator(held_kg, lexicon, seed=HELD_OUT_SEED).generate(400)}
    if kg_path is not None:
        held[f"{sources[0][0].name}-held-out"] = QuestionGenerator(sources[0][0], lexicon,
                                                                   seed=seed + 1000).generate(400)
    if output is None:
        output = SHIPPED if shipped else kgqa_home() / "checkpoints" / sources[0][0].name / "matcher"
    report: dict = {"trained_on": trained_on, "examples": len(examples), "wordnet": lexicon.available}
    if kind == "head":
        encode = base_encode(progress, embed_cache)
        everything = examples + [e for h in held.values() for e in h]
        rows, vectors = embed_examples(everything, encode)
        settings = HeadSettings(seed=seed)
        from training.matcher.head import MatcherHead

        start = None
        if not shipped and (SHIPPED / "head.safetensors").exists():
            start = MatcherHead.load(SHIPPED / "head.safetensors")  # adapt the general matcher to this KG
            report["started_from"] = str(SHIPPED)
        head = train_head(examples, rows, vectors, settings, start=start)
        identity = MatcherHead.identity(vectors.shape[1])
        report["held_out"] = {name: {"base": round(head_accuracy(identity, h, rows, vectors), 4),
                                     "matcher": round(head_accuracy(head, h, rows, vectors), 4)}
                              for name, h in held.items()}
        report["settings"] = settings_dict(settings)
        report["train_seconds"] = round(time.perf_counter() - started, 1)
        report["output"] = str(output)
        return save_head(head, output, "base", report)
    from training.matcher.train import MatcherSettings, train_matcher

    settings = MatcherSettings(full=kind == "full", max_steps=max_steps, device=device, seed=seed)
    held_all = [e for h in held.values() for e in h]
    return train_matcher(examples, output, settings, held_out=held_all, trained_on=trained_on, progress=progress)

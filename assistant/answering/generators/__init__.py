"""Candidate generators: one interface (:class:`~assistant.answering.generators.base.CandidateGenerator`),
one kind of reading each. :func:`default_generators` is the order the pipeline runs them in (the
intersection generator joins what the path generator found, so it comes after it)."""

from __future__ import annotations

from assistant.answering.generators.base import CandidateGenerator, Question, Services
from assistant.answering.generators.character import CharacterGenerator
from assistant.answering.generators.dense import DenseGenerator
from assistant.answering.generators.identity import IdentityGenerator
from assistant.answering.generators.inferred import InferredGenerator
from assistant.answering.generators.intersection import IntersectionGenerator
from assistant.answering.generators.neighbourhood import NeighbourhoodGenerator
from assistant.answering.generators.paths import PathGenerator
from assistant.answering.generators.refine import RefineGenerator
from assistant.answering.generators.similarity import SimilarityGenerator

__all__ = ["CandidateGenerator", "CharacterGenerator", "DenseGenerator", "IdentityGenerator",
           "InferredGenerator", "IntersectionGenerator", "NeighbourhoodGenerator", "PathGenerator",
           "Question", "RefineGenerator", "Services", "SimilarityGenerator", "default_generators"]


def default_generators() -> list[CandidateGenerator]:
    return [PathGenerator(), IdentityGenerator(), NeighbourhoodGenerator(), CharacterGenerator(),
            SimilarityGenerator(), IntersectionGenerator(), DenseGenerator(), RefineGenerator(),
            InferredGenerator()]

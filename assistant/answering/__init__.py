"""Answering questions: candidate readings built from the KG, ranked by a learned matcher and ranker,
turned into answers with their evidence (see :mod:`assistant.answering.pipeline`)."""

"""The evaluation harness behind ``kgqa eval``: question sets, metrics and reports.

Example:
    >>> from assistant.api import Assistant
    >>> from assistant.evaluation import evaluate, load_questions
    >>> items = load_questions("../shared/data/metaqa/1-hop/vanilla/qa_dev.txt", strip_brackets=True)
    >>> report = evaluate(Assistant.from_path(), items[:100], k=10)
    >>> print(report.to_text())
"""

from __future__ import annotations

from assistant.evaluation.datasets import DatasetError, QAItem, find_qtype_file, load_questions, read_jsonl, read_metaqa
from assistant.evaluation.metrics import Aggregate, QuestionScore, aggregate, percentile, score_ranking
from assistant.evaluation.runner import EvalReport, QuestionResult, evaluate

__all__ = [
    "Aggregate",
    "DatasetError",
    "EvalReport",
    "QAItem",
    "QuestionResult",
    "QuestionScore",
    "aggregate",
    "evaluate",
    "find_qtype_file",
    "load_questions",
    "percentile",
    "read_jsonl",
    "read_metaqa",
    "score_ranking",
]

"""Question sets for evaluation: JSONL and the MetaQA text format.

Two formats are read, plain or gzip-compressed:

* **JSONL**, one object per line::

      {"question": "who directed [Jaws]", "answers": ["Steven Spielberg"], "type": "movie_to_director", "id": "q1"}

  ``answers`` is a non-empty list of strings (names, or node ids); ``type``, ``id`` and ``topic`` are optional.
  ``"history": ["who directed Jaws?", ...]`` makes it a follow-up: the earlier questions of the conversation
  are asked first, oldest first. ``"expect": "abstain"`` with ``"answers": []`` marks a question about
  something not in the KG: it is right when the assistant lists no answers.

* **MetaQA**, one question per line, the topic entity in brackets, a tab, then the answers separated by ``|``::

      what movies did [Temuera Morrison] act in<TAB>Once Were Warriors|Tracker|River Queen

  The question types live in a separate file aligned line by line (MetaQA ships ``1-hop/qa_dev_qtype.txt`` beside
  ``1-hop/vanilla/qa_dev.txt``); it is found automatically, or named explicitly.

Every malformed line raises :class:`DatasetError` naming ``file:line`` and what was expected there.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
_SPACES = re.compile(r"\s+")
_QA_NAME = re.compile(r"^qa_(?P<split>[A-Za-z0-9]+)\.(?:txt|tsv)(?:\.gz)?$")


class DatasetError(ValueError):
    """A question file that cannot be read, with the place of the problem.

    Attributes:
        path: The file.
        line: 1-based line number, or ``None`` when the problem concerns the whole file.
    """

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")


@dataclass(slots=True)
class QAItem:
    """One evaluation question.

    Attributes:
        id: Stable identifier (given in the file, or ``"<file name>:<line>"``).
        question: The question as it is sent to the assistant (brackets removed when asked to).
        answers: Gold answers: names (compared after name normalisation) or node ids.
        type: Question type (MetaQA qtype such as ``actor_to_movie``), or ``None``.
        topic: The bracketed topic entity of the original question, or ``None`` when it had none.
    """

    id: str
    question: str
    answers: list[str]
    type: str | None = None
    topic: str | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-ready copy."""
        return asdict(self)


def _open_text(path: Path) -> Iterator[str]:
    """Yield the lines of a UTF-8 text file, transparently un-gzipping ``*.gz``, newlines removed."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                yield line.rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise DatasetError(path, None, f"not UTF-8 text ({exc})") from exc
    except (gzip.BadGzipFile, EOFError) as exc:
        raise DatasetError(path, None, f"not a readable gzip file ({exc})") from exc


def _check_file(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise DatasetError(path, None, "no such file")
    if not path.is_file():
        raise DatasetError(path, None, "not a file")
    return path


def split_topic(question: str, path: Path, lineno: int) -> tuple[str | None, str]:
    """Find the bracketed topic entity of ``question``.

    Args:
        question: A question that may hold one ``[topic entity]``.
        path: File, for error messages.
        lineno: Line, for error messages.

    Returns:
        ``(topic, question without the brackets)``; ``topic`` is ``None`` when there are no brackets.

    Raises:
        DatasetError: Unbalanced or nested brackets, an empty ``[]``, or more than one bracketed entity.
    """
    matches = list(_BRACKETS.finditer(question))
    rest = _BRACKETS.sub("", question)
    if "[" in rest or "]" in rest:
        raise DatasetError(path, lineno, f"unbalanced or nested brackets in question {question!r}; "
                                         "expected at most one '[topic entity]'")
    if len(matches) > 1:
        raise DatasetError(path, lineno, f"{len(matches)} bracketed entities in question {question!r}; "
                                         "expected at most one '[topic entity]'")
    if not matches:
        return None, question
    topic = matches[0].group(1).strip()
    if not topic:
        raise DatasetError(path, lineno, f"empty '[]' in question {question!r}; expected '[topic entity]'")
    stripped = _SPACES.sub(" ", _BRACKETS.sub(lambda m: m.group(1), question)).strip()
    return topic, stripped


def _dedupe(values: list[str]) -> list[str]:
    seen: set[str] = set()
    return [v for v in values if not (v in seen or seen.add(v))]


def read_jsonl(path: str | Path, strip_brackets: bool = False) -> list[QAItem]:
    """Read a JSONL question set (plain or ``.gz``).

    Args:
        path: The file; blank lines are skipped.
        strip_brackets: Remove ``[`` and ``]`` around a topic entity in the question (keeping its text).

    Returns:
        The questions in file order. Keys other than question/answers/type/id/topic go to ``QAItem.extra``.

    Raises:
        DatasetError: Missing file, invalid JSON, or a line without a non-empty ``question`` string and a
            non-empty ``answers`` list of strings.
    """
    path = _check_file(path)
    items: list[QAItem] = []
    seen_ids: dict[str, int] = {}
    for lineno, line in enumerate(_open_text(path), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(path, lineno, f"invalid JSON ({exc.msg} at column {exc.colno}); expected one object "
                                             'like {"question": "...", "answers": ["..."]}') from exc
        if not isinstance(obj, dict):
            raise DatasetError(path, lineno, f"expected a JSON object, got {type(obj).__name__}")
        question = obj.get("question")
        if not isinstance(question, str) or not question.strip():
            raise DatasetError(path, lineno, f"expected a non-empty string in 'question', got {question!r}")
        answers = obj.get("answers")
        abstain = obj.get("expect") == "abstain"  # the right reply is "not in this graph": no answers
        if (not isinstance(answers, list) or (not answers and not abstain)
                or not all(isinstance(a, str) and a.strip() for a in answers)):
            raise DatasetError(path, lineno, f"expected a non-empty list of non-empty strings in 'answers' "
                                             f"(or [] with \"expect\": \"abstain\"), got {answers!r}")
        history = obj.get("history", [])
        if not isinstance(history, list) or not all(isinstance(h, str) and h.strip() for h in history):
            raise DatasetError(path, lineno, f"expected 'history' to be a list of earlier questions, got {history!r}")
        qtype = obj.get("type")
        if qtype is not None and not isinstance(qtype, str):
            raise DatasetError(path, lineno, f"expected a string or null in 'type', got {qtype!r}")
        raw_id = obj.get("id")
        if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, str | int)):
            raise DatasetError(path, lineno, f"expected a string or integer in 'id', got {raw_id!r}")
        item_id = str(raw_id) if raw_id is not None else f"{path.name}:{lineno}"
        if item_id in seen_ids:
            raise DatasetError(path, lineno, f"duplicate id {item_id!r} (first on line {seen_ids[item_id]}); "
                                             "expected unique ids")
        seen_ids[item_id] = lineno
        topic, stripped = split_topic(question.strip(), path, lineno)
        given_topic = obj.get("topic")
        if given_topic is not None:
            if not isinstance(given_topic, str):
                raise DatasetError(path, lineno, f"expected a string or null in 'topic', got {given_topic!r}")
            topic = given_topic
        extra = {k: v for k, v in obj.items() if k not in {"question", "answers", "type", "id", "topic"}}
        items.append(QAItem(item_id, stripped if strip_brackets else question.strip(),
                            _dedupe([a.strip() for a in answers]), qtype or None, topic, extra))
    return items


def find_qtype_file(path: str | Path) -> Path | None:
    """The MetaQA question-type file that belongs to a QA file, if there is one.

    ``1-hop/vanilla/qa_dev.txt`` (or ``.txt.gz``, or ``ntm/qa_dev.txt``) pairs with ``1-hop/qa_dev_qtype.txt``
    (or ``.txt.gz``); a ``qa_dev_qtype.txt`` in the same folder is also accepted.

    Args:
        path: A MetaQA QA file.

    Returns:
        The type file, or ``None`` when the name does not follow MetaQA's or no such file exists.
    """
    path = Path(path)
    match = _QA_NAME.match(path.name)
    if not match:
        return None
    stem = f"qa_{match['split']}_qtype.txt"
    for folder in (path.parent.parent, path.parent):
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def read_metaqa(path: str | Path, types: str | Path | None = None, strip_brackets: bool = False,
                auto_types: bool = True) -> list[QAItem]:
    """Read a MetaQA QA file (plain or ``.gz``): ``question with [topic]<TAB>ans1|ans2|...`` per line.

    Args:
        path: The QA file.
        types: A question-type file aligned line by line with ``path``; ``None`` looks for MetaQA's
            ``../qa_<split>_qtype.txt`` when ``auto_types`` is on.
        strip_brackets: Send the question without the brackets around the topic entity (so that entity
            linking is tested); the topic is kept in ``QAItem.topic`` either way.
        auto_types: Whether to look for the type file when ``types`` is not given.

    Returns:
        The questions in file order, with ids ``"<file name>:<line>"``.

    Raises:
        DatasetError: Missing files, a line without exactly one tab, an empty question or answer, bad brackets,
            or a type file whose lines do not match the QA lines.
    """
    path = _check_file(path)
    type_path = _check_file(types) if types is not None else (find_qtype_file(path) if auto_types else None)
    type_lines = list(_open_text(type_path)) if type_path is not None else None
    items: list[QAItem] = []
    last = 0
    for lineno, line in enumerate(_open_text(path), 1):
        last = lineno
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise DatasetError(path, lineno, f"found {len(parts) - 1} tab(s) in {line[:120]!r}; expected "
                                             "'question with [topic entity]<TAB>answer1|answer2|...'")
        question, answer_text = parts[0].strip(), parts[1].strip()
        if not question:
            raise DatasetError(path, lineno, "empty question before the tab; expected "
                                             "'question with [topic entity]<TAB>answer1|answer2|...'")
        answers = [a.strip() for a in answer_text.split("|")]
        if not answer_text or not all(answers):
            raise DatasetError(path, lineno, f"empty answer in {answer_text!r}; expected answers separated by "
                                             "'|', e.g. 'Once Were Warriors|Tracker'")
        topic, stripped = split_topic(question, path, lineno)
        qtype = None
        if type_lines is not None:
            if lineno > len(type_lines):
                raise DatasetError(type_path, None, f"has {len(type_lines)} lines but {path.name} has a question "
                                                    f"on line {lineno}; expected one type per question line")
            qtype = type_lines[lineno - 1].strip()
            if not qtype:
                raise DatasetError(type_path, lineno, f"empty type for question {question!r} "
                                                      f"({path.name}:{lineno}); expected a type such as "
                                                      "'actor_to_movie'")
        items.append(QAItem(f"{path.name}:{lineno}", stripped if strip_brackets else question,
                            _dedupe(answers), qtype, topic))
    if type_lines is not None:
        surplus = [i for i, t in enumerate(type_lines[last:], last + 1) if t.strip()]
        if surplus:
            raise DatasetError(type_path, surplus[0], f"type {type_lines[surplus[0] - 1].strip()!r} has no "
                                                      f"question ({path.name} has {last} lines); expected the "
                                                      "type file to be aligned line by line with the QA file")
    return items


def _looks_like_jsonl(path: Path) -> bool:
    names = path.name.lower().removesuffix(".gz")
    if names.endswith((".jsonl", ".json", ".ndjson")):
        return True
    if names.endswith((".txt", ".tsv")):
        return False
    for line in _open_text(path):
        if line.strip():
            return line.lstrip().startswith("{")
    return False


def load_questions(path: str | Path, types: str | Path | None = None, strip_brackets: bool = False) -> list[QAItem]:
    """Read a question set, choosing the format from the file name (or, failing that, its first line).

    Args:
        path: ``*.jsonl[.gz]`` (JSONL) or ``*.txt[.gz]`` / ``*.tsv[.gz]`` (MetaQA).
        types: MetaQA question-type file (MetaQA only; found automatically when omitted).
        strip_brackets: Remove the brackets around topic entities in the questions.

    Returns:
        The questions in file order.

    Raises:
        DatasetError: On any unreadable or malformed input, or ``types`` given for a JSONL file.
    """
    path = _check_file(path)
    if _looks_like_jsonl(path):
        if types is not None:
            raise DatasetError(path, None, "--types applies to MetaQA files only; JSONL lines carry their own 'type'")
        return read_jsonl(path, strip_brackets=strip_brackets)
    return read_metaqa(path, types=types, strip_brackets=strip_brackets)

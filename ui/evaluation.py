"""The evaluation tab: validate an uploaded question set, run it with progress, report metrics, plot and failures."""

from __future__ import annotations

import gzip
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.evaluation import DatasetError, EvalReport, QAItem, evaluate, load_questions
from assistant.kg.errors import KGQAError
from assistant.kg.loaders.common import MAX_JSON_DEPTH, json_depth

METRIC_COLUMNS = ["type", "n", "Hits@1", "Hits@k", "MRR", "F1", "answered", "errors", "p50 ms", "p95 ms"]
FAILURE_COLUMNS = ["question", "type", "gold", "top answers", "rank"]


@dataclass(frozen=True, slots=True)
class EvalLimits:
    """What an upload may contain (the UI is shared; a huge set would hold a worker for long).

    Attributes:
        max_bytes: Largest accepted file.
        max_questions: Most questions run from one upload (more is refused, not truncated silently).
        batch: Questions asked between two progress updates.
        k: Answers scored per question.
    """

    max_bytes: int = 2 * 1024 * 1024
    max_questions: int = 500
    batch: int = 5
    k: int = 10


class UploadError(KGQAError, ValueError):
    """An upload that cannot be evaluated; the message says what to fix."""


_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024
_SUFFIXES = (".jsonl", ".json", ".ndjson", ".txt", ".tsv")


def _plain_copy(path: Path, limits: EvalLimits) -> Path:
    """The upload as plain text in a fresh private folder, checked on its *decompressed* size while streaming:
    a 1 MB ``.gz`` can hold a gigabyte, and must be refused before it is ever held in memory or on disk."""
    mb = limits.max_bytes / 1e6
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    # a neutral name: MetaQA's loader looks beside a qa_<split>.txt for a question-type file, which must not be
    # some other upload in a shared temporary folder
    suffix = next((s for s in _SUFFIXES if name.lower().endswith(s)), "")
    folder = Path(tempfile.mkdtemp(prefix="kgqa-upload-"))
    target = folder / f"upload{suffix}"
    written = 0
    try:
        with (gzip.open(path, "rb") if compressed else open(path, "rb")) as src, open(target, "wb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > limits.max_bytes:
                    raise UploadError(f"{path.name} holds more than {mb:.1f} MB of text"
                                      + (" once decompressed" if compressed else "") + f"; the limit is {mb:.1f} MB. "
                                      "Upload a smaller sample (or run `kgqa eval FILE` on the command line).")
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise UploadError(f"{path.name} is not a readable gzip file (damaged or truncated)." if compressed
                          else f"Cannot read {path.name}: {exc}.") from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        _check_text(target, path.name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target


def _check_text(plain: Path, name: str) -> None:
    """UTF-8 (a leading BOM is dropped, as spreadsheets write one) and JSON nested no deeper than the KG loaders
    allow, each failure with its line: the question reader would raise on the first without a line and on the
    second with a RecursionError."""
    data = plain.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        plain.write_bytes(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UploadError(f"{name} is not UTF-8 text (line {line}); save it as UTF-8.", name, line) from exc
    for number, line_text in enumerate(text.split("\n"), 1):
        if line_text.count("[") + line_text.count("{") > MAX_JSON_DEPTH and json_depth(line_text) > MAX_JSON_DEPTH:
            raise UploadError(f"Cannot read {name}: JSON nested more than {MAX_JSON_DEPTH} levels deep "
                              f"(line {number})", name, number)


def validate_upload(path: str | Path | None, limits: EvalLimits = EvalLimits()) -> list[QAItem]:
    """Read and check an uploaded question file (JSONL, or MetaQA ``question<TAB>a|b`` lines; gzipped or not).

    Raises:
        UploadError: No file, too large (compressed or decompressed), unreadable, malformed (with file:line),
            empty or too many questions.
    """
    if path is None or (isinstance(path, str) and not path.strip()):
        raise UploadError("Upload a question file first (.jsonl, or a MetaQA .txt).")
    if not isinstance(path, (str, Path)):
        raise UploadError("Upload a question file (the request did not carry one).")
    path = Path(path)
    if not path.is_file():
        raise UploadError(f"{path.name or 'The upload'} is not a file that can be read; upload it again.")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise UploadError(f"{path.name} is {size / 1e6:.1f} MB; the limit is {limits.max_bytes / 1e6:.1f} MB. "
                          "Upload a smaller sample (or run `kgqa eval FILE` on the command line).")
    plain = _plain_copy(path, limits)
    try:
        items = load_questions(plain, strip_brackets=True)
    except DatasetError as exc:
        raise UploadError(f"Cannot read {path.name}: {str(exc).split(': ', 1)[-1]}"
                          + (f" (line {exc.line})" if exc.line else ""), path.name, exc.line) from exc
    except UnicodeDecodeError as exc:
        raise UploadError(f"{path.name} is not UTF-8 text.", path.name) from exc
    finally:
        shutil.rmtree(plain.parent, ignore_errors=True)
    if not items:
        raise UploadError(f"{path.name} has no questions.", path.name)
    if len(items) > limits.max_questions:
        raise UploadError(f"{path.name} has {len(items):,} questions; the limit here is {limits.max_questions:,}. "
                          "Upload a sample, or run `kgqa eval FILE` on the command line for the whole set.", path.name)
    return items


def run_evaluation(bot, items: list[QAItem], limits: EvalLimits = EvalLimits(),
                   progress: Callable[[int, int], None] | None = None, meta: dict | None = None) -> EvalReport:
    """Ask every question in batches, calling ``progress(done, total)`` between batches."""
    results = []
    started = time.perf_counter()
    for start in range(0, len(items), limits.batch):
        if progress:
            progress(start, len(items))
        chunk = evaluate(bot, items[start:start + limits.batch], k=limits.k, progress=False, warmup=False)
        results.extend(chunk.results)
    if progress:
        progress(len(items), len(items))
    return EvalReport(limits.k, results, time.perf_counter() - started, 1, dict(meta or {}))


def metrics_rows(report: EvalReport) -> list[list]:
    """``all`` then one row per question type, in :data:`METRIC_COLUMNS` order."""
    rows = []
    for name, agg in [("all", report.overall), *report.per_type.items()]:
        rows.append([name, agg.n, round(agg.hits1, 3), round(agg.hitsk, 3), round(agg.mrr, 3), round(agg.f1, 3),
                     round(agg.answered, 3), agg.errors, round(agg.latency_p50_ms, 1), round(agg.latency_p95_ms, 1)])
    return rows


def failure_rows(report: EvalReport, limit: int = 100) -> list[list]:
    rows = []
    for f in report.failures[:limit]:
        top = ", ".join(p["name"] for p in f.predicted[:3]) or (f.error or f.message or "(no answer)")
        rows.append([f.item.question, f.item.type or "", " | ".join(f.item.answers), top,
                     f.score.rank if f.score.rank else "-"])
    return rows


def write_report(report: EvalReport) -> tuple[Path, Path]:
    """The Markdown report and its per-type plot, in a fresh temporary folder (served for download)."""
    folder = Path(tempfile.mkdtemp(prefix="kgqa-eval-"))
    return report.write_report(folder / "report.md")

"""The malformed-file corpus (tests/fuzz/malformed.py): KG files in every layout, update files and question uploads.

For every broken input: a :class:`KGQAError` (never another exception), every problem naming its file and, where
the input has one, the line; the CLI prints problems or one sentence and exits non-zero, never a traceback.
For every odd-but-valid input: it loads, and holds exactly what the file says (no silent change).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.kg import load_kg
from assistant.kg.errors import KGLoadError, KGQAError
from tests.fuzz.malformed import Case, copy_case, kg_cases, update_cases, upload_cases

KG_CASES, UPDATE_CASES, UPLOAD_CASES = kg_cases(), update_cases(), upload_cases()


def test_the_corpus_is_large_enough():
    broken = [c for c in KG_CASES + UPDATE_CASES + UPLOAD_CASES if c.expect == "error"]
    assert len(KG_CASES) + len(UPDATE_CASES) + len(UPLOAD_CASES) >= 150 and len(broken) >= 130
    names = [c.name for c in KG_CASES + UPDATE_CASES + UPLOAD_CASES]
    assert len(names) == len(set(names))


def _assert_places(exc: KGQAError, case: Case, problems: list) -> None:
    assert problems, f"{case.name}: an error without problems: {exc}"
    for problem in problems:
        assert problem.file, f"{case.name}: a problem names no file: {problem}"
    if case.file is not None:
        assert any(Path(p.file).name == case.file for p in problems), \
            f"{case.name}: expected a problem in {case.file}, got {[str(p) for p in problems]}"
    if case.line is not None:
        assert any(p.line == case.line and (case.file is None or Path(p.file).name == case.file) for p in problems), \
            f"{case.name}: expected a problem at line {case.line}, got {[str(p) for p in problems]}"


def _run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    from assistant.cli import main

    rc = main(argv)
    out = capsys.readouterr()
    assert rc != 3 and "unexpected" not in out.err and "Traceback" not in out.err + out.out, \
        f"kgqa {' '.join(argv)}: {out.err[-500:]}"
    return rc, out.out, out.err


@pytest.mark.parametrize("case", KG_CASES, ids=lambda c: c.name)
def test_kg_files(case: Case, tmp_path, capsys):
    path = copy_case(case, tmp_path / "input")
    if case.expect == "ok":
        case.check(load_kg(path))  # type: ignore[misc]
        rc, out, _ = _run_cli(["kg", "validate", str(path)], capsys)
        assert rc == 0 and out.startswith("OK:")
        return
    with pytest.raises(KGLoadError) as info:
        load_kg(path)
    _assert_places(info.value, case, info.value.problems)
    rc, out, err = _run_cli(["kg", "validate", str(path)], capsys)
    assert rc == 1 and out.strip(), f"{case.name}: validate printed no problems"
    if case.line is not None:
        assert f":{case.line}: " in out, out[:500]
    rc, out, err = _run_cli(["kg", "stats", str(path)], capsys)
    assert rc == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err[:500]


@pytest.fixture(scope="module")
def tiny_kg(tiny_kg_session_dir):
    return tiny_kg_session_dir


@pytest.mark.parametrize("case", UPDATE_CASES, ids=lambda c: c.name)
def test_update_files(case: Case, tiny_kg, tmp_path):
    from assistant.kg.updates import apply_updates, check_updates, read_updates

    path = copy_case(case, tmp_path / "input")
    kg = load_kg(tiny_kg)
    before = (kg.num_nodes, kg.num_edges)
    if case.expect == "ok":
        apply_updates(kg, read_updates(path), str(path))
        case.check(kg)  # type: ignore[misc]
        return
    with pytest.raises(KGLoadError) as info:
        records = read_updates(path)
        check_updates(kg, records, str(path))
    _assert_places(info.value, case, info.value.problems)
    assert (kg.num_nodes, kg.num_edges) == before  # nothing half-applied


@pytest.fixture(scope="module")
def tiny_index(tiny_kg, tmp_path_factory):
    from assistant.api import Assistant

    root = tmp_path_factory.mktemp("fuzz-index") / "index"
    Assistant.from_path(tiny_kg, root, progress=False)
    return root


#: the update cases the issue found through the CLI (folder, deep nesting, invalid UTF-8, U+2028), plus one more
#: of each kind, through `kgqa kg add` against a real index
CLI_UPDATES = ["update-folder", "update-deep", "update-invalid-utf8", "update-line-separator-in-description",
               "update-add-existing", "update-gzip", "update-remove-id-list"]


@pytest.mark.slow
@pytest.mark.parametrize("name", CLI_UPDATES)
def test_kg_add_through_the_cli(name: str, tiny_kg, tiny_index, tmp_path, capsys):
    case = next(c for c in UPDATE_CASES if c.name == name)
    index = tmp_path / "index"
    shutil.copytree(tiny_index, index)  # a successful add changes the index: each case gets its own copy
    path = copy_case(case, tmp_path / "input")
    rc, out, err = _run_cli(["kg", "add", str(path), "--kg", str(tiny_kg), "--index-dir", str(index)], capsys)
    overlay = index / "updates.jsonl"
    if case.expect == "ok":
        assert rc == 0 and "applied 2 operation(s)" in out, err
        assert overlay.exists()
        from assistant.api import Assistant

        bot = Assistant.from_path(tiny_kg, index, progress=False)
        case.check(bot.kg)  # type: ignore[misc]
        assert "project:duel-1971" in [h.node_id for h in bot.search("Duel truck chase", "project", 3)]
        return
    assert rc == 1 and "nothing was changed" in err
    first = err.strip().splitlines()[0]
    assert str(path) in first or path.name in first, first
    if case.line is not None:
        assert f":{case.line}:" in first, first
    assert not overlay.exists()


@pytest.mark.parametrize("case", UPLOAD_CASES, ids=lambda c: c.name)
def test_uploads(case: Case, tmp_path):
    import tempfile

    from ui.evaluation import UploadError, validate_upload

    path = copy_case(case, tmp_path / "input")
    before = set(Path(tempfile.gettempdir()).glob("kgqa-upload-*"))
    if case.expect == "ok":
        case.check(validate_upload(path))  # type: ignore[misc]
        return
    with pytest.raises(UploadError) as info:
        validate_upload(path)
    assert set(Path(tempfile.gettempdir()).glob("kgqa-upload-*")) <= before  # the plain copy is gone
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message
    if case.line is not None:
        assert info.value.line == case.line and f"line {case.line}" in message, message

"""The benchmark corpus (benchmarks/corpus.py) is what the batch benchmark assumes it is:
every generated workbook valid with no finding, each differing from its sample only by
its ids and its money times its factor."""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from validation.batch import check_folder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import corpus

FILES = 70


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    assert corpus.build_corpus(out, FILES)
    return out


def grids(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    try:
        return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}
    finally:
        book.close()


def test_the_batch_finds_every_file_ok_without_findings(folder: Path) -> None:
    report = check_folder(folder, lang="en")
    assert len(report.files) == FILES
    assert [(f.path, f.status, f.findings) for f in report.files if f.status != "ok" or f.findings] == []
    assert len({f.results["project_id"] for f in report.files}) == FILES


def test_a_copy_differs_from_its_sample_by_ids_and_money_times_its_factor(folder: Path) -> None:
    samples = corpus.sample_paths()
    names = sorted(p.name for p in folder.glob("*.xlsx"))
    factors = corpus.scale_factors(FILES)
    for serial, sample in enumerate(samples):
        copy, original = grids(folder / names[serial]), grids(sample)
        ids = corpus.compile_sample(sample).ids.values()
        scaled = renamed = 0
        for sheet, rows in original.items():
            for r, row in enumerate(rows):
                for c, before in enumerate(row):
                    after = copy[sheet][r][c]
                    if after == before:
                        continue
                    if isinstance(before, float):
                        assert after == pytest.approx(before * factors[serial], rel=1e-12), (sheet, r, c)
                        scaled += 1
                    else:
                        assert after == _renamed(before, ids, serial), (sheet, r, c)
                        renamed += 1
        assert scaled > 20 and renamed >= 2, (sample.name, scaled, renamed)


def _renamed(text: object, ids: object, serial: int) -> object:
    for old in ids:
        text = str(text).replace(old, f"{old}-{serial:06d}")
    return text


def test_a_complete_corpus_is_reused_and_a_changed_one_rewritten(folder: Path, tmp_path: Path) -> None:
    assert not corpus.build_corpus(folder, FILES)
    small = tmp_path / "small"
    assert corpus.build_corpus(small, 3)
    (small / corpus.file_names(3, [corpus.compile_sample(p) for p in corpus.sample_paths()])[1]).unlink()
    assert corpus.build_corpus(small, 3)
    assert len(list(small.glob("*.xlsx"))) == 3


def test_a_folder_holding_other_files_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(corpus.CorpusError, match="not a corpus folder"):
        corpus.build_corpus(tmp_path, 3)
    assert (tmp_path / "notes.txt").exists()


def test_every_cached_value_equals_the_formula_engines(folder: Path) -> None:
    # Zhenwumiao's copy: named money results, Co (unnamed on Results), the 10-year surplus
    # beside the paper's statement (unnamed on Project); the engine knows nothing of the corpus.
    copy = sorted(folder.glob("*_zhenwumiao_wuli_3.xlsx"))[0]
    assert corpus.engine_mismatches(copy) == []


def test_the_corpus_module_examples() -> None:
    assert doctest.testmod(corpus).failed == 0

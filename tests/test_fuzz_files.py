"""A short run of benchmarks/fuzz_files.py in every test run: hostile files of every kind are
indexed beside the sample brief with no crash, no file holding the reindex for long, a reason
for every refusal, every supported encoding read, and the sample's answers unchanged.
(`python benchmarks/fuzz_files.py --count 500` is the long run.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import fuzz_files


def test_hostile_files_are_indexed_or_refused_with_a_reason_and_answers_stay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = fuzz_files.run(count=2 + 7 * 4, seed=1, work=tmp_path / "fuzz", inflate_mb=30)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "answers unchanged: True" in out
    for kind in ("random bytes", "truncated pdf", "zip bomb named .pdf", "empty", "50 MB text", "deep html"):
        assert kind in out

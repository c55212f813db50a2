"""Parsing time against file size, for the shapes that once made parsing quadratic.

    .venv/bin/python benchmarks/bench_parsing.py [--sizes 0.5 1 2 4]

Prints, per shape and size, the seconds to parse (decode, layout, date, language) and chunk the
file, and the ratio to the smallest size's time per MB: about 1.0 at every size means linear.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from index.chunking import chunk_brief
from index.loaders import parse_brief
from index.text.language import detect_language

_SENTENCE = "pasukan rusia menyerang kota kharkiv pada hari rabu, kata pejabat setempat di sana. "
_WRAPPED_LINE = "pasukan rusia menyerang kota kharkiv pada hari rabu kata pejabat"


def one_long_paragraph(size: int) -> tuple[str, bytes]:
    return "long-paragraph.txt", ("Judul\n" + _SENTENCE * (size // len(_SENTENCE))).encode()


def many_short_lines(size: int) -> tuple[str, bytes]:
    return "short-lines.txt", ("Judul\n" + (_SENTENCE + "\n") * (size // len(_SENTENCE))).encode()


def hard_wrapped_lowercase(size: int) -> tuple[str, bytes]:
    # Every line continues the previous one: one lead (or paragraph) of millions of characters.
    return "wrapped.txt", ("Judul\n" + "\n".join([_WRAPPED_LINE] * (size // len(_WRAPPED_LINE)))).encode()


def deeply_nested_html(size: int) -> tuple[str, bytes]:
    depth = size // 40
    body = "<div><li>" * depth + "<p>Isi paragraf yang dalam sekali.</p>" + "</li></div>" * depth
    return "nested.html", f"<html><title>T</title><body>{body}</body></html>".encode()


def many_html_paragraphs(size: int) -> tuple[str, bytes]:
    paragraph = f"<p>{_SENTENCE}</p>"
    body = paragraph * (size // len(paragraph))
    return "paragraphs.html", f"<html><title>T</title><body><h2>Bagian</h2>{body}</body></html>".encode()


def one_word_language_text(size: int) -> tuple[str, bytes]:
    return "language.txt", ("Judul\n" + "Yang. " * (size // 6)).encode()


SHAPES: list[Callable[[int], tuple[str, bytes]]] = [
    one_long_paragraph,
    many_short_lines,
    hard_wrapped_lowercase,
    deeply_nested_html,
    many_html_paragraphs,
    one_word_language_text,
]


def parse_seconds(file_name: str, data: bytes) -> float:
    started = time.perf_counter()
    brief = parse_brief(data, file_name, max_bytes=len(data) + 1)
    chunk_brief("bench", brief)
    detect_language(brief.text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.25, 0.5, 1.0, 2.0], help="MB")
    args = parser.parse_args()
    print(f"{'shape':<24} {'MB':>6} {'seconds':>9} {'s/MB vs smallest':>17}")
    for shape in SHAPES:
        first_rate: float | None = None
        for megabytes in args.sizes:
            file_name, data = shape(int(megabytes * 1_000_000))
            seconds = parse_seconds(file_name, data)
            rate = seconds / (len(data) / 1e6)
            first_rate = first_rate or rate
            print(f"{shape.__name__:<24} {len(data) / 1e6:>6.2f} {seconds:>9.3f} {rate / first_rate:>17.2f}")


if __name__ == "__main__":
    main()

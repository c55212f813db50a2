from datetime import UTC, date, datetime

import pytest

from index.dates import extract_date, find_date, find_month, is_date_only, month_typos_fixed, parse_date_value

TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the seed brief's lead, and the same date written every supported way
        (
            "Ketika perang memasuki hari ke-992, ini adalah perkembangan utamanya. "
            "Inilah situasinya pada hari Rabu, 13 November:",
            date(2024, 11, 13),
        ),
        ("Rabu, 13 November", date(2024, 11, 13)),
        ("13 November 2024", date(2024, 11, 13)),
        ("Wednesday, November 13", date(2024, 11, 13)),
        ("November 13, 2024", date(2024, 11, 13)),
        ("Nov. 13, 2024", date(2024, 11, 13)),
        ("13 Nov 2024", date(2024, 11, 13)),
        ("13th November 2024", date(2024, 11, 13)),
        ("Wed 13 Nov", date(2024, 11, 13)),
        ("13/11/2024", date(2024, 11, 13)),
        ("13.11.2024", date(2024, 11, 13)),
        ("2024-11-13", date(2024, 11, 13)),
        ("Updated 2024-11-13T08:00:00Z", date(2024, 11, 13)),
        # Indonesian months and weekdays, long and short
        ("17 Agustus 2024", date(2024, 8, 17)),
        ("25 Desember 2023", date(2023, 12, 25)),
        ("1 Mei 2024", date(2024, 5, 1)),
        ("5 Okt 2024", date(2024, 10, 5)),
        ("Minggu, 29 Des 2024", date(2024, 12, 29)),
        ("Jum'at, 15 Agustus 2025", date(2025, 8, 15)),
        ("Jum’at, 15 Agustus", date(2025, 8, 15)),
        ("Ahad, 3 Okt", date(2021, 10, 3)),
    ],
)
def test_extract_date_reads_indonesian_and_english_forms(text: str, expected: date) -> None:
    assert extract_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # with a weekday: the latest year, not in the future, where the weekday fits
        ("Rabu, 13 November", date(2024, 11, 13)),
        ("Kamis, 13 November", date(2025, 11, 13)),
        ("Jumat, 13 November", date(2026, 11, 13)),
        ("Rabu, 25 November", date(2026, 11, 25)),  # today itself is not the future
        ("Senin, 30 November", date(2020, 11, 30)),  # 30 November 2026 is still to come
        ("Sabtu, 29 Februari", date(2020, 2, 29)),
        # without a weekday: the latest such date not in the future
        ("13 November", date(2026, 11, 13)),
        ("30 November", date(2025, 11, 30)),
        ("29 Februari", date(2024, 2, 29)),
    ],
)
def test_missing_year_is_the_latest_past_year_matching_the_weekday(text: str, expected: date) -> None:
    match = find_date(text, today=TODAY)
    assert match is not None
    assert match.date == expected
    assert not match.year_given


def test_written_year_is_reported_as_given() -> None:
    match = find_date("13 November 2024", today=TODAY)
    assert match is not None and match.year_given


@pytest.mark.parametrize(
    "text",
    [
        "Ukraina menembak jatuh 46 dari 110 drone Rusia.",
        "31 November 2024",  # no such day
        "the drones may 12 times have failed",  # the verb, not the month
        "",
    ],
)
def test_text_without_a_valid_date_gives_none(text: str) -> None:
    assert extract_date(text, today=TODAY) is None


def test_the_lead_lines_win_over_dates_in_the_body() -> None:
    text = "Perang hari ke-992: Rabu, 13 November\nPertempuran\nPada 5 November 2020 pasukan Rusia menyerang.\n"
    assert extract_date(text, today=TODAY) == date(2024, 11, 13)


def test_the_body_is_searched_when_the_lead_has_no_date() -> None:
    text = "Judul\nBagian\nParagraf pertama.\nParagraf kedua ditulis 13 November 2024.\n"
    assert extract_date(text, today=TODAY) == date(2024, 11, 13)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2024, 11, 13), date(2024, 11, 13)),
        (datetime(2024, 11, 13, 8, 0, tzinfo=UTC), date(2024, 11, 13)),
        ("2024-11-13", date(2024, 11, 13)),
        ("2024-11-13T08:00:00Z", date(2024, 11, 13)),
        ("Rabu, 13 November", date(2024, 11, 13)),
        ("November 13, 2024", date(2024, 11, 13)),
        ("besok", None),
        (20241113, None),
        (None, None),
    ],
)
def test_parse_date_value_reads_front_matter_values(value: object, expected: date | None) -> None:
    assert parse_date_value(value, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wednesday, November 13, 2024", True),
        ("(Rabu, 13 November 2024)", True),
        ("13/11/2024", True),
        ("Serangan 13 November", False),
        ("Pertempuran", False),
    ],
)
def test_is_date_only_recognises_datelines(text: str, expected: bool) -> None:
    assert is_date_only(text) is expected


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("siapa dapat gelar pahlawan bulan november kemarin", date(2026, 11, 1)),
        ("what happened in October?", date(2026, 10, 1)),
        ("berita Desember lalu", date(2025, 12, 1)),  # no later than the reference month
        ("gaza in march 2025", date(2025, 3, 1)),
        ("rekap bulan mei", date(2026, 5, 1)),
    ],
)
def test_a_month_named_as_a_span_of_time_is_read(text: str, first: date) -> None:
    found = find_month(text, TODAY)
    assert found is not None and found.first == first


@pytest.mark.parametrize(
    ("text", "first", "days"),
    [
        ("What collapsed in Rome in early November?", date(2026, 11, 1), (1, 10)),
        ("berita akhir oktober 2025", date(2025, 10, 1), (21, 31)),
        ("news from mid-December", date(2025, 12, 1), (11, 20)),
        ("awal bulan Mei", date(2026, 5, 1), (1, 10)),
        ("what happened at the end of march", date(2026, 3, 1), (21, 31)),
    ],
)
def test_a_part_of_a_month_names_its_days_and_is_no_topic_word(text: str, first: date, days: tuple[int, int]) -> None:
    found = find_month(text, TODAY)
    assert found is not None and (found.first, found.days) == (first, days)
    # the part ("early", "akhir") is read with the month, so no topic is made of it
    assert text[found.span[0] : found.span[1]].lower().startswith(("in early", "akhir", "mid", "awal", "the end"))


@pytest.mark.parametrize("text", ["berita 9 November 2025", "November", "drones may strike again", "in may we"])
def test_a_month_inside_a_date_or_alone_or_a_verb_is_no_month_scope(text: str) -> None:
    assert find_month(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("Berita dunia 24 Novmber 2025", "Berita dunia 24 november 2025"),
        ("recap of septmber 26", "recap of september 26"),
        ("oktobr 3", "oktober 3"),
        ("the match 3 was close", "the match 3 was close"),  # its first letters are no month's
        ("novmber news", "novmber news"),  # no number beside it
    ],
)
def test_a_month_name_a_typo_away_beside_a_number_is_read_as_the_month(text: str, fixed: str) -> None:
    assert month_typos_fixed(text) == fixed

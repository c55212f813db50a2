"""What the text helpers know of words: Indonesian as Sastrawi's dictionary knows it (chat forms
included), the language of a question with no function word, spellings that differ between the
two languages."""

from __future__ import annotations

import pytest

from bot.engine.label_words import same_word
from index.text.glossary import renderings_of
from index.text.language import detect_language
from index.text.matching import content_terms, spelling_key
from index.text.stemming import is_indonesian_word


@pytest.mark.parametrize(
    "word",
    ["dievakuasi", "pendaki", "bagaiaman", "dapet", "naikin", "turunin", "nyalon", "ngambil", "antikorupsi"],
)
def test_indonesian_words_in_any_form_people_type_are_known(word: str) -> None:
    assert is_indonesian_word(word)


@pytest.mark.parametrize("word", ["lewotobi", "jokowi", "danantara", "investigation", "submersible", "starship"])
def test_names_and_english_words_are_not_indonesian(word: str) -> None:
    assert not is_indonesian_word(word)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("titan submersible investigation findings", "en"),
        ("camp mystic flood victims", "en"),
        ("hamas ceasefire", "en"),
        ("erupsi gunung semeru", "id"),
        ("sandera gaza", "id"),
        ("pilkada jakarta", "id"),
        ("Kursk", "id"),  # a name alone says nothing: the default
    ],
)
def test_a_question_of_bare_content_words_is_read_in_its_language(question: str, language: str) -> None:
    assert detect_language(question) == language


def test_names_spelt_the_other_languages_way_meet() -> None:
    assert spelling_key("pasifik") == spelling_key("pacific")
    assert spelling_key("ukraina") == spelling_key("ukraine")
    assert spelling_key("meksiko") == spelling_key("mexico")
    assert spelling_key("jerman") != spelling_key("germany")


def test_a_doubled_word_written_with_a_2_is_a_word_not_a_number() -> None:
    terms = {t.stem: t.weight for t in content_terms("semeru tiba2 erupsi")}
    assert "tiba" in terms and terms["tiba"] == 1.0


def test_a_number_written_out_holds_its_digits() -> None:
    from index.text.matching import stems

    assert "7" in stems("a fire in a seven-story building") and "3" in stems("tiga orang tewas")
    assert "7" not in stems("a fire in a building")


def test_a_states_name_and_its_demonym_render_each_other_in_one_language() -> None:
    # "Madagascar" finds the briefs' "Malagasy coup", "Honduras" their "Honduran election" ...
    assert "malagasy" in renderings_of("Madagascar")
    assert "madagascar" in renderings_of("malagasy")
    assert "honduran" in renderings_of("honduras")
    # ... while other words stay one-way: an "attack" is not always a "strike".
    assert "serangan" in renderings_of("attack") and "strike" not in renderings_of("attack")
    # English's combining forms are a state's names too: "perang Rusia-Ukraina" is the
    # "Russo-Ukrainian war", "Tiongkok-India" the "Sino-Indian" border.
    assert "russo" in renderings_of("rusia") and "sino" in renderings_of("tiongkok")
    # Seas and regions the two languages spell apart: "musim topan Pasifik" is the "Pacific
    # typhoon season".
    assert {"pacific"} <= set(renderings_of("Pasifik")) and "season" in renderings_of("musim")
    # "AS" written in capitals is the United States, never the function word "as".
    assert "united states" in renderings_of("garda nasional AS") and "national guard" in renderings_of("garda nasional")
    assert "united states" not in renderings_of("as")


def test_a_labels_word_is_one_typo_away_but_never_at_its_first_letter() -> None:
    assert same_word("ukrane", "ukraine") and same_word("epstien", "epstein")
    # "Hong Kong" is neither "Tonga" nor a "Song Contest"
    assert not same_word("kong", "song") and not same_word("hong", "tong")

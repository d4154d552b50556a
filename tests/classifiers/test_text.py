"""What a head reads: the sender's own words, cleaned for the channel, with Danish lemmas."""

from __future__ import annotations

from collections.abc import Callable

from classifiers.text import (
    QUESTION_WORDS,
    clean,
    feature_texts,
    lemma_texts,
    question_text,
    shape_text,
    strip_mail,
)
from models.inquiry import Inquiry


def test_a_reply_keeps_the_new_words_and_drops_the_quoted_mail() -> None:
    mail = (
        "Tak, men hvornår kommer storskraldet så?\n\n"
        "Den 3. nov. 2026 skrev Kredsløb <kundeservice@example.dk>:\n"
        "> Vi henter storskrald hver anden uge."
    )
    assert strip_mail(mail) == "Tak, men hvornår kommer storskraldet så?"


def test_a_signature_and_disclaimer_are_not_read() -> None:
    mail = (
        "Der er rotter i gården.\n\nMed venlig hilsen\nHanne Hansen\nTlf. 12 34 56 78\n"
        "Denne e-mail kan indeholde fortrolige oplysninger."
    )
    assert strip_mail(mail) == "Der er rotter i gården."


def test_a_mail_that_is_only_a_greeting_is_kept_whole() -> None:
    assert strip_mail("Med venlig hilsen\nOle") == "Med venlig hilsen\nOle"


def test_hesitations_are_dropped_from_phone_transcripts(
    make_inquiry: Callable[..., Inquiry],
) -> None:
    inquiry = make_inquiry(channel="phone", subject="", text="øh ja altså jeg skal øhm have pas")
    assert clean(inquiry) == "ja jeg skal have pas"


def test_danish_words_are_reduced_to_their_lemmas() -> None:
    [lemmas] = lemma_texts(["Skraldespandene bliver ikke tømt"])
    assert "skraldespand" in lemmas.split()
    assert "tømme" in lemmas.split()


def test_a_passport_and_a_child_looked_after_do_not_share_a_lemma() -> None:
    passport, care = lemma_texts(["mit pas er udløbet", "kan mit barn blive passet i ferien"])
    assert "pas" in passport.split()
    assert "passe" in care.split()
    assert "pas" not in care.split()


def test_english_words_are_not_read_as_danish_ones() -> None:
    [lemmas] = lemma_texts(["I am new in Aarhus and got a letter"])
    assert "amme" not in lemmas.split()  # to breastfeed
    assert {"am", "got"} <= set(lemmas.split())


def test_features_never_carry_a_cpr_number(make_inquiry: Callable[..., Inquiry]) -> None:
    views = feature_texts([make_inquiry(text="Mit cpr er 010190-1234, kan I hjælpe?")])
    assert not any("1234" in view[0] for view in views)
    surface = views[1]
    assert "[cpr]" in surface[0]


def test_lemmas_are_those_of_spacys_lookup_lemmatiser() -> None:
    from classifiers.text import danish

    # Words without a fix in LEMMA_FIXES.
    texts = ["jeg har søgt om boligindskudslån og fået afslag", "skraldespandene blev ikke tømt"]
    expected = [
        " ".join(t.lemma_ or t.text for t in doc if not (t.is_punct or t.is_space))
        for doc in danish().pipe(texts)
    ]
    assert lemma_texts(texts) == expected


def test_the_shape_view_tells_a_short_question_from_a_long_letter_with_several() -> None:
    short = shape_text("hvornår har borgerservice åbent?")
    letter = shape_text(" ".join(["ord"] * 70) + " hvorfor? og hvornår? og hvem? og hvad?")
    assert short == "len4 q1"
    assert letter == "len12 q3"  # both capped: beyond them more text says no more


def test_the_shape_view_puts_nearby_lengths_in_one_bucket() -> None:
    assert shape_text(" ".join(["ord"] * 40)) == shape_text(" ".join(["ord"] * 44))
    assert shape_text(" ".join(["ord"] * 20)) != shape_text(" ".join(["ord"] * 44))


def test_the_question_view_keeps_the_sentences_that_ask() -> None:
    mail = (
        "gadefestival – kan vi søge støtte?\nvi er en lille gruppe naboer. vi er ikke en "
        "forening. kan vi alligevel søge fra en kulturpulje, og hvornår er fristen? tak."
    )
    assert question_text(mail) == (
        "gadefestival – kan vi søge støtte? kan vi alligevel søge fra en kulturpulje, "
        "og hvornår er fristen?"
    )


def test_the_question_view_of_a_text_that_asks_nothing_is_its_last_words() -> None:
    transcript = " ".join(["ord"] * 50) + " kan man få en større spand"
    assert question_text("vejen er fuld af huller. den skal lappes") == "den skal lappes"
    assert question_text(transcript).split() == transcript.split()[-QUESTION_WORDS:]

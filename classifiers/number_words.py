"""Danish number words 0-99 and the digits a speaker means by them."""

from __future__ import annotations

from typing import Final

_UNIT_WORDS: Final = {
    "nul": 0, "en": 1, "et": 1, "én": 1, "ét": 1, "to": 2, "tre": 3, "fire": 4,
    "fem": 5, "seks": 6, "syv": 7, "otte": 8, "ni": 9,
}  # fmt: skip
_TENS_WORDS: Final = {
    "tyve": 20, "tredive": 30, "tredve": 30, "fyrre": 40, "fyrretyve": 40,
    "halvtreds": 50, "halvtredsindstyve": 50, "tres": 60, "tresindstyve": 60,
    "halvfjerds": 70, "halvfjerdsindstyve": 70, "firs": 80, "firsindstyve": 80,
    "halvfems": 90, "halvfemsindstyve": 90,
}  # fmt: skip
_TEEN_WORDS: Final = {
    "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15,
    "seksten": 16, "sytten": 17, "atten": 18, "nitten": 19,
}  # fmt: skip


def _number_words() -> dict[str, str]:
    """Return every Danish word for 0-99 with the digits a speaker means by it."""
    words = {word: str(value) for word, value in _UNIT_WORDS.items()}
    words |= {word: str(value) for word, value in _TEEN_WORDS.items() | _TENS_WORDS.items()}
    for unit, unit_value in _UNIT_WORDS.items():
        for tens, tens_value in _TENS_WORDS.items():
            if unit_value:
                words[f"{unit}og{tens}"] = str(tens_value + unit_value)
    return words


# Our own table rather than spaCy's Danish number words: those misspell 45 ("femgogfyrre")
# and count ordinals and "hundrede", which have no digits a caller could be reading out.
NUMBER_WORDS: Final = _number_words()

"""Find Danish street addresses in free text: street, house number, floor, postcode and town."""

from __future__ import annotations

import re
from typing import Final

from classifiers.number_words import NUMBER_WORDS

_LETTER: Final = r"[^\W\d_]"
_CAP: Final = r"[A-ZÆØÅÄÖÜÉ]"
# Street words that are never ordinary nouns before a house number, so lower case will do
# (a voicebot writes "skovvejen tolv"); and a number may be spoken.
_STRONG: Final = r"(?:vej|vejen|gade|gaden|allé|alléen|stræde|strædet|boulevard|torv|torvet)"
# These are everyday words too ("i parken to gange", "børnehaven 3 dage"): only a
# capitalised compound with digits after it is a street ("Solparken 14").
_WEAK: Final = (
    r"(?:parken|vænget|vænge|bakken|toften|stien|skoven|højen|vangen|løkken|haven|engen|"
    r"kær|hegn|ager|plads|pladsen|park|kaj|kajen|ringen|tværvej|huse)"
)
# A street named as separate words: "Jens Baggesens Vej", "Hack Kampmanns Plads".
_SEPARATE: Final = r"(?:Vej|Gade|Allé|Alle|Plads|Torv|Boulevard|Stræde|Vænge|Park|Kaj|Bakke|Sti)"
# "en", "et" and "to" end too many sentences ("på motorvejen to timer") to count as numbers.
_SPOKEN: Final = "|".join(
    sorted(set(NUMBER_WORDS) - {"en", "et", "én", "ét", "to"}, key=len, reverse=True)
)
_HOUSE_DIGITS: Final = r"\d{1,4}(?:\s?[A-Za-z](?![^\W\d_]))?"
_FLOOR: Final = (
    r"(?:,?\s*(?:\d{1,2}\.?|st\.?|stuen|kl\.?|kld\.?)\s*(?:tv|th|mf|sal)(?![^\W\d_])\.?"
    r"|,?\s*(?:st\.|stuen))?"
)
_TOWN: Final = rf"(?:,?\s*\d{{4}}\s+{_CAP}{_LETTER}+(?:\s+{_CAP}(?!{_LETTER}))?)?"
_TAIL: Final = _FLOOR + _TOWN

_ADDRESS: Final = re.compile(
    "|".join(
        (
            rf"(?i:\b{_LETTER}{{2,}}?{_STRONG})\s+(?:nr\.?\s*)?(?:{_HOUSE_DIGITS}|(?i:{_SPOKEN})\b)"
            + _TAIL,
            # "rosenvængets allé fjorten": a genitive and a street word, as a transcript writes it.
            rf"(?i:\b{_LETTER}{{2,}}s\s+{_STRONG})\s+(?:nr\.?\s*)?(?:{_HOUSE_DIGITS}|(?i:{_SPOKEN})\b)"
            + _TAIL,
            rf"\b{_CAP}{_LETTER}+?{_WEAK}\s+(?:nr\.?\s*)?{_HOUSE_DIGITS}" + _TAIL,
            rf"\b(?:{_CAP}{_LETTER}*\.?\s+){{1,3}}{_SEPARATE}\s+(?:nr\.?\s*)?{_HOUSE_DIGITS}"
            + _TAIL,
        )
    )
)


# The municipality's own buildings, as CATALOGUE-FACTS.md gives them: no one's personal data,
# and an inquiry naming one ("mødet på Rådhuspladsen 2") keeps what it is about.
PUBLIC_ADDRESSES: Final[frozenset[str]] = frozenset(
    {"rådhuspladsen 2", "hack kampmanns plads 2", "grøndalsvej 1c"}
)
_SPACES: Final = re.compile(r"\s+")


def _public(address: str) -> bool:
    """Return whether an address starts with one of the municipality's own."""
    flat = _SPACES.sub(" ", address.lower())
    # "Rådhuspladsen 21" is someone's home, not the town hall at number 2.
    return any(
        flat.startswith(public) and not flat[len(public) : len(public) + 1].isalnum()
        for public in PUBLIC_ADDRESSES
    )


def address_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) character offsets of every private street address with a house number."""
    return [match.span() for match in _ADDRESS.finditer(text) if not _public(match.group())]

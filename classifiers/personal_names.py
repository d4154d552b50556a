"""Find personal names where they reliably occur: after a cue, in a sign-off, or as first + last."""

from __future__ import annotations

import re
from typing import Final

from classifiers.first_names import FIRST_NAMES


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_UPPER: Final = "A-ZÆØÅÄÖÜÉ"
_LOWER: Final = "a-zæøåäöüé"
_CAP_WORD: Final = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_LOWER_WORD: Final = rf"[{_LOWER}]+(?:-[{_LOWER}]+)?"
# A name runs over at most four capitalised words on one line ("Anna-Maria von Holstein").
_CAP_RUN: Final = rf"{_CAP_WORD}(?:[ \t]+(?:von|van|de|la)?[ \t]*{_CAP_WORD}){{0,3}}"
_LOWER_RUN: Final = rf"{_LOWER_WORD}(?:[ \t]+{_LOWER_WORD}){{0,2}}"

_LOWER_FIRST: Final = frozenset(name.lower() for name in FIRST_NAMES) - {"hans", "else"}

_INTRO: Final = re.compile(
    r"(?i:\b(?:mit navn er|jeg hedder|my name is|navn:|name:))[ \t]+"
    rf"(?:(?P<cap>{_CAP_RUN})|(?P<low>{_LOWER_RUN}))"
)
_RELATIVE: Final = re.compile(
    r"(?i:\b(?:min|mit|mine|vores|hans|hendes|my|our)[ \t]+(?:søn|datter|mor|far|mand|kone|"
    r"hustru|kæreste|samlever|ægtefælle|nabo|naboen|bror|søster|barn|dreng|pige|svigermor|"
    r"svigerfar|mormor|morfar|farmor|farfar|ven|veninde|son|daughter|mother|mum|mom|father|"
    r"dad|husband|wife|partner|neighbour|neighbor|brother|sister))"
    rf",?[ \t]+(?:(?P<cap>{_CAP_RUN})|(?P<low>{_LOWER_WORD}))"
)
_SIGN_OFF: Final = re.compile(
    r"(?i:\b(?:med venlig hilsen|venlig hilsen|venlige hilsner|de bedste hilsner|bedste hilsner|"
    r"mange hilsner|kærlig hilsen|hilsen|mvh|vh|kind regards|best regards|regards|sincerely))"
    rf"\.?,?[ \t]*(?:\r?\n[ \t]*)?(?:(?P<cap>{_CAP_RUN})|(?P<low>{_LOWER_WORD}))"
)
# A capitalised run; it is a full name when its first word is a known first name. Checking
# the set afterwards is far cheaper than a regex alternation of every name.
_CAPITALISED_RUN: Final = re.compile(rf"\b{_CAP_WORD}(?:[ \t]+{_CAP_WORD})+\b")
_WORD: Final = re.compile(r"\S+")

# Capitalised words that start the name of an office, a place or a service rather than a
# person ("Med venlig hilsen\nAarhus Kommune", "min søn Dokk1").
NOT_NAMES: Final[frozenset[str]] = _words(
    """
    Aarhus Kommune Kommunen Borgerservice Dokk1 Teknik Miljø Sundhed Omsorg Sundheds Børn
    Unge Kultur Sociale Borgmesterens Jobcenter Jobcentret Kørselskontoret Byrådsservice
    Pladsanvisningen Tandplejen Sundhedsplejen Hjemmeplejen Familiecentret Opkrævningen
    Folkeregistret Folkeregisteret Ydelsescentret International Citizen Service Skattestyrelsen
    Udbetaling Danmark Kredsløb Erhverv Team Afdeling Forvaltningen Magistraten Byrådet
    Mit Digital Danish Denmark The Dear Hej Kære Tak Thanks Thank Hello Hi Best Kind
    """
)
# A signature may sign as a role: "Bestyrelsen", "Kassereren", "Lønafdelingen".
_ROLE_ENDING: Final = re.compile(r"(?:en|et|erne|ne)$")
_STOP: Final = _words(
    """
    og i på er har jeg vi det der som til fra med om men ikke kan skal vil bor ringer skriver
    hun han de den her nu igen også så lige bare altså forkert stavet ændret registreret
    and is the i'm from who on not in a wrong spelled øh øhm æh ehm hmm
    """
)


def _named(word: str) -> bool:
    """Return whether a capitalised run's first word can start a person's name."""
    if word in NOT_NAMES:
        return False
    return word in FIRST_NAMES or _ROLE_ENDING.search(word) is None


def _span(match: re.Match[str], *, lower_needs_list: bool) -> tuple[int, int] | None:
    """The offsets of the name a cue match found, or None when it found none."""
    if match.group("cap"):
        words = match.group("cap").split()
        return match.span("cap") if _named(words[0]) else None
    low = match.group("low")
    words = low.split()
    kept = 0
    for word in words:
        if word in _STOP or (lower_needs_list and word not in _LOWER_FIRST):
            break
        kept += 1
    if kept == 0:
        return None
    start = match.start("low")
    return start, start + len(" ".join(words[:kept]))


def _full_name(run: re.Match[str]) -> tuple[int, int] | None:
    """The part of a capitalised run from its first known first name on, if a surname follows."""
    # "Kære Hanne Hansen" is one run; the name starts at "Hanne".
    words = list(_WORD.finditer(run.group()))
    for word in words[:-1]:
        if word.group() in FIRST_NAMES:
            return run.start() + word.start(), run.end()
    return None


def name_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) character offsets of personal names in the text."""
    spans = [span for run in _CAPITALISED_RUN.finditer(text) if (span := _full_name(run))]
    # After "jeg hedder" any word is a name; after "min søn" or "mvh" only a known one,
    # since "min søn skal" and "mvh jens" look alike in a lower-case transcript.
    for pattern, needs_list in ((_INTRO, False), (_RELATIVE, True), (_SIGN_OFF, True)):
        for match in pattern.finditer(text):
            span = _span(match, lower_needs_list=needs_list)
            if span is not None:
                spans.append(span)
    return spans

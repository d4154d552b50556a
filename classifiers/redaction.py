"""Replace CPR, phone and case numbers, mail addresses, names and street addresses in free text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any, Final, cast

import spacy
from spacy.attrs import LIKE_EMAIL, LIKE_NUM
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span, Token
from spacy.util import compile_infix_regex, compile_prefix_regex, filter_spans

from classifiers.number_words import NUMBER_WORDS
from classifiers.personal_names import name_spans
from classifiers.street_addresses import address_spans

# Known gaps: names without a cue, a sign-off or a known first name ("Xiaoling skal ..."),
# addresses without a house number, CVR/account numbers, dates of birth written as dates and
# numbers read out in English pass through.

CPR: Final = "CPR"
TELEFON: Final = "TELEFON"
EMAIL: Final = "EMAIL"
SAGSNR: Final = "SAGSNR"
NAVN: Final = "NAVN"
ADRESSE: Final = "ADRESSE"
_SPAN_KEY: Final = "personal_data"
_COMPONENT: Final = "indgang_personal_data"
_RUN: Final = "NUMBER_RUN"

# Speech-to-text keeps hesitations; a caller pausing mid-number must not split it in two.
_FILLERS: Final = frozenset({"øh", "øhm", "øhh", "eh", "ehm", "hm", "hmm", "mm", "altså"})
_DAY_MONTH: Final = r"(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])"

_EMAIL_TOKEN: Final = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# Danish tokenizer exceptions keep day ordinals whole ("30."), so a number ending a
# sentence ends in one; the "." is left standing when the span is replaced.
_NUMBER_TOKEN: Final = re.compile(r"\+?\d+\.?")
_NR: Final = ("nr", "nummer", "nummeret")
_CASE_CUES: Final = frozenset(
    f"{cue}{nr}{end}"
    for cue in ("sag", "sags", "sags-", "j.", "j", "journal", "journal-")
    for nr in _NR
    for end in ("", ".", ":", ".:")
)
# Spoken numbers may be split by "skråstreg" as case numbers are written with "/".
_CONNECTORS: Final = frozenset({"skråstreg", "streg", "bindestreg", "/", "-"})
# Run on every token, so only cheap lexeme attributes here: LIKE_NUM and LIKE_EMAIL carry
# our own meanings (see _pipeline) instead of REGEX predicates, which cost a Python call.
_PATTERNS: Final[dict[str, list[list[dict[str, Any]]]]] = {
    _RUN: [[{"LIKE_NUM": True, "OP": "+"}]],
    CPR: [[{"SHAPE": "dddd-dddd"}]],
    TELEFON: [[{"SHAPE": "dd-dd-dd-dd"}], [{"SHAPE": "dd.dd.dd.dd"}]],
    EMAIL: [[{"LIKE_EMAIL": True}]],
    SAGSNR: [
        [*cue, {"IS_PUNCT": True, "OP": "*"}, {"LOWER": "er", "OP": "?"}, number]
        for cue in (
            [{"LOWER": {"IN": sorted(_CASE_CUES)}}],
            [
                {"LOWER": {"IN": ["sag", "sags", "j", "j.", "journal"]}},
                {"LOWER": {"IN": [f"{nr}{end}" for nr in _NR for end in ("", ".", ":", ".:")]}},
            ],
        )
        for number in ({"TEXT": {"REGEX": r"\d"}, "OP": "+"}, {"LIKE_NUM": True, "OP": "+"})
    ],
}


def _like_num(text: str) -> bool:
    """Return whether a token is a number a caller could be reading out digit by digit."""
    return _NUMBER_TOKEN.fullmatch(text) is not None or text.lower() in NUMBER_WORDS


def _like_email(text: str) -> bool:
    """Return whether a token is a mail address, Unicode and "+" tags included."""
    return _EMAIL_TOKEN.fullmatch(text) is not None


def _plausible_cpr(digits: str) -> bool:
    """Return whether ten digits start with a real day and month, as a CPR number does."""
    return len(digits) == 10 and re.match(_DAY_MONTH, digits) is not None


def _label_for(digits: str) -> str | None:
    """Return the placeholder label a run of digits read as one number deserves, if any."""
    if _plausible_cpr(digits):
        return CPR
    # +45/0045 lose their "+" in speech and "45" is no day, so a CPR can't be meant.
    national = digits.removeprefix("0045") if len(digits) == 12 else digits
    national = national.removeprefix("45") if len(national) == 10 else national
    return TELEFON if len(national) == 8 else None


def _digits(token: Token) -> str:
    """Return the digits a number token stands for."""
    return NUMBER_WORDS.get(token.lower_, token.lower_.strip("+."))


def _windows(run: Span) -> Iterator[Span]:
    """Yield the leftmost, longest token windows of a run that read as CPR or phone numbers."""
    tokens = [t for t in run if t.lower_ not in _FILLERS]
    start = 0
    while start < len(tokens):
        found = None
        digits = ""
        for end in range(start, len(tokens)):
            digits += _digits(tokens[end])
            label = _label_for(digits)
            if label is not None and (found is None or label == CPR or found[1] != CPR):
                found = (end, label)
            if len(digits) >= 12:
                break
        if found is None:
            start += 1
            continue
        yield Span(run.doc, tokens[start].i, tokens[found[0]].i + 1, label=found[1])
        start = found[0] + 1


def _spoken_leftover(run: Span) -> bool:
    """Return whether a run is eight or more digits read out as words."""
    words = [t for t in run if t.lower_ in NUMBER_WORDS]
    return bool(words) and sum(len(_digits(t)) for t in run if t.lower_ not in _FILLERS) >= 8


def _merged_runs(doc: Doc, runs: list[Span]) -> Iterator[Span]:
    """Join number runs separated only by hesitations into one run."""
    merged: list[Span] = []
    for run in sorted(runs, key=lambda s: s.start):
        previous = merged[-1] if merged else None
        gap = doc[previous.end : run.start] if previous is not None else None
        if previous is not None and gap is not None and all(t.lower_ in _FILLERS for t in gap):
            merged[-1] = doc[previous.start : run.end]
        else:
            merged.append(run)
    yield from merged


def _numbers(doc: Doc, runs: list[Span]) -> Iterator[Span]:
    """Yield CPR and phone spans found in runs of digits and number words."""
    for run in _merged_runs(doc, runs):
        windows = list(_windows(run))
        if windows:
            yield from windows
        elif _spoken_leftover(run):
            # A long spoken number we cannot parse is still somebody's number: over-redact.
            yield Span(doc, run.start, run.end, label=TELEFON)


def _case_number_only(span: Span) -> Span:
    """Return the case number of a cue match, without the cue, through any spoken tail."""
    doc = span.doc
    start = next(t.i for t in span if t.like_num or any(map(str.isdigit, t.text)))
    end = span.end
    while end < len(doc):
        if doc[end].like_num:
            end += 1
        elif (
            doc[end].lower_ in _CONNECTORS | _FILLERS
            and end + 1 < len(doc)
            and doc[end + 1].like_num
        ):
            end += 2
        else:
            break
    return Span(doc, start, end, label=SAGSNR)


class PersonalDataFinder:
    """Pipeline component putting personal-data spans in doc.spans["personal_data"]."""

    def __init__(self, nlp: Language) -> None:
        """Compile the token patterns against the pipeline's vocabulary."""
        self.matcher = Matcher(nlp.vocab)
        for label, patterns in _PATTERNS.items():
            # LONGEST keeps a number run from being offered as every one of its sub-runs.
            self.matcher.add(label, patterns, greedy="LONGEST" if label == _RUN else None)

    def __call__(self, doc: Doc) -> Doc:
        """Find the spans; on overlaps the longest wins, so a cue keeps its case number."""
        runs: list[Span] = []
        others: list[Span] = []
        for span in self.matcher(doc, as_spans=True):
            if span.label_ == _RUN:
                runs.append(span)
            elif span.label_ != CPR or _plausible_cpr(span.text.replace("-", "")):
                others.append(span)
        spans = filter_spans([*others, *_numbers(doc, runs)])
        doc.spans[_SPAN_KEY] = [_case_number_only(s) if s.label_ == SAGSNR else s for s in spans]
        return doc


@Language.factory(_COMPONENT)
def _make_finder(nlp: Language, name: str) -> PersonalDataFinder:
    """Build the component for spaCy's registry."""
    return PersonalDataFinder(nlp)


@cache
def _pipeline() -> Language:
    """Build the tokenizer-plus-matcher pipeline once per process."""
    nlp = spacy.blank("da")
    # This vocabulary is private to redaction, so its lexeme attributes may mean what the
    # patterns need; lexemes made before the change are recomputed.
    getters: dict[int, Callable[[str], bool]] = nlp.vocab.lex_attr_getters  # type: ignore[attr-defined]
    getters[LIKE_NUM] = _like_num
    getters[LIKE_EMAIL] = _like_email
    for lexeme in nlp.vocab:
        lexeme.like_num = _like_num(lexeme.orth_)
        lexeme.like_email = _like_email(lexeme.orth_)
    # Rather than regex fallbacks over the text, tune the tokenizer so one token is one
    # number or address: keep a mail address whole even with "-" or digits inside, and
    # split a cue glued to what follows ("tlf.87401266", "cpr:2303611348", "mail:a@b.dk",
    # "(+45)87401266"), which the default rules, reading "mail:" as a URL scheme, do not.
    tokenizer = cast(Tokenizer, nlp.tokenizer)
    tokenizer.token_match = _EMAIL_TOKEN.fullmatch
    prefixes = [*(nlp.Defaults.prefixes or ()), r"[^\W\d_]+:(?=[\w.%+-]+@)"]
    tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    infixes = [
        *(nlp.Defaults.infixes or ()),
        r"(?<=[^\W\d_]\.)(?=[+\d])",
        r"(?<=[^\W\d_]:)(?=[+\d])",
        r"(?<=\d)\)(?=\d)",
    ]
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    nlp.add_pipe(_COMPONENT)
    return nlp


def _replacements(text: str, doc: Doc) -> list[tuple[int, int, str]]:
    """Return (start, end, label) of every span to replace, longest first where they overlap."""
    found = [(s.start_char, s.end_char, s.label_) for s in doc.spans[_SPAN_KEY]]
    # Names and addresses are shapes of several words with optional parts (floor, postcode);
    # a regex over the text says that more plainly, and faster, than token patterns.
    found += [(start, end, NAVN) for start, end in name_spans(text)]
    found += [(start, end, ADRESSE) for start, end in address_spans(text)]
    kept: list[tuple[int, int, str]] = []
    for start, end, label in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
        if all(end <= other_start or start >= other_end for other_start, other_end, _ in kept):
            kept.append((start, end, label))
    return kept


def _redacted(text: str, doc: Doc) -> str:
    """Return text with each personal-data span found in it replaced by its placeholder."""
    # Right to left, so earlier offsets stay valid and all other text is left byte-identical.
    for start, end, label in sorted(_replacements(text, doc), reverse=True):
        # A sentence's full stop stays standing after the placeholder.
        end -= text[start:end].endswith(".")
        text = f"{text[:start]}[{label}]{text[end:]}"
    return text


def redact(text: str) -> str:
    """Return text with CPR, phone and case numbers, mail and home addresses and names replaced."""
    return _redacted(text, _pipeline()(text))


def redact_many(texts: Sequence[str]) -> list[str]:
    """Return redact(text) for each text, batched through the pipeline for speed."""
    return [_redacted(text, doc) for text, doc in zip(texts, _pipeline().pipe(texts), strict=True)]

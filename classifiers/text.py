"""What a head reads: channel-aware clean-up, redaction, and Danish lemmas from spaCy."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Final, TypeAlias, cast

import spacy
from spacy.language import Language
from spacy.lookups import Table
from spacy.tokenizer import Tokenizer

from classifiers.redaction import redact_many
from models.inquiry import Inquiry

# Voicebot transcripts are full of these; they carry no meaning for routing.
HESITATIONS = frozenset({"øh", "øhm", "øhh", "æh", "ehm", "hmm", "hm", "altså", "øøh", "mmm"})
_QUOTE_INTRO = re.compile(
    r"^\s*(den .{3,80} skrev.*:|on .{3,80} wrote:|-+ ?original message ?-+"
    r"|-+ ?oprindelig meddelelse ?-+|fra: .+|from: .+)\s*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(med venlig hilsen|venlig hilsen|de bedste hilsner|bedste hilsner|mange hilsner|"
    r"hilsen|mvh\.?|vh\.?|kind regards|best regards|regards|sincerely)\b",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"(denne e-?mail (kan indeholde|er kun beregnet)|this e-?mail (may contain|is intended)|"
    r"sendt fra min (iphone|ipad|android)|sent from my (iphone|ipad))",
    re.IGNORECASE,
)
# A sentence ends at . ! or ? followed by a space, or at a line break (a mail's subject line).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Not tuned. A transcript without punctuation is one sentence whose request comes at its end,
# and a mail may ask several questions; this keeps the question block short in both.
QUESTION_WORDS = 30


def strip_mail(text: str) -> str:
    """Keep what the sender wrote now: no quoted earlier mail, sign-off, signature or disclaimer."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_INTRO.match(line) or _DISCLAIMER.search(line):
            break
        if line.lstrip().startswith(">"):
            continue
        # A sign-off ends the message; what follows is a name, a title, a phone number.
        if _SIGN_OFF.match(line) and kept:
            break
        kept.append(line)
    body = "\n".join(kept).strip()
    return body or text.strip()


def strip_hesitations(text: str) -> str:
    """Drop the fillers a speech-to-text transcript keeps."""
    return " ".join(word for word in text.split() if word.lower().strip(",.") not in HESITATIONS)


def clean(inquiry: Inquiry) -> str:
    """The inquiry's own words for its channel, subject first."""
    text = inquiry.text
    if inquiry.channel == "mail":
        text = strip_mail(text)
    elif inquiry.channel == "phone":
        text = strip_hesitations(text)
    return f"{inquiry.subject}\n{text}".strip() if inquiry.subject else text


# Words the lookup table maps to an unrelated word: nouns taken for verb forms ("pas" ->
# "passe" put passports and child care in one feature, "tænder" -> "tænde" teeth and
# lighting, "bøger" -> "bøge" books and beeches, "pap" -> "pappe") and English words taken for
# Danish ones ("am" -> "amme", to breastfeed, in every "I am"). Found by listing the corpus's
# words whose table lemma does not begin with the word's own stem.
LEMMA_FIXES: Final[dict[str, str]] = {
    "pas": "pas",
    "tænder": "tand",
    "tænderne": "tand",
    "bøger": "bog",
    "cykler": "cykel",
    "cyklen": "cykel",
    "cyklerne": "cykel",
    "nyt": "ny",
    "nat": "nat",
    "natten": "nat",
    "ret": "ret",
    "retten": "ret",
    "skat": "skat",
    "skatten": "skat",
    "skatter": "skat",
    "handicap": "handicap",
    "skur": "skur",
    "pap": "pap",
    "gas": "gas",
    "græs": "græs",
    "væk": "væk",
    "tit": "tit",
    "par": "par",
    "bad": "bad",
    **{word: word for word in ("am", "got", "put", "shop", "step", "trip", "plot", "top")},
    **{word: word for word in ("hit", "scan", "drop", "swap", "bed", "red", "led", "bar")},
}


@lru_cache(maxsize=1)
def danish() -> Language:
    """A blank Danish pipeline with the lookup lemmatiser; no model download, ever."""
    nlp = spacy.blank("da")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@lru_cache(maxsize=1)
def _lemma_table() -> Table:
    return danish().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")  # type: ignore[attr-defined,no-any-return]


@lru_cache(maxsize=100_000)
def _lemma(word: str) -> str:
    """The lemma of a word: a fix from LEMMA_FIXES, else the lookup table's entry, else the word."""
    # Looked up here, once per distinct word, rather than by running the lemmatiser component
    # on every token of every inquiry: same table, same result, a tenth of the time.
    if word in LEMMA_FIXES:
        return LEMMA_FIXES[word]
    found = _lemma_table().get(word, word)
    lemma = found if isinstance(found, str) else found[0]
    return str(lemma) or word


def lemma_texts(texts: Sequence[str], *, batch_size: int = 256) -> list[str]:
    """Lower-cased lemmas, punctuation dropped, placeholders like [CPR] kept whole."""
    out = []
    tokenizer = cast(Tokenizer, danish().tokenizer)
    # The lookup table is lower case: "Skraldespandene" is only found as "skraldespandene".
    for doc in tokenizer.pipe((text.lower() for text in texts), batch_size=batch_size):
        lemmas = [_lemma(token.text) for token in doc if not (token.is_punct or token.is_space)]
        out.append(" ".join(lemmas))
    return out


def shape_text(surface: str) -> str:
    """Two tokens for how long the cleaned inquiry is and how many questions it asks."""
    # TF-IDF rows are normalised to length 1, which erases how much was written, and length
    # tells complexity apart: in the shared set's training part "lav" inquiries average 22
    # words, "mellem" 43 and "hoej" 66. Half-octave buckets: 40 and 44 words share one, 20
    # and 40 do not.
    words = len(surface.split())
    return f"len{min(12, int(2 * math.log2(words + 1)))} q{min(3, surface.count('?'))}"


def question_text(surface: str) -> str:
    """The sentences that ask (ending in "?"), else the last sentence: at most its last words."""
    # What is asked decides the type and how much work the answer is ("kan I sende mig
    # linket?" against "hvad gør jeg nu?"); in the whole text those few words are diluted
    # by the story around them.
    sentences = [s for s in (part.strip() for part in _SENTENCE_END.split(surface)) if s]
    asking = [s for s in sentences if s.endswith("?")] or sentences[-1:]
    return " ".join(" ".join(asking).split()[-QUESTION_WORDS:])


FeatureViews: TypeAlias = tuple[list[str], list[str], list[str], list[str]]


def feature_texts(inquiries: Sequence[Inquiry]) -> FeatureViews:
    """Four views per inquiry: lemmas for word features, cleaned surface text for
    characters, its shape (length and questions), and the lemmas of what it asks."""
    surface = [text.lower() for text in redact_many([clean(i) for i in inquiries])]
    tags = [f"__{i.channel}__ __{i.sender}__ " for i in inquiries]
    lemmas = lemma_texts(surface)
    return (
        [tag + lemma for tag, lemma in zip(tags, lemmas, strict=True)],
        surface,
        [shape_text(text) for text in surface],
        lemma_texts([question_text(text) for text in surface]),
    )

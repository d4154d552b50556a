"""Answers matched to inquiries: TF-IDF similarity against the knowledge base's example questions.

An inquiry is compared only with the entries of its classified service area. Two views are
combined, as in the classifier: word features over spaCy lemmas (so "flyttede" meets "flytte")
and character n-grams within words (so compounds, typos and inflections still overlap). Both
blocks are L2-normalised and weighted so that their dot product is a weighted mean of the two
cosines, in 0..1. An entry's score is its best question variant; the best entry wins.

Threshold (DEFAULT_MIN_SCORE = 0.35), chosen by looking at about thirty examples against the
shipped knowledge base: freshly worded questions about a covered topic scored 0.37-0.94 (most
0.45-0.75; terse paraphrases sharing few words with any variant at the low end), while questions
about something the area's entries do not cover (property-tax relief after a flood, a pothole,
bullying at school, name and address protection, a complaint about case handling) scored
0.02-0.25. One complaint about a refuse collector reached 0.39 on shared compounds; complaints
are type `klage`, which the policy never resolves, so they do not reach the matcher. 0.35 sits
in the gap, a little above the off-topic cluster, and sends anything vaguer to a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from threading import Lock
from typing import TYPE_CHECKING

import numpy as np

from classifiers.text import lemma_texts
from config.knowledge import KnowledgeBase, KnowledgeEntry
from models.decision import Answer

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

DEFAULT_MIN_SCORE = 0.35
WORD_WEIGHT = 0.5  # share of the score from lemma words; the rest from character n-grams
# Function words carry no topic; left in, they lift unrelated questions ("hvordan ... jeg ...")
# and dilute related ones. spaCy's Danish list, plus the lemmas the lookup table gives them.
_EXTRA_STOP = {"hav", "skulle", "være", "nå", "kunne", "ville", "måtte", "gøre", "få", "kommune"}
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Match:
    """The best entry of an area for a text and its score, whether or not it clears the bar."""

    entry: KnowledgeEntry | None
    score: float


@dataclass
class _Index:
    words: TfidfVectorizer
    chars: TfidfVectorizer
    matrix: csr_matrix  # one row per question variant
    entry_of_row: list[KnowledgeEntry]
    rows_of_area: dict[str, np.ndarray]


class AnswerMatcher:
    """Find the knowledge-base answer for an inquiry's text within its service area."""

    def __init__(
        self, knowledge_base: KnowledgeBase, *, min_score: float = DEFAULT_MIN_SCORE
    ) -> None:
        if not 0.0 <= min_score <= 1.0:
            raise ValueError(f"min_score must be in 0..1, got {min_score}")
        self.knowledge_base = knowledge_base
        self.min_score = min_score
        self._index: _Index | None = None
        self._lock = Lock()

    def match(self, *, text: str, service_area: str) -> Answer | None:
        """The best answer of the area, or None when nothing scores at least `min_score`."""
        return self.match_many([text], service_areas=[service_area])[0]

    def match_many(
        self, texts: Sequence[str], *, service_areas: Sequence[str]
    ) -> list[Answer | None]:
        """`match` for many texts at once: one spaCy pass and one sparse product."""
        return [self.answer_for(m) for m in self.best_many(texts, service_areas=service_areas)]

    def best(self, *, text: str, service_area: str) -> Match:
        """The best entry of the area and its score, below the bar or not."""
        return self.best_many([text], service_areas=[service_area])[0]

    def best_many(self, texts: Sequence[str], *, service_areas: Sequence[str]) -> list[Match]:
        """`best` for many texts at once."""
        if len(texts) != len(service_areas):
            raise ValueError("texts and service_areas must have the same length")
        if not texts:
            return []
        index = self._built()
        sims = (_vectorise(index.words, index.chars, list(texts)) @ index.matrix.T).toarray()
        out = []
        for row, area in zip(sims, service_areas, strict=True):
            rows = index.rows_of_area.get(area)
            if rows is None or len(rows) == 0:
                out.append(Match(entry=None, score=0.0))
                continue
            best = rows[int(np.argmax(row[rows]))]
            score = float(min(max(row[best], 0.0), 1.0))
            out.append(Match(entry=index.entry_of_row[best], score=score))
        return out

    def answer_for(self, found: Match) -> Answer | None:
        """The Answer for a match that clears `min_score`, else None."""
        if found.entry is None or found.score < self.min_score:
            return None
        entry = found.entry
        return Answer(
            text=entry.answer,
            spoken=entry.spoken,
            link=entry.link,
            phone=entry.phone,
            source_id=entry.id,
            match_score=round(found.score, 4),
        )

    def _built(self) -> _Index:
        """Fit once, on first use; scikit-learn is imported only then."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = _fit(self.knowledge_base)
        return self._index


def _fit(knowledge_base: KnowledgeBase) -> _Index:
    from sklearn.feature_extraction.text import TfidfVectorizer

    rows: list[KnowledgeEntry] = []
    texts: list[str] = []
    for entry in knowledge_base.entries.values():
        for question in entry.questions:
            rows.append(entry)
            texts.append(question)
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    lemmas, surface = _views(texts)
    words.fit(lemmas)
    chars.fit(surface)
    matrix = _vectorise(words, chars, texts)
    areas: dict[str, list[int]] = {}
    for i, entry in enumerate(rows):
        areas.setdefault(entry.service_area, []).append(i)
    rows_of_area = {area: np.array(ids, dtype=int) for area, ids in areas.items()}
    return _Index(words, chars, matrix, entry_of_row=rows, rows_of_area=rows_of_area)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.da.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | _EXTRA_STOP


def _content(text: str, stop: frozenset[str]) -> str:
    return " ".join(w for w in _WORD.findall(text) if w not in stop)


def _views(texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """Lemma words and surface words of each text, function words dropped."""
    stop = _stop_words()
    lowered = [t.lower() for t in texts]
    lemmas = [_content(t, stop) for t in lemma_texts(lowered)]
    surface = [_content(t, stop) for t in lowered]
    return lemmas, surface


def _vectorise(words: TfidfVectorizer, chars: TfidfVectorizer, texts: list[str]) -> csr_matrix:
    from scipy.sparse import hstack
    from sklearn.preprocessing import normalize

    lemmas, surface = _views(texts)
    word_block = normalize(words.transform(lemmas))
    char_block = normalize(chars.transform(surface))
    combined = hstack([word_block * np.sqrt(WORD_WEIGHT), char_block * np.sqrt(1.0 - WORD_WEIGHT)])
    return combined.tocsr()

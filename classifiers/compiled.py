"""The fitted model's per-inquiry path: the arithmetic of transform and predict, minus overhead."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from classifiers.text import feature_texts
from models.inquiry import Inquiry

# Distinct words remembered per character vectoriser; a worker meets far fewer in a day.
WORD_CACHE_SIZE = 200_000


def _plain_char_wb(vectorizer: TfidfVectorizer) -> bool:
    """Return whether the vectoriser makes char_wb n-grams of lower-cased text and nothing else."""
    return (
        vectorizer.analyzer == "char_wb"
        and vectorizer.lowercase
        and vectorizer.preprocessor is None
        and vectorizer.strip_accents is None
        and vectorizer.input == "content"
    )


def word_ngram_counter(vectorizer: TfidfVectorizer) -> Callable[[str], tuple[int, ...]]:
    """Return word -> the vocabulary indices of its char_wb n-grams, remembered per word."""
    low, high = vectorizer.ngram_range
    vocabulary = vectorizer.vocabulary_

    @lru_cache(maxsize=WORD_CACHE_SIZE)
    def indices(word: str) -> tuple[int, ...]:
        # The n-grams of scikit-learn's _char_wb_ngrams for one word, in its order: they
        # never cross a space, so a word's share of the counts is the same in every text.
        padded = f" {word} "
        found: list[int] = []
        for n in range(low, high + 1):
            for offset in range(max(1, len(padded) - n + 1)):
                index = vocabulary.get(padded[offset : offset + n])
                if index is not None:
                    found.append(index)
            if len(padded) <= n:
                break  # a word shorter than n counts once, as scikit-learn does
        return tuple(found)

    return indices


def _char_counts(
    vectorizer: TfidfVectorizer,
    documents: Sequence[str],
    indices: Callable[[str], tuple[int, ...]],
) -> sp.csr_matrix:
    """CountVectorizer.transform(documents) for a plain char_wb vectoriser, word by word."""
    columns: list[int] = []
    pointers = [0]
    for document in documents:
        for word in document.lower().split():
            columns.extend(indices(word))
        pointers.append(len(columns))
    matrix = sp.csr_matrix(
        (np.ones(len(columns)), np.asarray(columns, dtype=np.int64), np.asarray(pointers)),
        shape=(len(documents), len(vectorizer.vocabulary_)),
    )
    matrix.sum_duplicates()  # repeated n-grams become counts, and indices come out sorted
    return matrix


def tfidf(
    vectorizer: TfidfVectorizer,
    documents: Sequence[str],
    indices: Callable[[str], tuple[int, ...]] | None = None,
) -> sp.csr_matrix:
    """vectorizer.transform(documents) for the settings fit() uses, without its input checks."""
    if vectorizer.norm != "l2" or not vectorizer.use_idf or vectorizer.binary:
        return vectorizer.transform(documents)
    # Only the counting of char_wb n-grams (remembered per word) and the idf weighting and row
    # norms, whose validation cost more than their arithmetic for one inquiry, are done here.
    if indices is not None and _plain_char_wb(vectorizer):
        counts = _char_counts(vectorizer, documents, indices)
    else:
        counts = CountVectorizer.transform(vectorizer, documents).tocsr()
    data = counts.data.astype(np.float64)
    if vectorizer.sublinear_tf:
        data = np.log(data) + 1.0
    data *= vectorizer.idf_[counts.indices]
    lengths = np.diff(counts.indptr)
    rows = np.repeat(np.arange(counts.shape[0]), lengths)
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.shape[0]))
    norms[norms == 0.0] = 1.0
    data /= np.repeat(norms, lengths)
    return sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)


class LinearHead(Protocol):
    """What a fitted linear head offers: weights, biases, class names and margins."""

    coef_: Any
    intercept_: Any
    classes_: Any

    def decision_function(self, matrix: Any, /) -> Any:
        """The head's margin (its logits) per class for each row of the matrix."""


@dataclass(frozen=True)
class CompiledModel:
    """The fitted vectorisers, each with all heads' weights for its features as one matrix.

    Computes what ColumnTransformer.transform and each head's decision_function compute,
    without their per-call input validation and without stacking the two feature blocks,
    which together cost more than the arithmetic for one inquiry (benchmarks/classify_speed.py:
    about 6 of 9 ms per classify() call).
    """

    blocks: tuple[tuple[TfidfVectorizer, npt.NDArray[np.float64]], ...]
    counters: tuple[Callable[[str], tuple[int, ...]] | None, ...]
    bias: npt.NDArray[np.float64]
    columns: dict[str, slice]
    urgent_positive: int

    @classmethod
    def of(cls, features: ColumnTransformer, heads: Mapping[str, LinearHead]) -> CompiledModel:
        """Compile fitted features and heads; heads must include a binary "urgent"."""
        blocks, biases, columns, start = [], [], {}, 0
        for head, model in heads.items():
            coef = model.coef_.astype(np.float64)
            blocks.append(coef.T)
            biases.append(model.intercept_.astype(np.float64))
            columns[head] = slice(start, start + coef.shape[0])
            start += coef.shape[0]
        # A binary head has one row of weights, the log-odds of classes_[1].
        positive = heads["urgent"].classes_.tolist().index(True)
        weights = np.hstack(blocks)
        # ColumnTransformer lays the vectorisers' features side by side, in this order.
        vectorizers = [vectorizer for _, vectorizer, _ in features.transformers_]
        # transform() multiplies each block by its transformer weight; so do its weights here.
        scale = [
            (features.transformer_weights or {}).get(name, 1.0)
            for name, _, _ in features.transformers_
        ]
        ends = np.cumsum([len(vectorizer.vocabulary_) for vectorizer in vectorizers])
        return cls(
            blocks=tuple(
                (
                    vectorizer,
                    np.ascontiguousarray(weights[end - len(vectorizer.vocabulary_) : end] * factor),
                )
                for vectorizer, end, factor in zip(vectorizers, ends, scale, strict=True)
            ),
            counters=tuple(
                word_ngram_counter(vectorizer) if _plain_char_wb(vectorizer) else None
                for vectorizer in vectorizers
            ),
            bias=np.concatenate(biases),
            columns=columns,
            urgent_positive=positive,
        )

    def logits(self, inquiries: Sequence[Inquiry]) -> dict[str, npt.NDArray[np.float64]]:
        """Each head's decision values: class scores, or log-odds for the binary urgent head."""
        columns = feature_texts(inquiries)
        scores = self.bias + sum(
            np.asarray(tfidf(vectorizer, column, counter) @ weights)
            for (vectorizer, weights), column, counter in zip(
                self.blocks, columns, self.counters, strict=True
            )
        )
        return {head: scores[:, part] for head, part in self.columns.items()}

    def urgent_probability(self, log_odds: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """P(urgent) from the urgent head's log-odds."""
        p_second: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-log_odds[:, 0]))
        return p_second if self.urgent_positive == 1 else 1.0 - p_second

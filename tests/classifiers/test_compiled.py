"""The per-inquiry path computes exactly what scikit-learn's transform computes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from classifiers.compiled import tfidf, word_ngram_counter

TRAINING = [
    "hvornår bliver skraldespanden tømt",
    "jeg vil søge om beboerlicens i midtbyen",
    "a ab abc abcd abcde",
    "tømmekalender for storskrald og haveaffald",
]
SEEN = [
    "skraldespanden er ikke tømt, og jeg vil søge om en ny",
    "a  b\tabc\u00a0abcdef",
    "",
    "ord som ingen har set før: xyzzy",
]


@pytest.mark.parametrize("ngram_range", [(2, 5), (3, 5), (1, 3)])
@pytest.mark.parametrize("sublinear_tf", [True, False])
def test_char_ngrams_counted_word_by_word_equal_scikit_learns(
    ngram_range: tuple[int, int], sublinear_tf: bool
) -> None:
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=sublinear_tf
    ).fit(TRAINING)
    expected = vectorizer.transform(SEEN).toarray()
    found = tfidf(vectorizer, SEEN, word_ngram_counter(vectorizer)).toarray()
    assert np.allclose(found, expected, atol=1e-12)


def test_word_ngrams_keep_scikit_learns_counting() -> None:
    vectorizer = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
    vectorizer.fit(TRAINING)
    assert np.allclose(
        tfidf(vectorizer, SEEN).toarray(), vectorizer.transform(SEEN).toarray(), atol=1e-12
    )


def test_the_shape_blocks_tokens_are_weighted_as_scikit_learn_weights_them() -> None:
    vectorizer = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", lowercase=False)
    vectorizer.fit(["len4 q1", "len12 q3", "len9 q0"])
    shapes = ["len4 q1", "len12 q3", "len4 q0 len4", "len9 q1", "", "LEN4 unseen"]
    found = tfidf(vectorizer, shapes).toarray()
    expected = vectorizer.transform(shapes).toarray()
    assert np.allclose(found, expected, atol=1e-12)

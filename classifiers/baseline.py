"""TF-IDF features under linear heads: margin classifiers for the labels, logistic regression
for urgency."""

from __future__ import annotations

import hashlib
import json
import math
import platform
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import sklearn
import skops
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from skops.io.exceptions import UntrustedTypesFoundException

from classifiers.catalogue_phrases import AreaPhrase, phrases_hash
from classifiers.compiled import CompiledModel, LinearHead
from classifiers.dataset import DEFAULT_SEED, LabelledInquiry, data_hash
from classifiers.language import detect_language
from classifiers.text import LEMMA_FIXES, QUESTION_WORDS, feature_texts
from models.classification import Classification, HeadConfidence
from models.errors import ClassifierError, ModelNotTrained
from models.inquiry import Inquiry
from models.labels import department_of

HEADS: Final = ("service_area", "type", "complexity", "urgent")
# The feature blocks, in the order of feature_matrix_input's columns.
BLOCKS: Final = ("word", "char", "shape", "question")

# Pinned, not tuned on the held-out split (as Rasa's LogisticRegressionClassifier pins its
# defaults); changing one is a new model version, so they travel in the sidecar.
# min_df=2 drops n-grams seen once (mostly typos and names), halving the features and the
# artifact without costing held-out accuracy: the heads hold 40 coefficients per feature.
# Round 3 (4-fold CV on the training data only): character n-grams (2, 4) and (3, 5), C=10
# for the area head and C=5 or 60 for type and complexity did no better than these; (3, 5)
# ties on accuracy and would be a quarter cheaper, but let slightly more through wrongly.
HYPERPARAMETERS: Final[dict[str, Any]] = {
    "word": {
        "analyzer": "word",
        "ngram_range": (1, 2),
        "sublinear_tf": True,
        "min_df": 2,
    },
    "char": {
        "analyzer": "char_wb",
        "ngram_range": (2, 5),
        "sublinear_tf": True,
        "min_df": 2,
    },
    # Session 6 (4-fold CV on round 9's 4,821 records, 3 seeds, shared-set part in brackets):
    # a block of its own for the inquiry's length and question count (classifiers.text.
    # shape_text), apart so the word rows' normalisation does not shrink it on long texts.
    # Type macro-F1 0.811 (0.862) -> 0.815 (0.870), complexity 0.834 (0.861) -> 0.835
    # (0.870), area 0.879 (0.905) -> 0.880 (0.907), urgent unchanged. At full weight (1.0)
    # type rose to 0.876 on the shared part but complexity fell on the authored part and
    # urgent recall from 0.978 to 0.970 (then the urgent head read it); 0.5 sat between.
    # Length as a token in the word view instead: complexity (0.871), type (0.864).
    "shape": {
        "analyzer": "word",
        "token_pattern": r"\S+",
        "lowercase": False,
    },
    # Each block's rows have length 1; the weight scales a block against the others.
    # Session 7 (same CV, round 10's data): what the inquiry asks (classifiers.text.
    # question_text) as lemma 1-2-grams of their own, read by the type and complexity heads.
    # Over 5,135 records, without -> with it (weight 0.5): type macro-F1 0.810 (0.878) ->
    # 0.814 (0.883), complexity 0.823 (0.865) -> 0.829 (0.867), area and urgent unchanged.
    # On round 9's 4,821 records: type 0.815 (0.870) -> 0.819 (0.867), complexity 0.835
    # (0.870) -> 0.839 (0.881). Read by the area head as well it cost the area 0.4 points on
    # the shared part (0.907 -> 0.903); read by the urgent head it changed nothing.
    "question": {
        "analyzer": "word",
        "ngram_range": (1, 2),
        "sublinear_tf": True,
        "min_df": 2,
    },
    "block_weight": {"word": 1.0, "char": 1.0, "shape": 0.3, "question": 0.5},
    # A head's columns of the blocks it does not read are zero. The urgent head reads no
    # shape (a child at risk is urgent in one line or ten); the area head reads no question
    # block (see above).
    "blocks_read": {
        "service_area": ("word", "char", "shape"),
        "type": ("word", "char", "shape", "question"),
        "complexity": ("word", "char", "shape", "question"),
        "urgent": ("word", "char"),
    },
    # Session 4 (4-fold CV on the training data only, 3 seeds; data/README.md): a linear SVM
    # (squared hinge, one-vs-rest) beat logistic regression on the area head by about two
    # points (three on the shared set's part) and tied it on type and complexity, and fits in
    # a tenth of the time. Its margins are logits for the same temperature scaling, so the
    # router still reads calibrated confidences.
    "linear_svc": {
        "C": {"service_area": 0.5, "type": 0.3, "complexity": 0.3},
        "max_iter": 5_000,
        "random_state": 42,
    },
    # The urgent head keeps logistic regression: its threshold is a probability, chosen for
    # recall out of fold. C trades missed urgent inquiries against false alarms, because the
    # threshold sits at its floor: out of fold on round 10's 5,135 records (seed 20261121),
    # C 20 caught 393 of 404 urgent (shared part 22 of 23) flagging 20.7 % of all; C 10 398
    # (23 of 23) flagging 26.4 %; C 7 400, 29.7 %; C 5 all 404, 34.2 %. A missed child at risk
    # costs more than a false alarm, which costs a place in a queue; but an urgent flag on a
    # third of everything would stop meaning anything to the operators. Session 7: 20 -> 10.
    "logistic_regression": {
        "C": 10.0,
        "max_iter": 1_000,
        "solver": "lbfgs",
        "tol": 1e-4,
        "random_state": 42,
    },
    # Urgent inquiries are about 5 % of the data; unweighted, the head learns to say "no".
    # Balancing type and complexity (4-fold CV, 3 seeds, shared-set part in brackets): type
    # macro-F1 0.796 (0.842) -> 0.799 (0.843), English 0.680 -> 0.696; complexity balanced
    # 0.826 (0.850) against 0.820 (0.841) plain in one seed.
    "class_weight": {
        "service_area": None,
        "type": "balanced",
        "complexity": "balanced",
        "urgent": "balanced",
    },
    "urgent_cv_folds": 5,
    "urgent_threshold_floor": 0.05,
    # Temperature scaling of the three heads the router gates on: confidence is the largest
    # of softmax(logits / T), where a margin head's logits are its one-vs-rest margins (a
    # margin of 1 means "clearly this class"; softmax of raw margins would call every
    # inquiry a near coin toss). ECE in 4-fold CV on round 12's data (6,093 records), raw ->
    # scaled (T fitted on the other folds): service_area 0.750 -> 0.027, type 0.459 -> 0.016,
    # complexity 0.132 -> 0.010. The complexity's T is fitted on its probabilities after the
    # type prior below (0.396 on the head's own margins left an ECE of 0.028).
    # One scalar per head cannot change its own prediction (the argmax is the same), only how
    # sure it claims to be; the type's and the complexity's T do move the complexity read under
    # the type prior below. Chosen by minimising log-loss on out-of-fold predictions of 4-fold
    # cross-validation on the training data only (`python -m classifiers.tuning`, seed 20261121);
    # pinned here rather than refitted inside fit() because that nested cross-validation
    # would multiply the time a fit takes. The urgent head is not scaled: its threshold is
    # chosen for recall on its raw probability, and a monotone rescaling would not change a
    # single decision. Changing a temperature is a new model version.
    "temperature": {"service_area": 0.141, "type": 0.242, "complexity": 0.497},
    # The labels tie complexity to type: general information is always `lav` and a case status
    # always `mellem` in the shared set. The complexity head's probabilities are multiplied by
    # P(complexity | type), counted on the training labels (add-one smoothed) and averaged over
    # the type head's probabilities, raised to this weight. Session 9 (4-fold CV, 3 seeds,
    # round 12's 6,093 records, shared part in brackets), with the complexity's T refitted
    # after the prior (0.497): complexity 0.841 (0.866) -> 0.844 (0.871) at 0.5, 0.845 (0.872)
    # at 0.3, 0.839 (0.866) at 1.0. Choosing the pair (type, complexity) jointly instead cost
    # type F1 0.2 points; forcing `lav` and `mellem` for those two types outright gained
    # nothing (0.842 (0.864)).
    "complexity_type_prior": 0.5,
}
# The heads whose confidence the router reads, and so the ones temperature scaling applies to.
CALIBRATED_HEADS: Final = ("service_area", "type", "complexity")

# Types beyond skops' defaults (scikit-learn, numpy, scipy, builtins) that our artifact may
# hold. It needs none today; anything a file asks for beyond this is refused unloaded.
ALLOWED_UNTRUSTED_TYPES: Final[frozenset[str]] = frozenset()
# Format 2 added the per-head temperatures; a format-1 file has none, and loading it with
# T = 1 would silently bring back the uncalibrated confidences the thresholds were not chosen for.
# Format 3 made the area, type and complexity heads linear SVMs, whose temperatures scale
# margins: a format-2 file's temperatures were fitted for logistic regression's logits.
# Format 4 added the shape block: a format-3 file's features read two text columns, not three.
# Format 5 added the question block: a format-4 file's features read three columns, not four.
# Format 6 fixed wrong lemmas (LEMMA_FIXES): a format-5 file's word features learnt "passe"
# from passports, and the text preparation now gives "passe" only for looking after a child.
# Format 7 added P(complexity | type): a format-6 file's complexity would skip the type prior.
_ARTIFACT_FORMAT: Final = 7


def library_versions() -> dict[str, str]:
    """Return the versions a trained artifact depends on."""
    return {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "skops": skops.__version__,
    }


def _phrase_inquiries(phrases: Sequence[AreaPhrase]) -> list[Inquiry]:
    # A catalogue phrase reads like a question typed into the web form.
    return [
        Inquiry(channel="web", sender="citizen", subject="", text=phrase.text) for phrase in phrases
    ]


def feature_matrix_input(inquiries: Sequence[Inquiry]) -> npt.NDArray[np.object_]:
    """Four text columns per inquiry, in BLOCKS' order: lemmas (word features), cleaned surface
    (characters), shape (length and questions) and the lemmas of what it asks."""
    views = feature_texts(inquiries)
    table = np.empty((len(inquiries), len(views)), dtype=object)
    for column, view in enumerate(views):
        table[:, column] = view
    return table


def _new_features(*, read_by: str | None = None) -> ColumnTransformer:
    """The feature blocks, all of them or only those the head read_by reads."""
    return ColumnTransformer(
        [
            (
                block,
                TfidfVectorizer(**HYPERPARAMETERS[block])
                if read_by is None or block in HYPERPARAMETERS["blocks_read"][read_by]
                else "drop",
                column,
            )
            for column, block in enumerate(BLOCKS)
        ],
        transformer_weights=HYPERPARAMETERS["block_weight"],
    )


def _read_by(head: str, features: ColumnTransformer, matrix: sp.csr_matrix) -> sp.csr_matrix:
    """The matrix with the columns of the blocks the head does not read zeroed."""
    keep = np.ones(matrix.shape[1])
    for block in BLOCKS:
        if block not in HYPERPARAMETERS["blocks_read"][head]:
            keep[features.output_indices_[block]] = 0.0
    return sp.csr_matrix(matrix @ sp.diags(keep))


Head: TypeAlias = LinearSVC | LogisticRegression


def _new_head(name: str) -> Head:
    if name == "urgent":
        return LogisticRegression(
            class_weight=HYPERPARAMETERS["class_weight"][name],
            **HYPERPARAMETERS["logistic_regression"],
        )
    settings = HYPERPARAMETERS["linear_svc"]
    return LinearSVC(
        C=settings["C"][name],
        class_weight=HYPERPARAMETERS["class_weight"][name],
        max_iter=settings["max_iter"],
        random_state=settings["random_state"],
    )


def head_logits(head: LinearHead, matrix: Any) -> npt.NDArray[np.float64]:
    """The head's logits per class (for a margin head its margins), what temperature scales."""
    return np.asarray(head.decision_function(matrix), dtype=np.float64)


def _plain_vocabularies(features: ColumnTransformer) -> ColumnTransformer:
    # max_features leaves numpy integers in the vocabulary, and skops writes each numpy
    # scalar as a file of its own: a 40,000-term vocabulary then takes half a minute to save.
    for _, vectorizer, _ in features.transformers_:
        vectorizer.vocabulary_ = {
            term: int(index) for term, index in vectorizer.vocabulary_.items()
        }
    return features


def _float32(head: Head) -> Head:
    # Halves the artifact; probabilities move in the 7th decimal, far below any threshold.
    head.coef_ = head.coef_.astype(np.float32)
    head.intercept_ = head.intercept_.astype(np.float32)
    return head


def scaled_probabilities(
    logits: npt.NDArray[np.float64], temperature: float
) -> npt.NDArray[np.float64]:
    """softmax(logits / T) per row; T > 1 softens, T < 1 sharpens."""
    scaled = logits / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: npt.NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return result


def complexity_given_type(
    types: Sequence[str], complexities: Sequence[str], *, type_classes: Any, levels: Any
) -> npt.NDArray[np.float64]:
    """P(complexity | type) over the heads' class orders, counted with add-one smoothing."""
    counts = np.ones((len(type_classes), len(levels)))
    row = {str(c): i for i, c in enumerate(type_classes)}
    column = {str(c): j for j, c in enumerate(levels)}
    for kind, level in zip(types, complexities, strict=True):
        counts[row[str(kind)], column[str(level)]] += 1
    result: npt.NDArray[np.float64] = counts / counts.sum(axis=1, keepdims=True)
    return result


def with_type_prior(
    p_type: npt.NDArray[np.float64],
    p_complexity: npt.NDArray[np.float64],
    given_type: npt.NDArray[np.float64],
    weight: float,
) -> npt.NDArray[np.float64]:
    """The complexity probabilities times the expected P(complexity | type) to the weight."""
    if weight == 0.0:
        return p_complexity
    adjusted = p_complexity * (p_type @ given_type) ** weight
    result: npt.NDArray[np.float64] = adjusted / adjusted.sum(axis=1, keepdims=True)
    return result


def calibrated_probabilities(
    logits: Mapping[str, npt.NDArray[np.float64]],
    temperatures: Mapping[str, float],
    given_type: npt.NDArray[np.float64],
) -> dict[str, npt.NDArray[np.float64]]:
    """Each head's softmax(logits / T) for the heads given a T, the complexity read under the
    type prior (so a T for the complexity needs one for the type)."""
    proba = {head: scaled_probabilities(logits[head], t) for head, t in temperatures.items()}
    if "complexity" in proba:
        proba["complexity"] = with_type_prior(
            proba["type"],
            proba["complexity"],
            given_type,
            float(HYPERPARAMETERS["complexity_type_prior"]),
        )
    return proba


def _choose_urgent_threshold(
    texts: npt.NDArray[np.object_], urgent: npt.NDArray[np.bool_], *, seed: int
) -> float:
    # A missed urgent inquiry may be a child at risk or a deadline lost, and urgent ones
    # are never left to a bot; a false alarm only costs a place in a queue. So we take the
    # highest threshold at which every urgent training inquiry is still caught out of fold,
    # with a floor so one badly predicted example cannot flag everything.
    positives = int(urgent.sum())
    folds = min(HYPERPARAMETERS["urgent_cv_folds"], positives, len(urgent) - positives)
    if folds < 2:
        raise ClassifierError("the urgent head needs at least 2 urgent and 2 other examples")
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    # The features are refitted inside each fold, so no fold sees its own vocabulary; only
    # the blocks the urgent head reads.
    pipeline = Pipeline(
        [("features", _new_features(read_by="urgent")), ("classifier", _new_head("urgent"))]
    )
    scores = cross_val_predict(pipeline, texts, urgent, cv=cv, method="predict_proba")[:, 1]
    return max(float(HYPERPARAMETERS["urgent_threshold_floor"]), float(scores[urgent].min()))


class BaselineClassifier:
    """One linear head per label (logistic regression for urgency) over shared TF-IDF blocks."""

    def __init__(self) -> None:
        self.model_version = "baseline-untrained"
        self.urgent_threshold = 0.5
        self._features: ColumnTransformer | None = None
        self._heads: dict[str, Head] = {}
        self.temperatures: dict[str, float] = {head: 1.0 for head in CALIBRATED_HEADS}
        # Rows in the type head's class order, columns in the complexity head's.
        self.complexity_given_type: npt.NDArray[np.float64] = np.empty((0, 0))
        self._compiled: CompiledModel | None = None

    def is_trained(self) -> bool:
        """Return whether the model is fitted or loaded."""
        return self._features is not None

    def fit(
        self,
        records: Sequence[LabelledInquiry],
        *,
        seed: int = DEFAULT_SEED,
        area_phrases: Sequence[AreaPhrase] = (),
    ) -> BaselineClassifier:
        """Fit the features and every head on the records, and choose the urgent threshold;
        area_phrases (text known to belong to one area) train the features and the area head."""
        texts = feature_matrix_input([record.to_inquiry() for record in records])
        targets = {
            head: np.array([getattr(record.labels, head) for record in records]) for head in HEADS
        }
        for head, target in targets.items():
            if len(np.unique(target)) < 2:
                raise ClassifierError(f"the {head} head needs at least two classes to learn")
        threshold = _choose_urgent_threshold(texts, targets["urgent"].astype(bool), seed=seed)
        # Every head reads the same text, so one vectoriser serves all four: a quarter of
        # the artifact and of the time per batch, compared with a pipeline per head.
        phrase_texts = feature_matrix_input(_phrase_inquiries(area_phrases))
        every_text = np.vstack([texts, phrase_texts]) if area_phrases else texts
        features = _plain_vocabularies(_new_features().fit(every_text))
        every_row = sp.csr_matrix(features.transform(every_text))
        n = len(records)
        area_target = np.concatenate(
            [targets["service_area"], [phrase.service_area for phrase in area_phrases]]
        )
        inquiry_rows = every_row[:n]
        rows = {
            head: _read_by(head, features, every_row if head == "service_area" else inquiry_rows)
            for head in HEADS
        }
        self._heads = {
            head: _float32(
                _new_head(head).fit(
                    rows[head], area_target if head == "service_area" else targets[head]
                )
            )
            for head in HEADS
        }
        self._features, self.urgent_threshold = features, threshold
        self.complexity_given_type = complexity_given_type(
            targets["type"].tolist(),
            targets["complexity"].tolist(),
            type_classes=self._heads["type"].classes_,
            levels=self._heads["complexity"].classes_,
        )
        self._compile()
        self.temperatures = {
            head: float(HYPERPARAMETERS["temperature"][head]) for head in CALIBRATED_HEADS
        }
        # Data and settings both make the model: a recalibration is a new version too.
        settings = json.dumps(
            {**HYPERPARAMETERS, "question_words": QUESTION_WORDS, "lemma_fixes": LEMMA_FIXES},
            sort_keys=True,
            default=str,
        )
        sources = f"{data_hash(records)}:{phrases_hash(area_phrases)}:{settings}"
        fingerprint = hashlib.sha256(sources.encode()).hexdigest()
        self.model_version = "baseline-" + fingerprint[:10]
        return self

    def classify(self, inquiry: Inquiry) -> Classification:
        """Label one inquiry."""
        return self.classify_batch([inquiry])[0]

    def _compile(self) -> None:
        """Stack every head's weights into one matrix for the per-inquiry path."""
        assert self._features is not None
        self._compiled = CompiledModel.of(self._features, self._heads)

    def classify_batch(self, inquiries: Sequence[Inquiry]) -> list[Classification]:
        """Label many inquiries with one vectorisation for the whole batch."""
        if self._compiled is None:
            raise ModelNotTrained(
                "the baseline classifier has no model: call fit() or BaselineClassifier.load()"
            )
        if not inquiries:
            return []
        logits = self._compiled.logits(inquiries)
        chosen: dict[str, list[Any]] = {}
        confidence: dict[str, list[float]] = {}
        proba = calibrated_probabilities(logits, self.temperatures, self.complexity_given_type)
        for head in CALIBRATED_HEADS:
            chosen[head] = self._heads[head].classes_[proba[head].argmax(axis=1)].tolist()
            confidence[head] = proba[head].max(axis=1).tolist()
        p_urgent = self._compiled.urgent_probability(logits["urgent"])
        is_urgent = p_urgent >= self.urgent_threshold
        # The urgent confidence is the probability of the side chosen, like the other heads.
        confidence["urgent"] = np.where(is_urgent, p_urgent, 1.0 - p_urgent).tolist()
        return [
            Classification(
                department=department_of(chosen["service_area"][i]),
                service_area=chosen["service_area"][i],
                type=chosen["type"][i],
                complexity=chosen["complexity"][i],
                urgent=bool(is_urgent[i]),
                confidence=HeadConfidence(**{head: confidence[head][i] for head in HEADS}),
                language=inquiry.language or detect_language(inquiry.full_text),
                model_version=self.model_version,
            )
            for i, inquiry in enumerate(inquiries)
        ]

    def describe(self) -> dict[str, Any]:
        """Return what a reader of the artifact needs to know about this model."""
        return {
            "model_version": self.model_version,
            "urgent_threshold": self.urgent_threshold,
            "temperatures": self.temperatures,
            "hyperparameters": HYPERPARAMETERS,
            "libraries": library_versions(),
        }

    def save(self, path: Path, *, metadata: Mapping[str, Any] | None = None) -> None:
        """Write the model to path (.skops) and its metadata to path + ".json"."""
        if self._features is None:
            raise ModelNotTrained("an untrained classifier cannot be saved")
        payload = {
            "format": _ARTIFACT_FORMAT,
            "model_version": self.model_version,
            "urgent_threshold": self.urgent_threshold,
            "features": self._features,
            "heads": self._heads,
            # Plain floats: skops stores them as JSON, nothing to allow-list.
            "temperatures": {head: float(t) for head, t in self.temperatures.items()},
            "complexity_given_type": self.complexity_given_type.tolist(),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # skops writes the vocabulary as verbose JSON, which deflates about tenfold.
            sio.dump(payload, path, compression=zipfile.ZIP_DEFLATED)
        except (OSError, TypeError) as exc:
            raise ClassifierError(f"cannot write the model to {path}") from exc
        sidecar = {**self.describe(), **(metadata or {})}
        sidecar_path = path.with_name(path.name + ".json")
        sidecar_path.write_text(json.dumps(sidecar, indent=2, sort_keys=True) + "\n", "utf-8")

    @classmethod
    def load(cls, path: Path) -> BaselineClassifier:
        """Read a model written by save(), refusing any type our pipeline does not use."""
        try:
            # One pass: load() itself refuses a type outside `trusted`, and listing the file's
            # types first (get_untrusted_types) read the whole tree again, doubling the 2.5 s
            # a worker waits for its model at start-up.
            payload = sio.load(path, trusted=sorted(ALLOWED_UNTRUSTED_TYPES))
        except UntrustedTypesFoundException as exc:
            raise ClassifierError(f"{path} holds types we do not load: {exc}") from exc
        except (OSError, ValueError, TypeError, KeyError, zipfile.BadZipFile) as exc:
            raise ClassifierError(f"cannot read a model from {path}") from exc
        _check_payload(payload, path)
        classifier = cls()
        classifier._features = payload["features"]
        classifier._heads = payload["heads"]
        classifier.model_version = str(payload["model_version"])
        classifier.urgent_threshold = float(payload["urgent_threshold"])
        classifier.temperatures = dict(payload["temperatures"])
        classifier.complexity_given_type = np.array(payload["complexity_given_type"])
        classifier._compile()
        return classifier


def _check_payload(payload: Any, path: Path) -> None:
    # skops trusts every scikit-learn estimator by default, so a valid file could still
    # hold another model; accept only the exact shapes fit() builds.
    if not isinstance(payload, dict):
        raise ClassifierError(f"{path} is not a baseline artifact of format {_ARTIFACT_FORMAT}")
    found = payload.get("format")
    if found != _ARTIFACT_FORMAT:
        raise ClassifierError(
            f"{path} is a baseline artifact of format {found!r}, but this version reads only "
            f"format {_ARTIFACT_FORMAT} (format 7 added P(complexity | type)); "
            "retrain it with `indgang train`"
        )
    features: Any = payload.get("features")
    heads: Any = payload.get("heads")
    features_ok = type(features) is ColumnTransformer and all(
        type(part) is TfidfVectorizer for _, part, _ in features.transformers_
    )
    heads_ok = (
        isinstance(heads, dict)
        and set(heads) == set(HEADS)
        and type(heads["urgent"]) is LogisticRegression
        and all(type(heads[head]) is LinearSVC for head in CALIBRATED_HEADS)
    )
    temperatures: Any = payload.get("temperatures")
    temperatures_ok = (
        isinstance(temperatures, dict)
        and set(temperatures) == set(CALIBRATED_HEADS)
        and all(type(t) is float and math.isfinite(t) and t > 0.0 for t in temperatures.values())
    )
    if not (features_ok and heads_ok and temperatures_ok):
        raise ClassifierError(
            f"{path} does not hold the baseline's features, heads and temperatures"
        )
    if not _is_conditional(
        payload.get("complexity_given_type"),
        rows=len(heads["type"].classes_),
        columns=len(heads["complexity"].classes_),
    ):
        raise ClassifierError(
            f"{path} does not hold P(complexity | type) over its type and complexity classes"
        )


def _is_conditional(table: Any, *, rows: int, columns: int) -> bool:
    """Whether table is a rows x columns list of probability rows."""
    if not (isinstance(table, list) and len(table) == rows):
        return False
    for row in table:
        if not (isinstance(row, list) and len(row) == columns):
            return False
        if not all(type(p) is float and 0.0 < p <= 1.0 for p in row):
            return False
        if not math.isclose(sum(row), 1.0, abs_tol=1e-9):
            return False
    return True

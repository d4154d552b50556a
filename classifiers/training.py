"""Train the baseline, measure it on the held-out split and ship the artifact."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from classifiers.baseline import HYPERPARAMETERS, BaselineClassifier, library_versions
from classifiers.catalogue_phrases import catalogue_phrases, phrases_hash
from classifiers.dataset import DEFAULT_SEED, LabelledInquiry, data_hash, load_labelled
from models.errors import ClassifierError
from models.labels import expected_action

DEFAULT_ARTIFACT = Path(__file__).parent / "artifacts" / "baseline.skops"


class HeldOutMetrics(BaseModel):
    """How the model does on inquiries it never saw in training."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service_area_accuracy: float
    department_accuracy: float
    type_macro_f1: float
    complexity_accuracy: float
    urgent_recall: float
    urgent_precision: float
    share_resolved: float
    share_wrongly_resolved: float


class TrainReport(BaseModel):
    """Everything needed to reproduce and judge one training run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_version: str
    data_hash: str
    held_out_hash: str
    seed: int
    data_files: list[str]
    held_out_files: list[str]
    n_train: int
    # Catalogue and knowledge-base phrases the area head also learnt from (config/data/).
    n_area_phrases: int
    area_phrases_hash: str
    n_held_out: int
    n_held_out_urgent: int
    urgent_threshold: float
    metrics: HeldOutMetrics
    hyperparameters: dict[str, Any]
    libraries: dict[str, str]


def evaluate(model: BaselineClassifier, held_out: Sequence[LabelledInquiry]) -> HeldOutMetrics:
    """Score the model against the labels of the held-out records."""
    if not held_out:
        raise ClassifierError("the held-out split is empty; there is nothing to measure on")
    predicted = model.classify_batch([record.to_inquiry() for record in held_out])
    truth = [record.labels for record in held_out]
    # "Wrongly resolved" is the costly error: a bot answers what needed a person.
    resolved = [
        expected_action(urgent=p.urgent, complexity=p.complexity, inquiry_type=p.type) == "resolve"
        for p in predicted
    ]
    wrongly_resolved = [
        bot and label.action == "queue" for bot, label in zip(resolved, truth, strict=True)
    ]
    urgent_true = [label.urgent for label in truth]
    urgent_predicted = [p.urgent for p in predicted]
    return HeldOutMetrics(
        service_area_accuracy=accuracy_score(
            [t.service_area for t in truth], [p.service_area for p in predicted]
        ),
        department_accuracy=accuracy_score(
            [t.department for t in truth], [p.department for p in predicted]
        ),
        type_macro_f1=f1_score(
            [t.type for t in truth], [p.type for p in predicted], average="macro", zero_division=0
        ),
        complexity_accuracy=accuracy_score(
            [t.complexity for t in truth], [p.complexity for p in predicted]
        ),
        urgent_recall=recall_score(urgent_true, urgent_predicted, zero_division=0),
        urgent_precision=precision_score(urgent_true, urgent_predicted, zero_division=0),
        share_resolved=sum(resolved) / len(held_out),
        share_wrongly_resolved=sum(wrongly_resolved) / len(held_out),
    )


def train(
    *,
    data_paths: Sequence[Path],
    held_out_paths: Sequence[Path],
    out_path: Path,
    seed: int = DEFAULT_SEED,
) -> TrainReport:
    """Fit on the training files, measure on the held-out files, write artifact and sidecar."""
    records = load_labelled(data_paths)
    held_out = load_labelled(held_out_paths)
    _refuse_leaks(records, held_out)
    phrases = catalogue_phrases()
    model = BaselineClassifier().fit(records, seed=seed, area_phrases=phrases)
    report = TrainReport(
        model_version=model.model_version,
        data_hash=data_hash(records),
        held_out_hash=data_hash(held_out),
        seed=seed,
        data_files=[_relative(p) for p in data_paths],
        held_out_files=[_relative(p) for p in held_out_paths],
        n_train=len(records),
        n_area_phrases=len(phrases),
        area_phrases_hash=phrases_hash(phrases),
        n_held_out=len(held_out),
        n_held_out_urgent=sum(record.labels.urgent for record in held_out),
        urgent_threshold=model.urgent_threshold,
        metrics=evaluate(model, held_out),
        hyperparameters=HYPERPARAMETERS,
        libraries=library_versions(),
    )
    model.save(out_path, metadata=report.model_dump(mode="json"))
    return report


def _refuse_leaks(train: Sequence[LabelledInquiry], held_out: Sequence[LabelledInquiry]) -> None:
    # A held-out inquiry seen in training, by id or by its exact words, makes every metric a lie.
    ids = {r.id for r in train} & {r.id for r in held_out}
    texts = {_norm(r.text) for r in train} & {_norm(r.text) for r in held_out}
    if ids or texts:
        raise ClassifierError(
            f"held-out data leaks into training: {len(ids)} shared ids, {len(texts)} shared texts"
        )


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return path.name


def load_default_classifier(path: Path | None = None) -> BaselineClassifier:
    """Load the shipped baseline, or the artifact at path."""
    artifact = path or DEFAULT_ARTIFACT
    if not artifact.is_file():
        raise ClassifierError(f"no baseline artifact at {artifact}; run classifiers.training.train")
    return BaselineClassifier.load(artifact)

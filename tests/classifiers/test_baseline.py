"""Training, classifying, saving and loading the baseline classifier."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import skops.io as sio

from classifiers.baseline import BaselineClassifier
from classifiers.dataset import LabelledInquiry, split
from classifiers.training import load_default_classifier, train
from models.errors import ClassifierError, ModelNotTrained
from models.inquiry import Inquiry
from models.labels import CHANNELS, department_of

REPO = Path(__file__).resolve().parents[2]


class Foreign:
    """A type no baseline artifact contains."""


@pytest.fixture(scope="module")
def shipped() -> BaselineClassifier:
    return load_default_classifier()


@pytest.fixture
def small_data(tmp_path: Path, shared_records: list[LabelledInquiry]) -> Path:
    """Every fourth record plus every urgent one, so all heads have classes to learn."""
    subset = [r for n, r in enumerate(shared_records) if n % 4 == 0 or r.labels.urgent]
    path = tmp_path / "small.jsonl"
    path.write_text("".join(r.model_dump_json() + "\n" for r in subset), encoding="utf-8")
    return path


def test_predicting_before_training_raises_model_not_trained(
    make_inquiry: Callable[..., Inquiry],
) -> None:
    with pytest.raises(ModelNotTrained, match=r"call fit\(\) or BaselineClassifier\.load\(\)"):
        BaselineClassifier().classify(make_inquiry())


def test_shipped_model_loads_and_classifies_every_channel(
    shipped: BaselineClassifier, make_inquiry: Callable[..., Inquiry]
) -> None:
    inquiries = [make_inquiry(channel=channel) for channel in CHANNELS]
    results = shipped.classify_batch(inquiries)
    assert len(results) == len(CHANNELS)
    for result in results:
        assert result.model_version == shipped.model_version
        assert result.model_version.startswith("baseline-")
        assert result.department == department_of(result.service_area)
        assert 0.0 <= result.confidence.service_area <= 1.0


def test_passport_mail_goes_to_passports(
    shipped: BaselineClassifier, make_inquiry: Callable[..., Inquiry]
) -> None:
    result = shipped.classify(make_inquiry())
    assert result.service_area == "mkb.pas_koerekort"
    assert result.language == "da"


def test_batch_and_single_classification_agree(
    shipped: BaselineClassifier, shared_records: list[LabelledInquiry]
) -> None:
    inquiries = [record.to_inquiry() for record in shared_records[::40]]
    assert shipped.classify_batch(inquiries) == [shipped.classify(i) for i in inquiries]


def test_training_twice_with_the_same_seed_gives_the_same_metrics(
    tmp_path: Path, small_data: Path
) -> None:
    held_out = [REPO / "data" / "held-out" / "shared-held-out.jsonl"]
    first = train(
        data_paths=[small_data], held_out_paths=held_out, out_path=tmp_path / "a.skops", seed=7
    )
    second = train(
        data_paths=[small_data], held_out_paths=held_out, out_path=tmp_path / "b.skops", seed=7
    )
    assert first.metrics == second.metrics
    assert first.model_version == second.model_version
    assert (tmp_path / "a.skops.json").is_file()


def test_saved_model_loads_and_predicts_the_same(
    tmp_path: Path, shipped: BaselineClassifier, make_inquiry: Callable[..., Inquiry]
) -> None:
    shipped.save(tmp_path / "copy.skops")
    copy = BaselineClassifier.load(tmp_path / "copy.skops")
    assert copy.classify(make_inquiry()) == shipped.classify(make_inquiry())


def test_loading_a_model_with_foreign_types_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "foreign.skops"
    sio.dump({"format": 1, "heads": Foreign()}, path)
    with pytest.raises(ClassifierError, match=r"holds types we do not load: .*Foreign"):
        BaselineClassifier.load(path)


def test_loading_another_scikit_learn_model_is_refused(tmp_path: Path) -> None:
    from sklearn.dummy import DummyClassifier

    path = tmp_path / "dummy.skops"
    sio.dump({"format": 1, "features": DummyClassifier(), "heads": {}}, path)
    with pytest.raises(ClassifierError, match="does not hold the baseline's features"):
        BaselineClassifier.load(path)


def test_loading_a_file_that_is_no_model_raises_classifier_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.skops"
    path.write_bytes(b"not a zip file")
    with pytest.raises(ClassifierError, match="cannot read a model") as caught:
        BaselineClassifier.load(path)
    assert isinstance(caught.value.__cause__, zipfile.BadZipFile)


def test_training_without_urgent_examples_is_refused(
    shared_records: list[LabelledInquiry],
) -> None:
    calm, _ = split([r for r in shared_records if not r.labels.urgent])
    with pytest.raises(ClassifierError, match="urgent head needs at least two classes"):
        BaselineClassifier().fit(calm)


def test_training_refuses_a_held_out_inquiry_that_is_also_in_training(
    tmp_path: Path, small_data: Path
) -> None:
    with pytest.raises(ClassifierError, match="held-out data leaks into training"):
        train(data_paths=[small_data], held_out_paths=[small_data], out_path=tmp_path / "x.skops")


def test_the_held_out_split_shares_nothing_with_the_training_data() -> None:
    from classifiers.dataset import load_labelled

    held_out = load_labelled(sorted((REPO / "data" / "held-out").glob("*.jsonl")))
    training = load_labelled(
        sorted((REPO / "data" / "labelled").glob("*.jsonl"))
        + sorted((REPO / "data" / "authored").glob("*.jsonl"))
    )
    assert {r.id for r in held_out}.isdisjoint({r.id for r in training})
    assert {r.text for r in held_out}.isdisjoint({r.text for r in training})

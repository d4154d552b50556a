"""Training, classifying, saving and loading the baseline classifier."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import skops.io as sio

from classifiers.baseline import HYPERPARAMETERS, BaselineClassifier
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
    sio.dump({"format": 7, "features": DummyClassifier(), "heads": {}}, path)
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


def test_temperatures_are_saved_loaded_and_change_confidence_but_not_labels(
    tmp_path: Path,
    shipped: BaselineClassifier,
    shared_records: list[LabelledInquiry],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without the type prior a temperature is monotone per head (with it, the type head's
    # temperature reweighs the complexity: see the prior's own tests).
    monkeypatch.setitem(HYPERPARAMETERS, "complexity_type_prior", 0.0)
    path = tmp_path / "hot.skops"
    shipped_temperatures = dict(shipped.temperatures)
    try:
        shipped.temperatures = {"service_area": 2.5, "type": 0.5, "complexity": 1.7}
        shipped.save(path)
    finally:
        shipped.temperatures = shipped_temperatures
    loaded = BaselineClassifier.load(path)
    assert loaded.temperatures == {"service_area": 2.5, "type": 0.5, "complexity": 1.7}
    inquiries = [record.to_inquiry() for record in shared_records[::25]]
    hot, plain = loaded.classify_batch(inquiries), shipped.classify_batch(inquiries)
    loaded.temperatures = {"service_area": 1.0, "type": 1.0, "complexity": 1.0}
    raw = loaded.classify_batch(inquiries)
    for h, p, r in zip(hot, plain, raw, strict=True):
        assert (h.service_area, h.type, h.complexity) == (p.service_area, p.type, p.complexity)
        assert (h.service_area, h.type, h.complexity) == (r.service_area, r.type, r.complexity)
        # T > 1 softens the top probability, T < 1 sharpens it; urgent is never scaled.
        assert h.confidence.service_area < r.confidence.service_area
        assert h.confidence.type >= r.confidence.type
        assert h.confidence.complexity < r.confidence.complexity
        assert h.confidence.urgent == r.confidence.urgent


def test_the_type_prior_tips_an_undecided_complexity_the_way_the_type_goes() -> None:
    import numpy as np

    from classifiers.baseline import complexity_given_type, with_type_prior

    given = complexity_given_type(
        ["generel_information"] * 8 + ["sagsstatus"] * 8,
        ["lav"] * 8 + ["mellem"] * 8,
        type_classes=["generel_information", "sagsstatus"],
        levels=["hoej", "lav", "mellem"],
    )
    # Add-one smoothing: 8 + 1 of 11 for the level seen, 1 of 11 for the others.
    assert np.allclose(given, [[1 / 11, 9 / 11, 1 / 11], [1 / 11, 1 / 11, 9 / 11]])
    undecided = np.array([[0.2, 0.4, 0.4], [0.2, 0.4, 0.4]])
    p_type = np.array([[0.9, 0.1], [0.1, 0.9]])
    adjusted = with_type_prior(p_type, undecided, given, 0.5)
    assert np.allclose(adjusted.sum(axis=1), 1.0)
    assert adjusted.argmax(axis=1).tolist() == [1, 2]
    assert with_type_prior(p_type, undecided, given, 0.0) is undecided


def test_a_confident_complexity_is_not_overruled_by_the_type_prior() -> None:
    import numpy as np

    from classifiers.baseline import with_type_prior

    given = np.array([[0.1, 0.8, 0.1]])
    confident = np.array([[0.9, 0.05, 0.05]])
    assert with_type_prior(np.array([[1.0]]), confident, given, 0.5).argmax() == 0


def test_the_shipped_model_carries_p_complexity_given_type_over_its_classes(
    shipped: BaselineClassifier,
) -> None:
    import numpy as np

    table = shipped.complexity_given_type
    assert table.shape == (len(shipped._heads["type"].classes_), 3)
    assert np.allclose(table.sum(axis=1), 1.0)
    types = [str(c) for c in shipped._heads["type"].classes_]
    levels = [str(c) for c in shipped._heads["complexity"].classes_]
    assert table[types.index("generel_information"), levels.index("lav")] > 0.9
    assert table[types.index("sagsstatus"), levels.index("mellem")] > 0.9


def test_an_artifact_without_p_complexity_given_type_is_refused(
    tmp_path: Path, shipped: BaselineClassifier
) -> None:
    path = tmp_path / "no-prior.skops"
    sio.dump(
        {
            "format": 7,
            "model_version": "baseline-no-prior",
            "urgent_threshold": 0.2,
            "features": shipped._features,
            "heads": shipped._heads,
            "temperatures": dict(shipped.temperatures),
            "complexity_given_type": [[0.5, 0.5]],
        },
        path,
    )
    with pytest.raises(ClassifierError, match=r"P\(complexity \| type\)"):
        BaselineClassifier.load(path)


def test_scaled_probabilities_keep_the_argmax_and_sum_to_one() -> None:
    import numpy as np

    from classifiers.baseline import scaled_probabilities

    log_proba = np.log(np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]]))
    for t in (0.3, 1.0, 4.0):
        p = scaled_probabilities(log_proba, t)
        assert np.allclose(p.sum(axis=1), 1.0)
        assert (p.argmax(axis=1) == [0, 2]).all()
    assert np.allclose(scaled_probabilities(log_proba, 1.0), np.exp(log_proba))


def test_a_format_1_artifact_is_refused_with_a_clear_message(
    tmp_path: Path, shipped: BaselineClassifier
) -> None:
    path = tmp_path / "old.skops"
    assert shipped._features is not None
    sio.dump(
        {
            "format": 1,
            "model_version": "baseline-old",
            "urgent_threshold": 0.2,
            "features": shipped._features,
            "heads": shipped._heads,
        },
        path,
    )
    with pytest.raises(ClassifierError, match=r"format 1, but this version reads only format 7"):
        BaselineClassifier.load(path)


def test_an_area_head_of_logistic_regression_is_refused_whose_temperature_fits_margins(
    tmp_path: Path, shipped: BaselineClassifier
) -> None:
    path = tmp_path / "mixed.skops"
    heads = {**shipped._heads, "service_area": shipped._heads["urgent"]}
    sio.dump(
        {
            "format": 7,
            "model_version": "baseline-mixed",
            "urgent_threshold": 0.2,
            "features": shipped._features,
            "heads": heads,
            "temperatures": dict(shipped.temperatures),
        },
        path,
    )
    with pytest.raises(ClassifierError, match="features, heads and temperatures"):
        BaselineClassifier.load(path)


def test_an_artifact_with_bad_temperatures_is_refused(
    tmp_path: Path, shipped: BaselineClassifier
) -> None:
    path = tmp_path / "cold.skops"
    assert shipped._features is not None
    sio.dump(
        {
            "format": 7,
            "model_version": "baseline-cold",
            "urgent_threshold": 0.2,
            "features": shipped._features,
            "heads": shipped._heads,
            "temperatures": {"service_area": 0.0, "type": 1.0, "complexity": 1.0},
        },
        path,
    )
    with pytest.raises(ClassifierError, match="features, heads and temperatures"):
        BaselineClassifier.load(path)


def test_the_compiled_weights_give_scikit_learns_margins_and_probabilities(
    shipped: BaselineClassifier, shared_records: list[LabelledInquiry]
) -> None:
    import numpy as np

    from classifiers.baseline import feature_matrix_input

    inquiries = [record.to_inquiry() for record in shared_records[::10]]
    assert shipped._features is not None and shipped._compiled is not None
    matrix = shipped._features.transform(feature_matrix_input(inquiries))
    logits = shipped._compiled.logits(inquiries)
    for head in ("service_area", "type", "complexity"):
        assert np.allclose(logits[head], shipped._heads[head].decision_function(matrix), atol=1e-9)
    urgent = list(shipped._heads["urgent"].classes_).index(True)
    assert np.allclose(
        shipped._compiled.urgent_probability(logits["urgent"]),
        shipped._heads["urgent"].predict_proba(matrix)[:, urgent],
        atol=1e-9,
    )


def test_area_phrases_teach_the_area_head_words_no_inquiry_used(
    tmp_path: Path, small_data: Path, make_inquiry: Callable[..., Inquiry]
) -> None:
    from classifiers.catalogue_phrases import AreaPhrase
    from classifiers.dataset import load_labelled

    records = load_labelled([small_data])
    phrases = [
        AreaPhrase(text=text, service_area="mkb.bibliotek_kultur")
        for text in ("Fjeldkvashøst", "Søg om fjeldkvashøst", "fjeldkvashøst og kvasfjeld")
    ]
    inquiry = make_inquiry(channel="chat", subject="", text="fjeldkvashøst?")
    plain = BaselineClassifier().fit(records, seed=7)
    taught = BaselineClassifier().fit(records, seed=7, area_phrases=phrases)
    assert plain.classify(inquiry).service_area != "mkb.bibliotek_kultur"
    assert taught.classify(inquiry).service_area == "mkb.bibliotek_kultur"
    assert taught.model_version != plain.model_version


@pytest.mark.parametrize(
    ("head", "unread", "read"),
    [
        ("urgent", "shape", "word"),
        ("urgent", "question", "char"),
        ("service_area", "question", "shape"),
    ],
)
def test_a_head_has_no_weight_on_a_block_it_does_not_read(
    shipped: BaselineClassifier, head: str, unread: str, read: str
) -> None:
    import numpy as np

    assert shipped._features is not None
    columns = shipped._features.output_indices_
    assert columns[unread].stop > columns[unread].start
    assert not np.any(shipped._heads[head].coef_[:, columns[unread]])
    assert np.any(shipped._heads[head].coef_[:, columns[read]])
    assert np.any(shipped._heads["complexity"].coef_[:, columns[unread]])

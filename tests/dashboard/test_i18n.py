"""Every visible string in Danish and English, and every key the dashboard asks for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from config.catalogue import Catalogue
from dashboard.i18n import MESSAGES, Lang, Translator
from models.refusals import ENGLISH, REFUSAL_CODES, Refusal
from queues.accounts import ROLES
from queues.actions import RELABEL_VALUES

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
# t("key"), t('key'), t.plural("key", n) in templates and code; f-string keys are listed below.
USED_KEY = re.compile(r"""\bt(?:\.plural)?\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_placeholders(key: str) -> None:
    danish, english = MESSAGES[key]
    assert danish.strip()
    assert english.strip()
    assert _placeholders(danish) == _placeholders(english)


def test_every_key_used_in_templates_and_code_exists() -> None:
    sources = [*DASHBOARD.glob("templates/*.html"), *DASHBOARD.glob("*.py")]
    used = {key for path in sources for key in USED_KEY.findall(path.read_text("utf-8"))}
    dynamic = (
        {f"role.{role}" for role in ROLES}
        | {f"state.{state}" for state in ("open", "resolved")}
        | {"filters.channel", "filters.area"}
    )
    assert len(used) > 50
    missing = {
        key
        for key in used
        if key not in MESSAGES and not {f"{key}.one", f"{key}.other"} <= MESSAGES.keys()
    }
    assert missing == set()
    assert dynamic <= set(MESSAGES)


def test_danish_is_the_default_and_names_come_from_the_catalogue(catalogue: Catalogue) -> None:
    danish = Translator(lang="da", catalogue=catalogue)
    english = Translator(lang="en", catalogue=catalogue)
    assert danish.area("mtm.miljoe") == "Miljø"
    assert english.area("mtm.miljoe") == "Environment"
    assert danish.department("MSO") == "Sundhed og Omsorg"
    assert danish.department(None) == "Alle afdelinger"
    assert danish.label("type", "indberetning") == "Indberetning"
    assert english.label("channel", "phone") == "Phone"


def test_a_counted_message_takes_the_singular_for_one(catalogue: Catalogue) -> None:
    t = Translator(lang="da", catalogue=catalogue)
    assert t.plural("items.count", 1) == "1 henvendelse vises."
    assert t.plural("items.count", 3) == "3 henvendelser vises."


def test_an_unknown_key_is_an_error_not_a_blank(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError, match=r"no\.such\.key"):
        Translator(lang="da", catalogue=catalogue)("no.such.key")


def test_every_refusal_code_has_words_in_both_languages_with_its_english_placeholders() -> None:
    for code in REFUSAL_CODES:
        # Both languages share placeholders (tested above); they must be the log text's too.
        danish, _ = MESSAGES[f"refusal.{code}"]
        assert _placeholders(danish) == _placeholders(ENGLISH[code].replace("!r", ""))
    for verb in ("release", "transfer", "resolve"):
        assert f"verb.{verb}" in MESSAGES
    assert {f"field.{field}" for field in RELABEL_VALUES} <= MESSAGES.keys()


@pytest.mark.parametrize(
    ("lang", "refusal", "text"),
    [
        ("da", Refusal("same_queue", {"queue": "mtm.miljoe"}), "henvendelsen er allerede i Miljø."),
        (
            "en",
            Refusal("same_queue", {"queue": "mtm.miljoe"}),
            "the inquiry is in Environment already.",
        ),
        (
            "da",
            Refusal("moved", {"queue": "mtm.natur", "expected": "mtm.miljoe"}),
            "henvendelsen er nu i Natur og parker, ikke i Miljø.",
        ),
        (
            "da",
            Refusal("claimed_by_another", {"who": "bo", "action": "release"}),
            "henvendelsen er taget af bo, og kun vedkommende eller en supervisor kan frigive den.",
        ),
        (
            "da",
            Refusal("same_label", {"field": "urgent", "value": "true"}),
            "henvendelsens hastegrad er allerede haster.",
        ),
        (
            "da",
            Refusal(
                "not_a_label",
                {"field": "complexity", "value": "svær", "allowed": "lav, mellem, hoej"},
            ),
            "»svær« er ikke en gyldig kompleksitet; vælg en af: lav, mellem, høj.",
        ),
        (
            "en",
            Refusal("reason_too_long", {"limit": 1000, "length": 1200}),
            "the reason may hold at most 1000 characters, not 1200.",
        ),
    ],
)
def test_a_refusal_reads_in_the_operators_language_with_queues_and_labels_in_words(
    catalogue: Catalogue, lang: Lang, refusal: Refusal, text: str
) -> None:
    assert Translator(lang=lang, catalogue=catalogue).refusal(refusal) == text

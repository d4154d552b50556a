"""The shipped catalogue is complete, sourced, and a broken one stops start-up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from config.catalogue import Catalogue, load_catalogue
from models.errors import ConfigError
from models.labels import DEPARTMENTS, SERVICE_AREAS, department_of
from tests.config.conftest import EditCatalogue

REPO_ROOT = Path(__file__).parents[2]
# CATALOGUE-FACTS.md lives beside the repository (../shared), both here and in CI.


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """The catalogue as shipped in config/data."""
    return load_catalogue()


def _digits(phone: str) -> str:
    return phone.replace(" ", "").removeprefix("+45")


# --- the shipped catalogue ---------------------------------------------------------------


def test_shipped_catalogue_loads_with_the_routing_policy(catalogue: Catalogue) -> None:
    """The files in config/data pass every check the loader makes."""
    assert catalogue.policy.version == "2026.11-3"
    assert catalogue.policy.timezone == "Europe/Copenhagen"


def test_catalogue_covers_every_service_area_of_the_label_space(catalogue: Catalogue) -> None:
    """Every label a classifier can emit has a queue to go to."""
    assert set(catalogue.service_areas) == set(SERVICE_AREAS)
    assert len(catalogue.service_areas) == 28


def test_catalogue_covers_every_department_of_the_label_space(catalogue: Catalogue) -> None:
    """All six magistratsafdelinger are named."""
    assert set(catalogue.departments) == set(DEPARTMENTS)
    assert catalogue.departments["MKB"].name == "Kultur og Borgerservice"


def test_every_area_queues_under_its_own_id_in_its_own_department(catalogue: Catalogue) -> None:
    """The queue name is the service area id, so a routed label maps to one queue."""
    for key, area in catalogue.service_areas.items():
        assert area.queue == key
        assert area.department == department_of(key)


def test_every_area_can_be_reached_by_phone(catalogue: Catalogue) -> None:
    """A bot that cannot help can always give a number, even a general one."""
    for key, area in catalogue.service_areas.items():
        assert area.contact.phone, key
        assert area.contact.sources, key


def test_queue_hours_are_the_contact_centre_default_everywhere(catalogue: Catalogue) -> None:
    """Internal staffing hours are one operational default, not per-area published hours."""
    for key, area in catalogue.service_areas.items():
        hours = area.queue_hours
        assert hours.mon == hours.tue == hours.wed == hours.thu == ["08:00-15:30"], key
        assert hours.fri == ["08:00-13:00"], key
        assert hours.sat == hours.sun == [], key


def test_sourced_deadlines_and_cutoff_are_in_the_catalogue(catalogue: Catalogue) -> None:
    """Aktindsigt, underretning and Kørselskontoret's 12:00 rule carry their sources."""
    aktindsigt = catalogue.area("ba.byraadsservice").legal_deadline
    assert aktindsigt is not None
    assert (aktindsigt.working_days, aktindsigt.source) == (7, "S59")
    underretning = catalogue.area("msb.handicap_social").legal_deadline
    assert underretning is not None
    assert (underretning.hours, underretning.source) == (24, "S24")
    cutoff = catalogue.area("ba.koerselskontoret").cutoff
    assert cutoff is not None
    assert (cutoff.at.isoformat(), cutoff.working_days_before) == ("12:00:00", 1)


def test_every_cited_source_has_a_url(catalogue: Catalogue) -> None:
    """A fact can always be traced back to the page it came from."""
    for area in catalogue.service_areas.values():
        cited = [*area.contact.sources, *(link.source for link in area.links)]
        for key in cited:
            assert catalogue.sources[key].startswith("http")


def test_every_phone_number_is_taken_from_the_catalogue_facts(
    catalogue: Catalogue, facts: str
) -> None:
    """No phone number is invented: each appears in CATALOGUE-FACTS.md."""
    known = facts.replace(" ", "")
    for key, area in catalogue.service_areas.items():
        assert area.contact.phone is not None
        assert _digits(area.contact.phone) in known, f"{key}: {area.contact.phone}"


def test_every_mail_address_is_taken_from_the_catalogue_facts(
    catalogue: Catalogue, facts: str
) -> None:
    """No mail address is invented: each appears in CATALOGUE-FACTS.md."""
    for key, area in catalogue.service_areas.items():
        if area.contact.email is not None:
            assert area.contact.email in facts, f"{key}: {area.contact.email}"


def test_every_link_url_is_taken_from_the_catalogue_facts(catalogue: Catalogue, facts: str) -> None:
    """No link is invented: each URL appears in CATALOGUE-FACTS.md."""
    for key, area in catalogue.service_areas.items():
        for link in area.links:
            # Pydantic adds a "/" to a bare host; the facts may write it without.
            url = str(link.url)
            assert url in facts or url.rstrip("/") in facts, f"{key}: {url}"


def test_sources_are_copied_exactly_from_the_catalogue_facts(
    catalogue: Catalogue, facts: str
) -> None:
    """sources.yaml holds the URLs of the facts' source table, unchanged."""
    table = dict(re.findall(r"^\| (S\d+) \| (\S+) \|", facts, re.MULTILINE))
    for key, url in catalogue.sources.items():
        assert table.get(key) == url, key


# --- a broken catalogue stops start-up -----------------------------------------------------


def test_missing_service_area_stops_startup_naming_file_and_area(
    edit_catalogue: EditCatalogue,
) -> None:
    """A label without a queue would strand inquiries, so loading refuses it."""
    directory = edit_catalogue("service_areas.yaml", lambda d: d.pop("mtm.natur"))
    with pytest.raises(
        ConfigError, match=r"service_areas\.yaml: service areas missing: mtm\.natur"
    ):
        load_catalogue(directory)


def test_unknown_service_area_stops_startup_naming_file_and_key(
    edit_catalogue: EditCatalogue,
) -> None:
    """An area outside the label space is a typo or a contract change; neither may pass."""

    def add_unknown(data: dict[str, Any]) -> None:
        data["mtm.graffiti"] = {**data["mtm.natur"], "queue": "mtm.graffiti"}

    directory = edit_catalogue("service_areas.yaml", add_unknown)
    with pytest.raises(ConfigError, match=r"service_areas\.yaml: mtm\.graffiti"):
        load_catalogue(directory)


def test_missing_department_stops_startup_naming_file_and_department(
    edit_catalogue: EditCatalogue,
) -> None:
    """Every department of the label space must be named."""
    directory = edit_catalogue("departments.yaml", lambda d: d.pop("MSO"))
    with pytest.raises(ConfigError, match=r"departments\.yaml: departments missing: MSO"):
        load_catalogue(directory)


def test_bad_yaml_stops_startup_naming_file(catalogue_copy: Path) -> None:
    """A file that does not parse is reported with its path, not a bare parser trace."""
    (catalogue_copy / "routing_policy.yaml").write_text("version: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"routing_policy\.yaml: not valid YAML"):
        load_catalogue(catalogue_copy)


def test_missing_file_stops_startup_naming_file(catalogue_copy: Path) -> None:
    """A catalogue without its sources cannot prove its facts."""
    (catalogue_copy / "sources.yaml").unlink()
    with pytest.raises(ConfigError, match=r"sources\.yaml: catalogue file not found"):
        load_catalogue(catalogue_copy)


@pytest.mark.parametrize("bad_range", ["15:30-08:00", "8-15", "08:00-25:00", "08:00"])
def test_bad_opening_range_stops_startup_naming_file_and_key(
    edit_catalogue: EditCatalogue, bad_range: str
) -> None:
    """Queue hours drive deadlines; a range that is not HH:MM-HH:MM, start first, is refused."""

    def break_hours(data: dict[str, Any]) -> None:
        data["mtm.affald"]["queue_hours"] = {"mon": [bad_range]}

    directory = edit_catalogue("service_areas.yaml", break_hours)
    with pytest.raises(ConfigError, match=r"service_areas\.yaml: mtm\.affald\.queue_hours\.mon"):
        load_catalogue(directory)


@pytest.mark.parametrize("bad_phone", ["89-40-20-00", "8940", "ring Borgerservice"])
def test_bad_phone_number_stops_startup_naming_file_and_key(
    edit_catalogue: EditCatalogue, bad_phone: str
) -> None:
    """A bot reads numbers aloud to citizens, so only digits and spaces are accepted."""

    def break_phone(data: dict[str, Any]) -> None:
        data["ba.koerselskontoret"]["contact"]["phone"] = bad_phone

    directory = edit_catalogue("service_areas.yaml", break_phone)
    with pytest.raises(
        ConfigError, match=r"service_areas\.yaml: ba\.koerselskontoret\.contact\.phone"
    ):
        load_catalogue(directory)


def test_unknown_source_key_stops_startup_naming_file_and_key(
    edit_catalogue: EditCatalogue,
) -> None:
    """A fact whose source is not listed cannot be traced, so it is refused."""

    def cite_unknown(data: dict[str, Any]) -> None:
        data["mbu.sundhedspleje"]["contact"]["sources"] = ["S999"]

    directory = edit_catalogue("service_areas.yaml", cite_unknown)
    with pytest.raises(
        ConfigError, match=r"service_areas\.yaml: mbu\.sundhedspleje: source S999 is not in"
    ):
        load_catalogue(directory)


def test_source_dropped_from_sources_file_stops_startup(edit_catalogue: EditCatalogue) -> None:
    """Removing a cited source is caught as surely as citing an unknown one."""
    directory = edit_catalogue("sources.yaml", lambda d: d.pop("S54"))
    with pytest.raises(ConfigError, match=r"ba\.koerselskontoret: source S54 is not in sources"):
        load_catalogue(directory)


def test_department_that_does_not_own_the_area_stops_startup_naming_file_and_key(
    edit_catalogue: EditCatalogue,
) -> None:
    """An area's department is its id prefix; any other would route to the wrong afdeling."""

    def move_area(data: dict[str, Any]) -> None:
        data["mtm.affald"]["department"] = "MKB"

    directory = edit_catalogue("service_areas.yaml", move_area)
    with pytest.raises(
        ConfigError, match=r"service_areas\.yaml: mtm\.affald\.department: MKB does not own"
    ):
        load_catalogue(directory)


def test_unknown_field_stops_startup_naming_file_and_key(edit_catalogue: EditCatalogue) -> None:
    """A misspelt key would silently be ignored otherwise."""

    def misspell(data: dict[str, Any]) -> None:
        data["mkb.generel"]["contact"]["phone_hour"] = {"mon": ["08:00-15:00"]}

    directory = edit_catalogue("service_areas.yaml", misspell)
    with pytest.raises(
        ConfigError, match=r"service_areas\.yaml: mkb\.generel\.contact\.phone_hour"
    ):
        load_catalogue(directory)


def test_threshold_outside_zero_to_one_stops_startup_naming_file_and_key(
    edit_catalogue: EditCatalogue,
) -> None:
    """A confidence threshold is a probability."""

    def break_threshold(data: dict[str, Any]) -> None:
        data["thresholds"]["resolve_type"] = 1.5

    directory = edit_catalogue("routing_policy.yaml", break_threshold)
    with pytest.raises(ConfigError, match=r"routing_policy\.yaml: thresholds\.resolve_type"):
        load_catalogue(directory)

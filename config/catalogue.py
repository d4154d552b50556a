"""The service catalogue and routing policy: data files in config/data, validated at start-up."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
)

from models.errors import ConfigError
from models.labels import DEPARTMENTS, SERVICE_AREAS, Department, ServiceArea, department_of

DEFAULT_CATALOGUE_DIR = Path(__file__).parent / "data"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_PHONE = re.compile(r"^\+?[0-9 ]{8,16}$")


def _danish_phone(value: str) -> str:
    if not _PHONE.match(value):
        raise ValueError(f"{value!r} is not a Danish phone number like '89 40 20 00'")
    return value


PhoneNumber = Annotated[str, AfterValidator(_danish_phone)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WeeklyHours(_Strict):
    """Hours per weekday as 'HH:MM-HH:MM' ranges; a missing day is closed."""

    mon: list[str] = Field(default_factory=list)
    tue: list[str] = Field(default_factory=list)
    wed: list[str] = Field(default_factory=list)
    thu: list[str] = Field(default_factory=list)
    fri: list[str] = Field(default_factory=list)
    sat: list[str] = Field(default_factory=list)
    sun: list[str] = Field(default_factory=list)

    @field_validator("*")
    @classmethod
    def _ranges(cls, value: list[str]) -> list[str]:
        for item in value:
            match = _RANGE.match(item)
            if not match or item[:5] >= item[6:]:
                raise ValueError(f"{item!r} is not an opening range like '08:00-15:30'")
        return value

    def ranges(self, weekday: int) -> list[tuple[time, time]]:
        """Opening ranges for a weekday (0 = Monday) as time pairs."""
        out = []
        for item in getattr(self, WEEKDAYS[weekday]):
            start, end = item.split("-")
            out.append((time.fromisoformat(start), _end_time(end)))
        return out


def _end_time(text: str) -> time:
    return time.max if text == "24:00" else time.fromisoformat(text)


class Link(_Strict):
    """A self-service or information page, with the source it was taken from."""

    title: str = Field(min_length=1)
    url: HttpUrl
    source: str = Field(pattern=r"^S\d+$")


class Contact(_Strict):
    """How a citizen reaches a service area; only facts with a source, never invented."""

    phone: PhoneNumber | None = None
    phone_is_general: bool = Field(
        default=False, description="True when the number is a general line, not the area's own"
    )
    phone_hours: WeeklyHours | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    address: str | None = None
    sources: list[str] = Field(default_factory=list)


class LegalDeadline(_Strict):
    """A deadline set by law or by a published rule, stricter than the service target."""

    working_days: int | None = Field(default=None, ge=0)
    hours: int | None = Field(default=None, ge=1)
    basis: str = Field(min_length=1)
    source: str = Field(pattern=r"^S\d+$")


class Cutoff(_Strict):
    """A change must arrive before `at` on the working day `working_days_before` the event."""

    at: time
    working_days_before: int = Field(ge=0)
    source: str = Field(pattern=r"^S\d+$")


class ServiceAreaEntry(_Strict):
    """One department queue in the catalogue."""

    id: ServiceArea
    department: Department
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    description: str = Field(min_length=1)
    queue: str = Field(pattern=r"^[a-z]+\.[a-z_]+$")
    contact: Contact
    queue_hours: WeeklyHours
    response_deadline_working_days: int = Field(ge=0, le=60)
    legal_deadline: LegalDeadline | None = None
    cutoff: Cutoff | None = None
    links: list[Link] = Field(default_factory=list)


class Department_(_Strict):
    """A magistratsafdeling."""

    id: Department
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


class Thresholds(_Strict):
    """Confidence a head must reach before the router trusts it."""

    resolve_service_area: float = Field(ge=0.0, le=1.0)
    resolve_type: float = Field(ge=0.0, le=1.0)
    resolve_complexity: float = Field(ge=0.0, le=1.0)
    # Below this, the service area is not trusted and a person at mkb.generel takes over.
    service_area_fallback: float = Field(ge=0.0, le=1.0)


class Priorities(_Strict):
    """Queue priorities, 0 the most urgent."""

    urgent: int = Field(ge=0, le=9)
    legal_deadline: int = Field(ge=0, le=9)
    complaint: int = Field(ge=0, le=9)
    default: int = Field(ge=0, le=9)


class RoutingPolicy(_Strict):
    """The router's configuration."""

    version: str = Field(min_length=1)
    thresholds: Thresholds
    priorities: Priorities
    timezone: str = "Europe/Copenhagen"


class Catalogue(_Strict):
    """Departments, service areas, sources and the routing policy, as one validated object."""

    departments: dict[Department, Department_]
    service_areas: dict[ServiceArea, ServiceAreaEntry]
    sources: dict[str, str]
    policy: RoutingPolicy

    def area(self, service_area: ServiceArea) -> ServiceAreaEntry:
        """Return the catalogue entry for a service area."""
        return self.service_areas[service_area]


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: catalogue file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc


def _validate(path: Path, model: type[BaseModel], data: Any, key: str = "") -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in (key, *first["loc"]) if p != "")
        raise ConfigError(f"{path}: {loc or 'top level'}: {first['msg']}") from exc


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """Load and cross-check the catalogue files; raise ConfigError naming file and key."""
    root = directory or DEFAULT_CATALOGUE_DIR
    dep_path, area_path = root / "departments.yaml", root / "service_areas.yaml"
    policy_path, source_path = root / "routing_policy.yaml", root / "sources.yaml"

    raw_deps = _mapping(dep_path, _read_yaml(dep_path))
    departments = {
        key: _validate(dep_path, Department_, {"id": key, **_mapping(dep_path, v, key)}, key)
        for key, v in raw_deps.items()
    }
    raw_areas = _mapping(area_path, _read_yaml(area_path))
    areas = {
        key: _validate(area_path, ServiceAreaEntry, {"id": key, **_mapping(area_path, v, key)}, key)
        for key, v in raw_areas.items()
    }
    sources = {str(k): str(v) for k, v in _mapping(source_path, _read_yaml(source_path)).items()}
    policy = _validate(policy_path, RoutingPolicy, _read_yaml(policy_path))

    _require_exact(dep_path, "departments", set(departments), set(DEPARTMENTS))
    _require_exact(area_path, "service areas", set(areas), set(SERVICE_AREAS))
    for key, area in areas.items():
        if department_of(area.id) != area.department:
            raise ConfigError(
                f"{area_path}: {key}.department: {area.department} does not own {key}"
            )
        for ref in _source_refs(area):
            if ref not in sources:
                raise ConfigError(f"{area_path}: {key}: source {ref} is not in {source_path.name}")
    return Catalogue(departments=departments, service_areas=areas, sources=sources, policy=policy)


def _mapping(path: Path, value: Any, key: str = "") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {key or 'top level'}: expected a mapping")
    return value


def _require_exact(path: Path, what: str, got: set[str], want: set[str]) -> None:
    if missing := sorted(want - got):
        raise ConfigError(f"{path}: {what} missing: {', '.join(missing)}")
    if extra := sorted(got - want):
        raise ConfigError(f"{path}: {what} not in the label space: {', '.join(extra)}")


def _source_refs(area: ServiceAreaEntry) -> list[str]:
    refs = list(area.contact.sources) + [link.source for link in area.links]
    refs += [d.source for d in (area.legal_deadline, area.cutoff) if d is not None]
    return refs

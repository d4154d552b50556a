"""The label space of DOMAIN.md: the contract for every model, topic, data set and test."""

from __future__ import annotations

from typing import Literal, get_args

Channel = Literal["phone", "mail", "chat", "web"]
Sender = Literal["citizen", "business"]
Language = Literal["da", "en", "other"]
Department = Literal["BA", "MBU", "MKB", "MSB", "MSO", "MTM"]
ServiceArea = Literal[
    "mkb.pas_koerekort",
    "mkb.folkeregister",
    "mkb.digital_hjaelp",
    "mkb.opkraevning",
    "mkb.international",
    "mkb.bibliotek_kultur",
    "mkb.sport_fritid",
    "mkb.generel",
    "mbu.pladsanvisning",
    "mbu.tandpleje",
    "mbu.sundhedspleje",
    "mbu.skole",
    "msb.jobcenter",
    "msb.ydelser",
    "msb.virksomhedsservice",
    "msb.handicap_social",
    "mso.sundhed_omsorgslinjen",
    "mso.hjemmepleje",
    "mso.hjaelpemidler",
    "mso.plejebolig",
    "mtm.byggeri",
    "mtm.affald",
    "mtm.veje_parkering",
    "mtm.miljoe",
    "mtm.natur",
    "ba.koerselskontoret",
    "ba.byraadsservice",
    "ba.erhverv",
]
InquiryType = Literal[
    "omstilling",
    "generel_information",
    "hjaelp_til_selvbetjening",
    "raad_og_vejledning",
    "ansoegning",
    "sagsstatus",
    "indberetning",
    "klage",
]
Complexity = Literal["lav", "mellem", "hoej"]
Action = Literal["resolve", "queue"]

CHANNELS: tuple[Channel, ...] = get_args(Channel)
DEPARTMENTS: tuple[Department, ...] = get_args(Department)
SERVICE_AREAS: tuple[ServiceArea, ...] = get_args(ServiceArea)
INQUIRY_TYPES: tuple[InquiryType, ...] = get_args(InquiryType)
COMPLEXITIES: tuple[Complexity, ...] = get_args(Complexity)

# Types a bot may answer on its own; the others need a case worker (DOMAIN.md, action rule).
RESOLVABLE_TYPES: frozenset[InquiryType] = frozenset(
    {"omstilling", "generel_information", "hjaelp_til_selvbetjening", "raad_og_vejledning"}
)
FALLBACK_SERVICE_AREA: ServiceArea = "mkb.generel"


def department_of(service_area: ServiceArea) -> Department:
    """Return the department that owns a service area (its id prefix)."""
    prefix = service_area.split(".", 1)[0].upper()
    if prefix not in DEPARTMENTS:
        raise ValueError(f"service area {service_area!r} names no department")
    return prefix  # type: ignore[return-value]


def expected_action(*, urgent: bool, complexity: Complexity, inquiry_type: InquiryType) -> Action:
    """Return the action DOMAIN.md's rule gives for a set of labels."""
    if not urgent and complexity == "lav" and inquiry_type in RESOLVABLE_TYPES:
        return "resolve"
    return "queue"

"""Every visible string of the dashboard, in Danish (the default) and English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from config.catalogue import Catalogue
from models.refusals import Refusal

Lang = Literal["da", "en"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)
DEFAULT_LANG: Lang = "da"

# key: (Danish, English). Placeholders use str.format names.
MESSAGES: dict[str, tuple[str, str]] = {
    "app.name": ("Indgang", "Indgang"),
    "app.board_title": ("Køoversigt", "Queue dashboard"),
    "app.skip": ("Spring til indhold", "Skip to content"),
    "app.signed_in_as": ("Logget ind som {name} ({role})", "Signed in as {name} ({role})"),
    "app.department": ("Afdeling: {name}", "Department: {name}"),
    "app.all_departments": ("Alle afdelinger", "All departments"),
    "app.logout": ("Log ud", "Sign out"),
    "app.switch_language": ("English", "Dansk"),
    "app.main_nav": ("Konto og sprog", "Account and language"),
    "role.operator": ("medarbejder", "operator"),
    "role.caseworker": ("sagsbehandler", "caseworker"),
    "role.supervisor": ("supervisor", "supervisor"),
    "login.title": ("Log ind", "Sign in"),
    "login.intro": (
        "Log ind med din medarbejderkonto for at se dine køer.",
        "Sign in with your staff account to see your queues.",
    ),
    "login.username": ("Brugernavn", "Username"),
    "login.password": ("Adgangskode", "Password"),
    "login.submit": ("Log ind", "Sign in"),
    "login.failed": (
        "Forkert brugernavn eller adgangskode.",
        "Wrong username or password.",
    ),
    "login.logged_out": ("Du er logget ud.", "You are signed out."),
    "login.locked": (
        "For mange forkerte forsøg. Prøv igen om {minutes} min., eller bed en supervisor om hjælp.",
        "Too many failed attempts. Try again in {minutes} min, or ask a supervisor for help.",
    ),
    "filters.title": ("Filtre", "Filters"),
    "filters.channel": ("Kanal", "Channel"),
    "filters.area": ("Serviceområde", "Service area"),
    "filters.all": ("Alle", "All"),
    "filters.apply": ("Vis", "Show"),
    "filters.reset": ("Nulstil filtre", "Clear filters"),
    "summary.caption": ("Dine køer lige nu", "Your queues right now"),
    "summary.caption_all": ("Alle køer lige nu", "All queues right now"),
    "summary.queue": ("Kø", "Queue"),
    "summary.department": ("Afdeling", "Department"),
    "summary.depth": ("I kø", "Waiting"),
    "summary.claimed": ("Taget", "Claimed"),
    "summary.oldest": ("Ældste", "Oldest"),
    "summary.past_due": ("Over fristen", "Past due"),
    "summary.misrouted": ("Fejlsendt (7 dage)", "Misrouted (7 days)"),
    "summary.misrouted_of": ("{misrouted} af {arrivals}", "{misrouted} of {arrivals}"),
    "summary.empty": ("Ingen køer at vise.", "No queues to show."),
    "summary.hidden_empty.one": (
        "1 kø uden henvendelser er ikke vist.",
        "1 queue without inquiries is not shown.",
    ),
    "summary.hidden_empty.other": (
        "{count} køer uden henvendelser er ikke vist.",
        "{count} queues without inquiries are not shown.",
    ),
    "items.caption": (
        "Henvendelser, de mest hastende først",
        "Inquiries, the most urgent first",
    ),
    "items.count.one": ("1 henvendelse vises.", "1 inquiry shown."),
    "items.count.other": ("{count} henvendelser vises.", "{count} inquiries shown."),
    "items.urgent": ("Haster", "Urgent"),
    "items.age": ("Alder", "Age"),
    "items.due": ("Tid til frist", "Time to due"),
    "items.channel": ("Kanal", "Channel"),
    "items.area": ("Serviceområde", "Service area"),
    "items.type": ("Type", "Type"),
    "items.text": ("Tekst", "Text"),
    "items.state": ("Status", "Status"),
    "items.actions": ("Handlinger", "Actions"),
    "items.empty": ("Ingen åbne henvendelser.", "No open inquiries."),
    "items.redacted": ("Personoplysninger skjult", "Personal data hidden"),
    "items.no_text": ("(ingen tekst)", "(no text)"),
    "items.transfers.one": ("Overført 1 gang", "Transferred once"),
    "items.transfers.other": ("Overført {count} gange", "Transferred {count} times"),
    "due.breached": ("Overskredet", "Overdue"),
    "due.breached_by": ("Overskredet med {duration}", "Overdue by {duration}"),
    "due.left": ("{duration} tilbage", "{duration} left"),
    "duration.days": ("{days} d {hours} t", "{days} d {hours} h"),
    "duration.hours": ("{hours} t {minutes} min", "{hours} h {minutes} min"),
    "duration.minutes": ("{minutes} min", "{minutes} min"),
    "duration.under_minute": ("under 1 min", "under 1 min"),
    "state.open": ("Åben", "Open"),
    "state.claimed": ("Taget af {who}", "Claimed by {who}"),
    "state.claimed_by_you": ("Taget af dig", "Claimed by you"),
    "state.resolved": ("Afsluttet", "Resolved"),
    "action.claim": ("Tag", "Claim"),
    "action.release": ("Frigiv", "Release"),
    "action.transfer": ("Overfør", "Transfer"),
    "action.transfer_to": ("Til kø", "To queue"),
    "action.transfer_choose": ("Vælg kø", "Choose a queue"),
    "action.reason": ("Begrundelse", "Reason"),
    "action.transfer_submit": ("Overfør henvendelsen", "Transfer the inquiry"),
    "action.resolve": ("Afslut", "Resolve"),
    "action.relabel": ("Ret klassifikation", "Correct the classification"),
    "action.relabel_hint": (
        "Rettelsen bruges, når klassifikationen trænes igen.",
        "The correction is used when the classifier is trained again.",
    ),
    "action.relabel_submit": ("Ret {field}", "Correct the {field}"),
    "relabel.type": ("Type", "Type"),
    "relabel.complexity": ("Kompleksitet", "Complexity"),
    "relabel.urgent": ("Hastegrad", "Urgency"),
    "action.outcome": ("Udfald", "Outcome"),
    "action.resolve_submit": ("Afslut henvendelsen", "Resolve the inquiry"),
    "flash.claimed": ("Du har taget henvendelsen.", "You claimed the inquiry."),
    "flash.released": ("Henvendelsen er frigivet.", "The inquiry is released."),
    "flash.transferred": (
        "Henvendelsen er overført til {queue}.",
        "The inquiry is transferred to {queue}.",
    ),
    "flash.resolved": ("Henvendelsen er afsluttet.", "The inquiry is resolved."),
    "flash.refused": ("Handlingen blev afvist: {reason}", "The action was refused: {reason}"),
    "flash.relabelled": (
        "Henvendelsens {field} er rettet til {value}.",
        "The inquiry's {field} is corrected to {value}.",
    ),
    "refusal.not_found": (
        "henvendelsen er ikke i en kø, du kan se.",
        "the inquiry is not in a queue you can see.",
    ),
    "refusal.not_queued": ("henvendelsen er ikke i nogen kø.", "the inquiry is on no queue."),
    "refusal.not_in_ledger": (
        "henvendelsen findes ikke i databasen.",
        "the inquiry is not in the database.",
    ),
    "refusal.claimed": (
        "henvendelsen er allerede taget af {who}.",
        "the inquiry is claimed by {who} already.",
    ),
    "refusal.claimed_by_another": (
        "henvendelsen er taget af {who}, og kun vedkommende eller en supervisor kan {action} den.",
        "the inquiry is claimed by {who}; only they or a supervisor may {action} it.",
    ),
    "refusal.not_claimed": (
        "henvendelsen er ikke taget, så der er intet at frigive.",
        "the inquiry is not claimed, so there is nothing to release.",
    ),
    "refusal.resolved": (
        "henvendelsen er allerede afsluttet ({outcome}).",
        "the inquiry is resolved already ({outcome}).",
    ),
    "refusal.resolved_stays": (
        "henvendelsen er afsluttet og bliver i den kø, hvor den blev afsluttet.",
        "the inquiry is resolved and stays in the queue where it was closed.",
    ),
    "refusal.moved": (
        "henvendelsen er nu i {queue}, ikke i {expected}.",
        "the inquiry is in {queue} now, not in {expected}.",
    ),
    "refusal.no_queue": ("»{queue}« er ikke en kø.", "“{queue}” is no queue."),
    "refusal.same_queue": (
        "henvendelsen er allerede i {queue}.",
        "the inquiry is in {queue} already.",
    ),
    "refusal.reason_missing": ("der mangler en begrundelse.", "a reason is needed."),
    "refusal.reason_too_long": (
        "begrundelsen må højst være {limit} tegn, ikke {length}.",
        "the reason may hold at most {limit} characters, not {length}.",
    ),
    "refusal.outcome_missing": ("der mangler et udfald.", "an outcome is needed."),
    "refusal.outcome_too_long": (
        "udfaldet må højst være {limit} tegn, ikke {length}.",
        "the outcome may hold at most {limit} characters, not {length}.",
    ),
    "refusal.not_relabelable": (
        "»{field}« kan ikke rettes; kun type, kompleksitet og hastegrad.",
        "“{field}” cannot be corrected; only type, complexity and urgency.",
    ),
    "refusal.not_a_label": (
        "»{value}« er ikke en gyldig {field}; vælg en af: {allowed}.",
        "“{value}” is no valid {field}; choose one of: {allowed}.",
    ),
    "refusal.same_label": (
        "henvendelsens {field} er allerede {value}.",
        "the inquiry's {field} is {value} already.",
    ),
    "refusal.changed_meanwhile": (
        "henvendelsen blev ændret imens. Se den igen, og prøv på ny.",
        "the inquiry changed meanwhile. Look at it again and retry.",
    ),
    "verb.release": ("frigive", "release"),
    "verb.transfer": ("overføre", "transfer"),
    "verb.resolve": ("afslutte", "resolve"),
    "field.type": ("type", "type"),
    "field.complexity": ("kompleksitet", "complexity"),
    "field.urgent": ("hastegrad", "urgency"),
    "urgent.true": ("Haster", "Urgent"),
    "urgent.false": ("Haster ikke", "Not urgent"),
    "flash.missing": ("Udfyld feltet {field}.", "Fill in the field {field}."),
    "flash.unknown_queue": ("Vælg en kø fra listen.", "Choose a queue from the list."),
    "flash.unknown_label": ("Vælg en værdi fra listen.", "Choose a value from the list."),
    "flash.too_long": (
        "Feltet {field} må højst være {limit} tegn.",
        "The field {field} may hold at most {limit} characters.",
    ),
    "flash.unavailable": (
        "Handlingen kunne ikke gennemføres lige nu. Prøv igen om lidt.",
        "The action could not be carried out right now. Try again shortly.",
    ),
    "flash.stale_form": (
        "Formularen var forældet, så intet blev gjort. Prøv igen.",
        "The form had expired, so nothing was done. Try again.",
    ),
    "live.connecting": ("Forbinder til live-opdatering …", "Connecting to live updates …"),
    "live.on": ("Opdateres automatisk", "Updating live"),
    "live.off": (
        "Forbindelsen er afbrudt. Prøver igen …",
        "The connection is lost. Retrying …",
    ),
    "live.new.one": ("1 ny henvendelse.", "1 new inquiry."),
    "live.new.other": ("{count} nye henvendelser.", "{count} new inquiries."),
    "live.noscript": (
        "Siden opdateres ikke af sig selv uden JavaScript. Genindlæs siden for at se nye "
        "henvendelser.",
        "Without JavaScript the page does not update itself. Reload it to see new inquiries.",
    ),
    "item.title": ("Henvendelse", "Inquiry"),
    "item.back": ("Tilbage til køoversigten", "Back to the queue dashboard"),
    "item.received": ("Modtaget", "Received"),
    "item.due": ("Frist", "Due"),
    "item.queue": ("Kø", "Queue"),
    "item.priority": ("Prioritet (0 er højest)", "Priority (0 is the highest)"),
    "item.complexity": ("Kompleksitet", "Complexity"),
    "item.subject": ("Emne", "Subject"),
    "item.outcome": ("Udfald", "Outcome"),
    "item.transfers": ("Overførsler", "Transfers"),
    "error.title": ("Noget gik galt", "Something went wrong"),
    "error.not_found": (
        "Henvendelsen findes ikke, eller du har ikke adgang til den.",
        "The inquiry does not exist, or you have no access to it.",
    ),
    "error.page_not_found": ("Siden findes ikke.", "The page does not exist."),
    "error.forbidden": (
        "Formularen var forældet eller ugyldig, så intet blev gjort. Gå tilbage og prøv igen.",
        "The form had expired or was invalid, so nothing was done. Go back and try again.",
    ),
    "error.unavailable": (
        "Databasen svarer ikke lige nu. Prøv igen om lidt.",
        "The database is not answering right now. Try again shortly.",
    ),
    "error.bad_filter": (
        "Filteret {field} kender ikke værdien »{value}«.",
        "The filter {field} has no value “{value}”.",
    ),
    "no": ("Nej", "No"),
    "channel.phone": ("Telefon", "Phone"),
    "channel.mail": ("Mail", "Mail"),
    "channel.chat": ("Chat", "Chat"),
    "channel.web": ("Web", "Web"),
    "type.omstilling": ("Omstilling", "Transfer of call"),
    "type.generel_information": ("Generel information", "General information"),
    "type.hjaelp_til_selvbetjening": ("Hjælp til selvbetjening", "Self-service help"),
    "type.raad_og_vejledning": ("Råd og vejledning", "Advice and guidance"),
    "type.ansoegning": ("Ansøgning", "Application"),
    "type.sagsstatus": ("Sagsstatus", "Case status"),
    "type.indberetning": ("Indberetning", "Report"),
    "type.klage": ("Klage", "Complaint"),
    "complexity.lav": ("Lav", "Low"),
    "complexity.mellem": ("Mellem", "Medium"),
    "complexity.hoej": ("Høj", "High"),
}


def as_lang(value: object) -> Lang:
    """A supported language, or the default for anything else."""
    return value if value in LANGUAGES else DEFAULT_LANG  # type: ignore[return-value]


@dataclass(frozen=True)
class Translator:
    """Looks up strings and catalogue names in one language."""

    lang: Lang
    catalogue: Catalogue

    def __call__(self, key: str, /, **values: object) -> str:
        """The message for a key, with its placeholders filled in."""
        text = MESSAGES[key][LANGUAGES.index(self.lang)]
        return text.format(**values) if values else text

    def plural(self, key: str, count: int) -> str:
        """The singular or plural form of a counted message (`key.one`, `key.other`)."""
        return self(f"{key}.one" if count == 1 else f"{key}.other", count=count)

    def label(self, prefix: str, value: str) -> str:
        """A label value (channel, type, urgent, ...) in words; unknown values as they are."""
        key = f"{prefix}.{value}"
        return self(key) if key in MESSAGES else value

    def refusal(self, refusal: Refusal) -> str:
        """Why an action was refused, with its queues and labels named in words."""
        params = dict(refusal.params)
        field = str(params.get("field", ""))
        # Parameters are machine values (ids, labels, verbs); only these few need words.
        for name in ("queue", "expected"):
            if name in params:
                params[name] = self.area(str(params[name]))
        if "action" in params:
            params["action"] = self.label("verb", str(params["action"]))
        if "value" in params:
            params["value"] = self.label(field, str(params["value"])).lower()
        if "allowed" in params:
            allowed = str(params["allowed"]).split(", ")
            params["allowed"] = ", ".join(self.label(field, value).lower() for value in allowed)
        if "field" in params:
            params["field"] = self.label("field", field)
        return self(f"refusal.{refusal.code}", **params)

    def area(self, service_area: str) -> str:
        """A service area's (queue's) name from the catalogue."""
        entry = self.catalogue.service_areas.get(service_area)  # type: ignore[call-overload]
        if entry is None:
            return service_area
        return str(entry.name if self.lang == "da" else entry.name_en)

    def department(self, department: str | None) -> str:
        """A department's name from the catalogue."""
        if department is None:
            return self("app.all_departments")
        entry = self.catalogue.departments.get(department)  # type: ignore[call-overload]
        if entry is None:
            return department
        return str(entry.name if self.lang == "da" else entry.name_en)

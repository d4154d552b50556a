"""The one exception tree of Indgang: catch IndgangError to catch them all."""


class IndgangError(Exception):
    """Base of every error Indgang raises on purpose."""


class ConfigError(IndgangError):
    """A settings value or a catalogue file is invalid; start-up stops."""


class PayloadError(IndgangError):
    """A payload on the wire or over HTTP cannot be accepted; carries the reason."""

    def __init__(self, reason: str, *, detail: object | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class LedgerError(IndgangError):
    """The ledger refused or failed an operation."""


class LedgerUnavailable(LedgerError):
    """The database cannot be reached; nothing can be made durable now."""


class BrokerError(IndgangError):
    """The Kafka broker cannot be reached or refused a request."""


class EmbeddedBrokerError(BrokerError):
    """The embedded Tansu broker could not be started."""


class ClassifierError(IndgangError):
    """The classifier cannot classify."""


class ModelNotTrained(ClassifierError):
    """A classifier was asked to predict before it was trained or loaded."""


class PayloadTooLarge(PayloadError):
    """A body exceeds the configured size limit."""

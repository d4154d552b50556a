"""The one exception tree of Indgang: catch IndgangError to catch them all."""

from __future__ import annotations

from collections.abc import Mapping

from models.refusals import Refusal, RefusalCode


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


class MailParseError(PayloadError):
    """A mail cannot be read as an inquiry; `code` is one of a few fixed values, for metrics."""

    def __init__(self, reason: str, *, code: str) -> None:
        super().__init__(reason)
        self.code = code


class MailServerError(IndgangError):
    """An IMAP or SMTP server cannot be reached or refused a request."""


class AccountError(IndgangError):
    """An operator account cannot be created or changed as asked; carries the reason."""


class ActionRefused(IndgangError):
    """An operator's action on a queue item is not allowed now; `code` says why, in any language."""

    def __init__(self, code: RefusalCode, /, **params: str | int) -> None:
        self.refusal = Refusal(code, params)
        super().__init__(str(self.refusal))

    @property
    def code(self) -> RefusalCode:
        """The stable reason, for translation; the English text may change, the code not."""
        return self.refusal.code

    @property
    def params(self) -> Mapping[str, str | int]:
        """The values the reason's message names: who, which queue, which label."""
        return self.refusal.params


class SignatureError(IndgangError):
    """A webhook request cannot be authenticated; carries the reason given to the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unsigned(SignatureError):
    """Signature headers are missing."""


class UnknownClient(SignatureError):
    """The request names a bot client that is not configured."""


class BadSignature(SignatureError):
    """The signature does not match the body and timestamp, or is malformed."""


class StaleSignature(SignatureError):
    """The signed timestamp is outside the allowed window: a replay or a wrong clock."""


class IdempotencyConflict(PayloadError):
    """An Idempotency-Key was used again with a different body."""


class CallbackFailed(IndgangError):
    """A decision callback to a bot client was not accepted; carries the reason."""

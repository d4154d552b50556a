"""Which configured bot client signed a request; every other request is refused with a reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from config.settings import BotClient
from connectors.signing import CLIENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from models.errors import UnknownClient, Unsigned


class BotAuthenticator:
    """Checks the signature headers against the configured clients' secrets."""

    def __init__(self, *, clients: Sequence[BotClient], max_age_s: int) -> None:
        self._clients = {c.id: c for c in clients}
        self.max_age_s = max_age_s

    def client(self, client_id: str) -> BotClient | None:
        """The configured client with that id."""
        return self._clients.get(client_id)

    def authenticate(
        self, *, headers: Mapping[str, str], body: bytes, now: float | None = None
    ) -> BotClient:
        """The client that signed `body`; else Unsigned, UnknownClient, Bad- or StaleSignature."""
        client_id = headers.get(CLIENT_HEADER.lower()) or headers.get(CLIENT_HEADER)
        if not client_id:
            raise Unsigned(f"{CLIENT_HEADER} header is missing; sign every request")
        client = self._clients.get(client_id)
        if client is None:
            # The id is not echoed: it may be anything a caller typed.
            raise UnknownClient(f"{CLIENT_HEADER} names no configured bot client")
        verify(
            secret=client.secret.get_secret_value(),
            timestamp=headers.get(TIMESTAMP_HEADER.lower()) or headers.get(TIMESTAMP_HEADER),
            signature=headers.get(SIGNATURE_HEADER.lower()) or headers.get(SIGNATURE_HEADER),
            body=body,
            max_age_s=self.max_age_s,
            now=now,
        )
        return client

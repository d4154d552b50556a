"""The board's filters by channel and service area, read from and written to the query string."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from models.errors import PayloadError
from models.labels import CHANNELS, SERVICE_AREAS


@dataclass(frozen=True)
class Filters:
    """One channel and one service area, or None for all."""

    channel: str | None = None
    area: str | None = None

    @classmethod
    def from_query(cls, params: QueryParams) -> Filters:
        """Filters from `?channel=…&area=…`; an unknown value is refused with its name."""
        channel = params.get("channel") or None
        area = params.get("area") or None
        if channel is not None and channel not in CHANNELS:
            raise PayloadError(f"unknown channel {channel!r}", detail=("channel", channel))
        if area is not None and area not in SERVICE_AREAS:
            raise PayloadError(f"unknown service area {area!r}", detail=("area", area))
        return cls(channel=channel, area=area)

    @property
    def query(self) -> str:
        """The query string that selects these filters, with its '?', or '' for none."""
        pairs = [(k, v) for k, v in (("channel", self.channel), ("area", self.area)) if v]
        return f"?{urlencode(pairs)}" if pairs else ""

    @property
    def active(self) -> bool:
        """True when anything is filtered out."""
        return bool(self.channel or self.area)

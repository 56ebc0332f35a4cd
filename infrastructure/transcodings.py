"""Pydantic events through orjson: the payload is the event's JSON, minus the ids.

`class_version` and `upcast_vN_vN+1` keep the library's upcasting convention, so
an old event can be read by a newer class.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

_IDS = {"originator_id", "originator_version"}


def upcast(cls: type, state: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored payload up to the current `class_version` of its class, in place."""
    from_version = state.pop("class_version", 1)
    while from_version < getattr(cls, "class_version", 1):
        getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
        from_version += 1
    return state


def decode_payload(mapper: Mapper, data: bytes) -> dict[str, Any]:
    """A stored event's bytes back to its JSON payload: decrypt, decompress, decode."""
    if mapper.cipher:
        data = mapper.cipher.decrypt(data)
    if mapper.compressor:
        data = mapper.compressor.decompress(data)
    return cast(dict[str, Any], mapper.transcoder.decode(data))


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class PydanticMapper(Mapper):
    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        cls = type(domain_event)
        state = cast(BaseModel, domain_event).model_dump(mode="json", exclude=_IDS)
        class_version = getattr(cls, "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        stored = self.transcoder.encode(state)
        if self.compressor:
            stored = self.compressor.compress(stored)
        if self.cipher:
            stored = self.cipher.encrypt(stored)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(cls),
            state=stored,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        state = decode_payload(self, stored_event.state)
        cls = resolve_topic(stored_event.topic)
        upcast(cls, state)
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cast(DomainEventProtocol[Any], cls.model_validate(state))

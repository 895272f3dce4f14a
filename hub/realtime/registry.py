"""Who is connected to this process, by topic; delivers broker envelopes to them."""

from __future__ import annotations

import json
from collections import defaultdict

from schemas.broker import Envelope

from .connection import Connection


class Registry:
    def __init__(self) -> None:
        self._by_topic: dict[str, set[Connection]] = defaultdict(set)
        self.connections: set[Connection] = set()

    def add(self, conn: Connection) -> None:
        self.connections.add(conn)

    def remove(self, conn: Connection) -> None:
        self.connections.discard(conn)
        for topic in list(conn.subscriptions):
            self.unsubscribe(conn, topic)

    def subscribe(self, conn: Connection, topic: str, sub_id: int = 0) -> None:
        conn.subscriptions[topic] = sub_id
        self._by_topic[topic].add(conn)

    def unsubscribe(self, conn: Connection, topic: str) -> None:
        conn.subscriptions.pop(topic, None)
        conn.replays.pop(topic, None)
        members = self._by_topic.get(topic)
        if members is not None:
            members.discard(conn)
            if not members:
                del self._by_topic[topic]

    def is_connected(self, key: str) -> bool:
        return any(c.key == key and not c.closed for c in self.connections)

    async def deliver(self, envelope: Envelope) -> None:
        """Serialise the event body once, then frame it for each subscriber."""
        members = self._by_topic.get(envelope.topic)
        if not members:
            return
        body = json.dumps(envelope.payload, separators=(",", ":"))
        for conn in list(members):
            sub_id = conn.subscriptions.get(envelope.topic, 0)
            frame = f'{{"type":"event","id":{sub_id},"event":{body}}}'
            is_thread = envelope.topic.startswith("thread:")
            seq = _thread_seq(envelope) if is_thread else 0
            replay = conn.replays.get(envelope.topic)
            if replay is not None:
                replay.held.append((seq, frame))
            elif not is_thread:
                conn.send(frame)
            elif seq > conn.delivered.get(envelope.topic, 0):
                conn.delivered[envelope.topic] = seq
                conn.send(frame)


def _thread_seq(envelope: Envelope) -> int:
    """The sequence number a thread event carries for its topic's readers."""
    message = envelope.payload.get("message") or {}
    field = "hub_seq" if envelope.topic.endswith(":hub") else "site_seq"
    return int(message.get(field, 0))

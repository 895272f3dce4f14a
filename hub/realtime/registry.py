"""Who is connected to this process, by topic; delivers broker envelopes to them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from hub.broker import topics
from schemas.broker import Envelope

from .connection import Connection, Watermark


class Registry:
    def __init__(self, on_call_change: Callable[[str], None] | None = None) -> None:
        self.on_call_change = on_call_change  # a call's roster may have changed
        self._by_topic: dict[str, set[Connection]] = defaultdict(set)
        self._by_key: dict[str, set[Connection]] = defaultdict(set)
        self.connections: set[Connection] = set()

    def add(self, conn: Connection) -> None:
        self.connections.add(conn)
        self._by_key[conn.key].add(conn)

    def remove(self, conn: Connection) -> None:
        self.connections.discard(conn)
        same = self._by_key.get(conn.key)
        if same is not None:
            same.discard(conn)
            if not same:
                del self._by_key[conn.key]
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
        return any(not c.closed for c in self._by_key.get(key, ()))

    def of(self, key: str) -> list[Connection]:
        """This user's or device's open sockets on this process."""
        return [c for c in self._by_key.get(key, ()) if not c.closed]

    def deliver(self, envelope: Envelope) -> None:
        """Frame the once-serialised event for each subscriber on this process."""
        if envelope.call_id is not None and self.on_call_change is not None:
            self.on_call_change(envelope.call_id)
        members = self._by_topic.get(envelope.topic)
        if not members:
            return
        is_thread = topics.is_thread(envelope.topic)
        for conn in list(members):
            sub_id = conn.subscriptions.get(envelope.topic, 0)
            frame = f'{{"type":"event","id":{sub_id},"event":{envelope.body}}}'
            replay = conn.replays.get(envelope.topic)
            if replay is not None:
                replay.held.append((envelope.seq, frame))
            else:
                conn.write(frame)  # at least once: the client shows each sequence once
                if is_thread:
                    conn.delivered.setdefault(envelope.topic, Watermark()).add(envelope.seq)

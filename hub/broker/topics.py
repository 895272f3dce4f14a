"""Broker topic names, in one place."""

from __future__ import annotations

QUEUE = "queue"
HUB_THREAD = "thread:hub"
REVOCATIONS = "revocations"  # access ended: every process closes the sockets it names
PRESENCE = "presence"  # who of the hub staff is on shift, and what they are doing


def participant(key: str) -> str:
    """Everything addressed to one user or device: rings, signalling, call changes."""
    return f"p:{key}"


def site_news(site_id: int) -> str:
    """What every socket of one site hears (its booked clinics' reminders): not a thread,
    so nothing on it is numbered or replayed."""
    return f"site:{site_id}"


def site_thread(site_id: int) -> str:
    return f"thread:site:{site_id}"


def person_thread(person_id: int) -> str:
    """One person's own thread: the only thread a device enrolled to them reads."""
    return f"thread:person:{person_id}"


def is_thread(topic: str) -> bool:
    """A thread's messages: numbered, shown once each by the client, replayed on catch-up."""
    return topic.startswith("thread:")


def seq_field(topic: str) -> str:
    """Which of a message's sequence numbers numbers this thread."""
    if topic == HUB_THREAD:
        return "hub_seq"
    if topic.startswith("thread:person:"):
        return "person_seq"
    return "site_seq"

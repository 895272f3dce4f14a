"""A Python client for the telehealth hub: headless device, test peer and load generator."""

from .connection import CommandFailed, HubConnection

__all__ = ["CommandFailed", "HubConnection"]

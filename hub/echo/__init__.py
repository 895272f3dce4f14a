"""The test call: an aiortc peer on the hub that sends back what it receives."""

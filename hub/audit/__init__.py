"""The audit trail's own jobs: refusals, the hash-chain check, the information-governance view."""

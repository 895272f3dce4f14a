"""What a call led to: the nurse's wrap-up (drafts that survive a closed tab, then the
record), 72-hour follow-ups, amend-only corrections, the read-only record and history, the
resident summary beside the video, and the shift (who is on, what they are doing)."""

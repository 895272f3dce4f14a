"""The palliative (Gold Line) register: a person's entry, amend-only, and their death."""

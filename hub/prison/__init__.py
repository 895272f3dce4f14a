"""Prison healthcare units: the rules their calls keep, and their escort measures."""

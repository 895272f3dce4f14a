"""The avoided-activity rules and what a call adds to its site's monthly counts. Pure: no
I/O, imports only ``schemas``, so the outcome, the storage layer's kept counts and the
reports all read the one set of rules from below them."""

"""The policy numbers: how small a group may be, how long answers are kept, when a difference is
called real. Every module that needs one imports it from here; ``reports`` and ``scoring`` receive
them as arguments."""

from __future__ import annotations

# A round's minimum group size k: no figure about fewer respondents is ever shown.
DEFAULT_MIN_GROUP_SIZE = 5
MIN_GROUP_SIZE_FLOOR = 3  # a round may ask for more, never for less
MAX_MIN_GROUP_SIZE = 1000

# Comments are shown only from rounds with at least this many responses (COMMENT_MIN_GROUP_SIZE
# overrides it per installation).
COMMENT_MIN_GROUP_SIZE = 10

# Raw answers are kept this many days after a round closes; then `ambassador purge` deletes them.
DEFAULT_RETENTION_DAYS = 730
MAX_RETENTION_DAYS = 3650
# The audit log of sign-ins and settings keeps this many days (a year and a month: a year-end
# review still finds last year's events); `ambassador purge` deletes older events.
AUDIT_RETENTION_DAYS = 400
# Second-factor codes: a half-finished sign-in ends after this many wrong codes (a new one needs
# the password again), and an account takes no code — not even the right one — once it has had
# this many wrong ones within this many minutes of the first; LOGIN_RATE_LIMIT counts every
# client address's attempts on top.
PENDING_SIGN_IN_TRIES = 5
ACCOUNT_CODE_TRIES = 10
ACCOUNT_CODE_MINUTES = 60
# the longest "whom to ask" text of a round
CONTACT_MAX = 300

# A difference is statistically significant when its (corrected) p-value is below this.
SIGNIFICANCE_LEVEL = 0.05

# Percentiles and pool marks need this many organisations: with fewer, one could guess who is who.
POOL_MIN_ORGANISATIONS = 5
# The pool shown changes only in versions that differ from the last one by this many organisations.
POOL_MIN_CHANGES = 3
# An imported benchmark round (and each of its principles) needs at least this many respondents.
IMPORT_MIN_GROUP_SIZE = 5

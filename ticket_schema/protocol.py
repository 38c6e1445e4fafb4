"""Names shared by the form and the intake service for what is not a ticket field.

A submission's body holds the ticket fields of the definition. Besides
them, the form sends a few things the intake service needs to handle the
request well; their names live here so both sides agree. None of them is a
field of the definition (field ids start with a letter; these start with an
underscore, or are headers), and the intake service removes them before the
validator sees the submission.
"""

# The plain form (JavaScript off) sends these as hidden inputs.
IDEMPOTENCY_FIELD = "_idempotency_key"
SCHEMA_VERSION_FIELD = "_schema_version"
FORM_LANGUAGE_FIELD = "_form_language"

# A field hidden from people; only robots fill it in. Its name is one that
# robots like to fill, so it cannot start with an underscore.
HONEYPOT_FIELD = "homepage"

# The script sends JSON and uses headers instead of hidden inputs.
IDEMPOTENCY_HEADER = "Idempotency-Key"
SCHEMA_VERSION_HEADER = "Ticket-Schema-Version"
# The page's language travels as the standard Accept-Language header.

# Where the form posts by default.
DEFAULT_ACTION = "/api/tickets"

META_FIELDS = (IDEMPOTENCY_FIELD, SCHEMA_VERSION_FIELD, FORM_LANGUAGE_FIELD, HONEYPOT_FIELD)

-- Tickets as the intake service accepts them.
--
-- The submission is kept as JSON text exactly as it was validated (trimmed
-- values, no empty ones); the columns beside it are what the service and
-- the support commands look tickets up by.

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    status_token TEXT NOT NULL UNIQUE,
    -- NULL for a ticket sent without a key; SQLite lets NULLs repeat in a
    -- UNIQUE column, so only real keys are held to one ticket each.
    idempotency_key TEXT UNIQUE,
    submission TEXT NOT NULL CHECK (json_valid(submission)),
    language TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX tickets_by_status ON tickets (status, id);

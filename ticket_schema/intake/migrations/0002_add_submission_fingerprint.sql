-- What an idempotency key was first used for: a digest of the judged
-- submission. The same key sent again with another submission is then
-- refused, instead of being answered with the first ticket's private
-- status link. NULL for a ticket sent without a key, and for tickets
-- stored before the digest was kept (their key answers as it always did).

ALTER TABLE tickets ADD COLUMN submission_fingerprint TEXT;

-- The submission exactly as the client sent it: its fields before the
-- validator trimmed them, unified their line breaks and dropped the empty
-- ones, without the form's hidden inputs. The cleaned `submission` stays
-- what the service and the support commands read; this one makes sure no
-- text a customer typed is lost. NULL for tickets stored before it was kept.

ALTER TABLE tickets ADD COLUMN received TEXT CHECK (received IS NULL OR json_valid(received));

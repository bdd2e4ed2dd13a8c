-- Attachments: metadata in attachments, content in attachment_chunks, in
-- order of n. An upload stages its chunks under its id (the id the
-- attachment will have) with an attachment_uploads row, in write
-- transactions of their own; the transaction that creates the attachment
-- row deletes the upload row, which makes the chunks the attachment's.
-- Chunks whose upload row is still there belong to no attachment: a failed
-- upload deletes them, and the janitor deletes those of uploads idle for
-- too long (a crash mid-upload).
CREATE TABLE attachment_uploads (
  id         TEXT PRIMARY KEY,
  touch_time INTEGER NOT NULL -- when the last chunk was staged
) STRICT;
CREATE INDEX attachment_uploads_by_touch ON attachment_uploads(touch_time);

CREATE TABLE attachment_chunks (
  attachment_id TEXT NOT NULL, -- the upload's id, then the attachment's
  n             INTEGER NOT NULL,
  data          BLOB NOT NULL,
  PRIMARY KEY (attachment_id, n)
) STRICT;

CREATE TABLE attachments (
  id           TEXT PRIMARY KEY,
  ticket_id    TEXT NOT NULL REFERENCES tickets(id),
  n            INTEGER NOT NULL, -- 1, 2, ... in the order of commit within the ticket
  filename     TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes   INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  author       TEXT NOT NULL,
  create_time  INTEGER NOT NULL,
  owner        TEXT NOT NULL, -- who uploaded it: request ids are unique per owner
  request_id   TEXT NOT NULL,
  request_hash BLOB NOT NULL,
  UNIQUE (ticket_id, n),
  UNIQUE (owner, request_id)
) STRICT;

-- The attachment an ATTACHMENT_ADDED event carries.
ALTER TABLE events ADD COLUMN attachment_id TEXT;

-- Notes become rows of their own: a ticket's JSON (tickets.data) and the
-- ticket snapshots of the event log (events.ticket) no longer embed the
-- conversation, so their size no longer grows with it.
CREATE TABLE notes (
  ticket_id   TEXT NOT NULL REFERENCES tickets(id),
  id          INTEGER NOT NULL, -- 1, 2, ... within the ticket, in the order added
  author      TEXT NOT NULL,
  text        TEXT NOT NULL,
  create_time INTEGER NOT NULL, -- Unix nanoseconds
  PRIMARY KEY (ticket_id, id)
) STRICT;

-- An event names the note it carries (NOTE_ADDED, ACKNOWLEDGED) by its
-- number within the event's ticket, and records the queue of the ticket
-- after the change (queue watches filter on it).
ALTER TABLE events ADD COLUMN note_id INTEGER;
ALTER TABLE events ADD COLUMN queue TEXT NOT NULL DEFAULT '';
CREATE INDEX events_by_queue ON events(queue, seq) WHERE ticket_id <> '';

-- Move every stored note out of its ticket's JSON, numbered from 1 in the
-- order of the JSON array (the order they were added). CreateTime is Go's
-- RFC 3339 text with 0 to 9 fraction digits and a Z or +hh:mm zone; it
-- becomes Unix nanoseconds (the zero time becomes 0, as the store writes
-- it).
WITH src AS (
  SELECT t.id AS ticket_id, n.key + 1 AS id,
         json_extract(n.value, '$.Author') AS author,
         json_extract(n.value, '$.Text') AS text,
         json_extract(n.value, '$.CreateTime') AS ct
  FROM tickets t, json_each(CAST(t.data AS TEXT), '$.Notes') n
  WHERE json_type(CAST(t.data AS TEXT), '$.Notes') = 'array'
), parts AS (
  SELECT *, substr(ct, 1, 19) AS secs,
         CASE WHEN substr(ct, 20, 1) = '.' THEN substr(ct, 21) ELSE '' END AS frac_tz,
         CASE WHEN substr(ct, 20, 1) = '.' THEN '' ELSE substr(ct, 20) END AS plain_tz
  FROM src
), split AS (
  SELECT *, ltrim(frac_tz, '0123456789') || plain_tz AS tz,
         substr(frac_tz, 1, length(frac_tz) - length(ltrim(frac_tz, '0123456789'))) AS digits
  FROM parts
)
INSERT INTO notes(ticket_id, id, author, text, create_time)
SELECT ticket_id, id, COALESCE(author, ''), COALESCE(text, ''),
       CASE WHEN ct IS NULL OR ct LIKE '0001-01-01T00:00:00%' THEN 0
            ELSE unixepoch(secs || tz) * 1000000000 + CAST(substr(digits || '000000000', 1, 9) AS INTEGER) END
FROM split;

-- Events: the queue of their ticket snapshot, and the note of NOTE_ADDED
-- and ACKNOWLEDGED events. The note an old event added is the last one of
-- its snapshot when that note was written at the event's instant by the
-- event's actor (both came from the same change); an ACKNOWLEDGED event of
-- a status change without a message added none and gets none. Other events
-- (a STATUS_CHANGED whose message became a note) carry no note: their
-- notes are listed with the ticket's notes. Runs before the snapshots are
-- stripped below.
UPDATE events SET
  queue = COALESCE(json_extract(CAST(ticket AS TEXT), '$.Queue'), ''),
  note_id = CASE
    WHEN type IN ('NOTE_ADDED', 'ACKNOWLEDGED') AND json_type(CAST(ticket AS TEXT), '$.Notes') = 'array'
     AND EXISTS (SELECT 1 FROM notes n WHERE n.ticket_id = events.ticket_id
                 AND n.id = json_array_length(CAST(events.ticket AS TEXT), '$.Notes')
                 AND n.create_time = events.time AND n.author = events.actor)
    THEN json_array_length(CAST(ticket AS TEXT), '$.Notes') END
WHERE ticket IS NOT NULL;

-- Strip the notes from the snapshots and the tickets, recording how many
-- there were (json_remove of a missing key changes nothing).
UPDATE events SET ticket = CAST(json_set(json_remove(CAST(ticket AS TEXT), '$.Notes'), '$.NoteCount',
    CASE WHEN json_type(CAST(ticket AS TEXT), '$.Notes') = 'array'
         THEN json_array_length(CAST(ticket AS TEXT), '$.Notes') ELSE 0 END) AS BLOB)
WHERE ticket IS NOT NULL;

UPDATE tickets SET data = CAST(json_set(json_remove(CAST(data AS TEXT), '$.Notes'), '$.NoteCount',
    CASE WHEN json_type(CAST(data AS TEXT), '$.Notes') = 'array'
         THEN json_array_length(CAST(data AS TEXT), '$.Notes') ELSE 0 END) AS BLOB);

-- Directory.
CREATE TABLE partners (
  id               TEXT PRIMARY KEY,
  display_name     TEXT NOT NULL,
  status           TEXT NOT NULL,
  verified_domains TEXT NOT NULL, -- JSON array
  benefits         TEXT NOT NULL, -- JSON array
  create_time      INTEGER NOT NULL,
  update_time      INTEGER NOT NULL
) STRICT;

CREATE TABLE customers (
  id           TEXT PRIMARY KEY,
  partner_id   TEXT NOT NULL REFERENCES partners(id),
  display_name TEXT NOT NULL,
  kind         TEXT NOT NULL,
  domains      TEXT NOT NULL, -- JSON array
  create_time  INTEGER NOT NULL
) STRICT;
CREATE INDEX customers_by_partner ON customers(partner_id, id);

CREATE TABLE subscriptions (
  id          TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers(id),
  service     TEXT NOT NULL,
  state       TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
) STRICT;
CREATE INDEX subscriptions_by_customer ON subscriptions(customer_id, id);

CREATE TABLE contracts (
  id          TEXT PRIMARY KEY,
  partner_id  TEXT NOT NULL REFERENCES partners(id),
  kind        TEXT NOT NULL,
  reference   TEXT NOT NULL,
  create_time INTEGER NOT NULL
) STRICT;
CREATE INDEX contracts_by_partner ON contracts(partner_id, id);

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  hash        BLOB NOT NULL,
  role        TEXT NOT NULL,
  partner_id  TEXT REFERENCES partners(id),
  create_time INTEGER NOT NULL,
  revoke_time INTEGER
) STRICT;

CREATE TABLE topics (
  id       TEXT PRIMARY KEY,
  service  TEXT NOT NULL,
  name     TEXT NOT NULL,
  category TEXT NOT NULL,
  featured INTEGER NOT NULL,
  rank     INTEGER NOT NULL
) STRICT;
CREATE INDEX topics_by_service ON topics(service, featured DESC, rank, id);

-- Tickets: indexed columns plus the whole ticket as JSON.
CREATE TABLE tickets (
  id              TEXT PRIMARY KEY,
  partner_id      TEXT NOT NULL REFERENCES partners(id),
  customer_id     TEXT NOT NULL REFERENCES customers(id),
  service         TEXT NOT NULL,
  status          TEXT NOT NULL,
  queue           TEXT NOT NULL,
  priority        INTEGER NOT NULL,
  response_due    INTEGER NOT NULL,
  next_escalation INTEGER, -- NULL when no automatic stage is pending
  version         INTEGER NOT NULL,
  data            BLOB NOT NULL
) STRICT;
CREATE INDEX tickets_by_partner ON tickets(partner_id, id);
CREATE INDEX tickets_by_customer ON tickets(partner_id, customer_id, id);
CREATE INDEX tickets_by_status ON tickets(partner_id, status, id);
CREATE INDEX tickets_by_service ON tickets(partner_id, service, id);
CREATE INDEX tickets_open_by_queue ON tickets(queue, priority DESC, response_due, id)
  WHERE status NOT IN ('RESOLVED', 'CLOSED');
CREATE INDEX tickets_due ON tickets(next_escalation) WHERE next_escalation IS NOT NULL;

CREATE TABLE idempotency (
  partner_id   TEXT NOT NULL,
  request_id   TEXT NOT NULL,
  request_hash BLOB NOT NULL,
  ticket_id    TEXT NOT NULL,
  create_time  INTEGER NOT NULL,
  PRIMARY KEY (partner_id, request_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_by_time ON idempotency(create_time);

-- The event log: one row per change, gap-free sequence (rowid).
CREATE TABLE events (
  seq         INTEGER PRIMARY KEY,
  time        INTEGER NOT NULL,
  type        TEXT NOT NULL,
  partner_id  TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  ticket_id   TEXT NOT NULL,
  actor       TEXT NOT NULL,
  detail      TEXT NOT NULL,
  ticket      BLOB -- JSON of the ticket after the change
) STRICT;
CREATE INDEX events_by_ticket ON events(ticket_id, seq) WHERE ticket_id <> '';
CREATE INDEX events_by_partner ON events(partner_id, seq) WHERE ticket_id <> '';
CREATE INDEX events_by_time ON events(time);

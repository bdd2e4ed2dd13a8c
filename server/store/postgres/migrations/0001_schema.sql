-- The schema of the SQLite backend after its migrations 0001 to 0007, in
-- PostgreSQL terms. Instants are Unix nanoseconds (BIGINT, 0 for the zero
-- time) and tickets are stored in the same JSON as in SQLite, so that both
-- backends hold the same values. Text compares bytewise (COLLATE "C"), as
-- in SQLite, so that keyset pages order ids the same on every server locale.

-- Directory.
CREATE TABLE partners (
  id               TEXT COLLATE "C" PRIMARY KEY,
  display_name     TEXT COLLATE "C" NOT NULL,
  status           TEXT COLLATE "C" NOT NULL,
  verified_domains TEXT COLLATE "C" NOT NULL, -- JSON array
  benefits         TEXT COLLATE "C" NOT NULL, -- JSON array
  create_time      BIGINT NOT NULL,
  update_time      BIGINT NOT NULL
);

CREATE TABLE customers (
  id           TEXT COLLATE "C" PRIMARY KEY,
  partner_id   TEXT COLLATE "C" NOT NULL REFERENCES partners(id),
  display_name TEXT COLLATE "C" NOT NULL,
  kind         TEXT COLLATE "C" NOT NULL,
  domains      TEXT COLLATE "C" NOT NULL, -- JSON array
  create_time  BIGINT NOT NULL
);
CREATE INDEX customers_by_partner ON customers(partner_id, id);

CREATE TABLE subscriptions (
  id          TEXT COLLATE "C" PRIMARY KEY,
  customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers(id),
  service     TEXT COLLATE "C" NOT NULL,
  state       TEXT COLLATE "C" NOT NULL,
  create_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL
);
CREATE INDEX subscriptions_by_customer ON subscriptions(customer_id, id);

CREATE TABLE contracts (
  id          TEXT COLLATE "C" PRIMARY KEY,
  partner_id  TEXT COLLATE "C" NOT NULL REFERENCES partners(id),
  kind        TEXT COLLATE "C" NOT NULL,
  reference   TEXT COLLATE "C" NOT NULL,
  create_time BIGINT NOT NULL
);
CREATE INDEX contracts_by_partner ON contracts(partner_id, id);

CREATE TABLE api_keys (
  id          TEXT COLLATE "C" PRIMARY KEY,
  hash        BYTEA NOT NULL,
  role        TEXT COLLATE "C" NOT NULL,
  partner_id  TEXT COLLATE "C" REFERENCES partners(id),
  create_time BIGINT NOT NULL,
  revoke_time BIGINT,
  expire_time BIGINT -- NULL: never expires
);

CREATE TABLE topics (
  id       TEXT COLLATE "C" PRIMARY KEY,
  service  TEXT COLLATE "C" NOT NULL,
  name     TEXT COLLATE "C" NOT NULL,
  category TEXT COLLATE "C" NOT NULL,
  featured BOOLEAN NOT NULL,
  rank     INTEGER NOT NULL
);
CREATE INDEX topics_by_service ON topics(service, featured DESC, rank, id);

-- Tickets: indexed columns plus the whole ticket as JSON.
CREATE TABLE tickets (
  id              TEXT COLLATE "C" PRIMARY KEY,
  partner_id      TEXT COLLATE "C" NOT NULL REFERENCES partners(id),
  customer_id     TEXT COLLATE "C" NOT NULL REFERENCES customers(id),
  service         TEXT COLLATE "C" NOT NULL,
  status          TEXT COLLATE "C" NOT NULL,
  queue           TEXT COLLATE "C" NOT NULL,
  priority        SMALLINT NOT NULL,
  response_due    BIGINT NOT NULL,
  next_escalation BIGINT, -- NULL when no automatic stage is pending
  version         BIGINT NOT NULL,
  data            BYTEA NOT NULL
);
CREATE INDEX tickets_by_partner ON tickets(partner_id, id);
CREATE INDEX tickets_by_customer ON tickets(partner_id, customer_id, id);
CREATE INDEX tickets_by_status ON tickets(partner_id, status, id);
CREATE INDEX tickets_by_service ON tickets(partner_id, service, id);
CREATE INDEX tickets_open_by_queue ON tickets(queue, priority DESC, response_due, id)
  WHERE status NOT IN ('RESOLVED', 'CLOSED');
CREATE INDEX tickets_due ON tickets(next_escalation, id) WHERE next_escalation IS NOT NULL;

CREATE TABLE idempotency (
  partner_id   TEXT COLLATE "C" NOT NULL,
  request_id   TEXT COLLATE "C" NOT NULL,
  request_hash BYTEA NOT NULL,
  ticket_id    TEXT COLLATE "C" NOT NULL,
  create_time  BIGINT NOT NULL,
  PRIMARY KEY (partner_id, request_id)
);
CREATE INDEX idempotency_by_time ON idempotency(create_time);

CREATE TABLE notes (
  ticket_id   TEXT COLLATE "C" NOT NULL REFERENCES tickets(id),
  id          BIGINT NOT NULL, -- 1, 2, ... within the ticket, in the order added
  author      TEXT COLLATE "C" NOT NULL,
  text        TEXT COLLATE "C" NOT NULL,
  create_time BIGINT NOT NULL,
  PRIMARY KEY (ticket_id, id)
);

-- Attachments: see the SQLite migration 0005 for the staging design.
CREATE TABLE attachment_uploads (
  id         TEXT COLLATE "C" PRIMARY KEY,
  touch_time BIGINT NOT NULL -- when the last chunk was staged
);
CREATE INDEX attachment_uploads_by_touch ON attachment_uploads(touch_time);

CREATE TABLE attachment_chunks (
  attachment_id TEXT COLLATE "C" NOT NULL, -- the upload's id, then the attachment's
  n             INTEGER NOT NULL,
  data          BYTEA NOT NULL,
  PRIMARY KEY (attachment_id, n)
);

CREATE TABLE attachments (
  id           TEXT COLLATE "C" PRIMARY KEY,
  ticket_id    TEXT COLLATE "C" NOT NULL REFERENCES tickets(id),
  n            INTEGER NOT NULL, -- 1, 2, ... in the order of commit within the ticket
  filename     TEXT COLLATE "C" NOT NULL,
  content_type TEXT COLLATE "C" NOT NULL,
  size_bytes   BIGINT NOT NULL,
  sha256       TEXT COLLATE "C" NOT NULL,
  author       TEXT COLLATE "C" NOT NULL,
  create_time  BIGINT NOT NULL,
  owner        TEXT COLLATE "C" NOT NULL, -- who uploaded it: request ids are unique per owner
  request_id   TEXT COLLATE "C" NOT NULL,
  request_hash BYTEA NOT NULL,
  UNIQUE (ticket_id, n),
  UNIQUE (owner, request_id)
);

-- The event log. seq is gap-free and assigned in commit order: a write
-- transaction takes the next value from event_counter, whose row lock it
-- then holds until it commits or rolls back, so a later sequence is never
-- visible before an earlier one.
CREATE TABLE event_counter (
  one  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
  last BIGINT NOT NULL
);
INSERT INTO event_counter(last) VALUES (0);

CREATE TABLE events (
  seq           BIGINT PRIMARY KEY,
  time          BIGINT NOT NULL,
  type          TEXT COLLATE "C" NOT NULL,
  partner_id    TEXT COLLATE "C" NOT NULL,
  customer_id   TEXT COLLATE "C" NOT NULL,
  ticket_id     TEXT COLLATE "C" NOT NULL,
  actor         TEXT COLLATE "C" NOT NULL,
  detail        TEXT COLLATE "C" NOT NULL,
  ticket        BYTEA, -- JSON of the ticket after the change
  note_id       BIGINT,
  queue         TEXT COLLATE "C" NOT NULL DEFAULT '',
  attachment_id TEXT COLLATE "C"
);
CREATE INDEX events_by_ticket ON events(ticket_id, seq) WHERE ticket_id <> '';
CREATE INDEX events_by_partner ON events(partner_id, seq) WHERE ticket_id <> '';
CREATE INDEX events_by_queue ON events(queue, seq) WHERE ticket_id <> '';
CREATE INDEX events_by_time ON events(time);

-- Server-wide settings, such as the key that signs page and resume tokens.
CREATE TABLE settings (
  name  TEXT COLLATE "C" PRIMARY KEY,
  value BYTEA NOT NULL
);

-- The audit trail: directory and key changes with who made them.
CREATE TABLE audit_events (
  id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- never reused: ids only grow
  time     BIGINT NOT NULL,
  actor    TEXT COLLATE "C" NOT NULL,
  kind     TEXT COLLATE "C" NOT NULL,
  resource TEXT COLLATE "C" NOT NULL,
  before   TEXT COLLATE "C", -- JSON; NULL on creation
  after    TEXT COLLATE "C"  -- JSON
);
CREATE INDEX audit_by_actor ON audit_events(actor, id);
CREATE INDEX audit_by_kind ON audit_events(kind, id);
CREATE INDEX audit_by_time ON audit_events(time);

-- The built-in support topic catalogue (as in the SQLite migration 0003).
INSERT INTO topics(id, service, name, category, featured, rank) VALUES
  ('azure-vm-connectivity', 'AZURE', 'Virtual machine connectivity', 'TECHNICAL', TRUE, 0),
  ('azure-app-service-outage', 'AZURE', 'App Service: site down or failing', 'TECHNICAL', TRUE, 1),
  ('azure-storage-access', 'AZURE', 'Storage account access and performance', 'TECHNICAL', TRUE, 2),
  ('azure-architecture-guidance', 'AZURE', 'Architecture and deployment guidance', 'ADVISORY', TRUE, 3),
  ('azure-subscription-transfer', 'AZURE', 'Subscription transfer and ownership', 'SUBSCRIPTION_MANAGEMENT', TRUE, 4),
  ('azure-invoice-question', 'AZURE', 'Invoice and charges question', 'BILLING', TRUE, 5),
  ('azure-sql-database', 'AZURE', 'Azure SQL Database', 'TECHNICAL', FALSE, 6),
  ('azure-networking', 'AZURE', 'Virtual network, VPN and DNS', 'TECHNICAL', FALSE, 7),
  ('azure-cost-optimization', 'AZURE', 'Cost optimisation planning', 'ADVISORY', FALSE, 8),
  ('azure-quota-increase', 'AZURE', 'Quota and limit increase', 'SUBSCRIPTION_MANAGEMENT', FALSE, 9),
  ('azure-billing-dispute', 'AZURE', 'Dispute a charge', 'BILLING_DISPUTE', FALSE, 10),
  ('azure-fraud-report', 'AZURE', 'Report suspected fraud', 'FRAUD', FALSE, 11),
  ('o365-exchange-mail-flow', 'OFFICE_365', 'Exchange Online mail flow', 'TECHNICAL', TRUE, 0),
  ('o365-teams-calling', 'OFFICE_365', 'Teams meetings and calling', 'TECHNICAL', TRUE, 1),
  ('o365-sharepoint-access', 'OFFICE_365', 'SharePoint and OneDrive access', 'TECHNICAL', TRUE, 2),
  ('o365-migration-planning', 'OFFICE_365', 'Tenant migration planning', 'ADVISORY', TRUE, 3),
  ('o365-license-assignment', 'OFFICE_365', 'License assignment and seats', 'SUBSCRIPTION_MANAGEMENT', TRUE, 4),
  ('o365-invoice-question', 'OFFICE_365', 'Invoice and charges question', 'BILLING', TRUE, 5),
  ('o365-identity-sync', 'OFFICE_365', 'Directory synchronisation', 'TECHNICAL', FALSE, 6),
  ('o365-compliance-guidance', 'OFFICE_365', 'Compliance and retention guidance', 'ADVISORY', FALSE, 7),
  ('o365-billing-dispute', 'OFFICE_365', 'Dispute a charge', 'BILLING_DISPUTE', FALSE, 8),
  ('o365-fraud-report', 'OFFICE_365', 'Report suspected fraud', 'FRAUD', FALSE, 9),
  ('crm-organization-unavailable', 'DYNAMICS_CRM_ONLINE', 'Organisation unavailable or slow', 'TECHNICAL', TRUE, 0),
  ('crm-workflow-errors', 'DYNAMICS_CRM_ONLINE', 'Workflow and plug-in errors', 'TECHNICAL', TRUE, 1),
  ('crm-customization-guidance', 'DYNAMICS_CRM_ONLINE', 'Customisation guidance', 'ADVISORY', TRUE, 2),
  ('crm-license-assignment', 'DYNAMICS_CRM_ONLINE', 'License assignment and seats', 'SUBSCRIPTION_MANAGEMENT', TRUE, 3),
  ('crm-invoice-question', 'DYNAMICS_CRM_ONLINE', 'Invoice and charges question', 'BILLING', TRUE, 4),
  ('crm-data-import', 'DYNAMICS_CRM_ONLINE', 'Data import and export', 'TECHNICAL', FALSE, 5),
  ('crm-billing-dispute', 'DYNAMICS_CRM_ONLINE', 'Dispute a charge', 'BILLING_DISPUTE', FALSE, 6),
  ('crm-fraud-report', 'DYNAMICS_CRM_ONLINE', 'Report suspected fraud', 'FRAUD', FALSE, 7),
  ('ems-intune-enrollment', 'ENTERPRISE_MOBILITY_SUITE', 'Intune device enrollment', 'TECHNICAL', TRUE, 0),
  ('ems-conditional-access', 'ENTERPRISE_MOBILITY_SUITE', 'Conditional access and sign-in', 'TECHNICAL', TRUE, 1),
  ('ems-deployment-planning', 'ENTERPRISE_MOBILITY_SUITE', 'Deployment planning', 'ADVISORY', TRUE, 2),
  ('ems-license-assignment', 'ENTERPRISE_MOBILITY_SUITE', 'License assignment and seats', 'SUBSCRIPTION_MANAGEMENT', TRUE, 3),
  ('ems-invoice-question', 'ENTERPRISE_MOBILITY_SUITE', 'Invoice and charges question', 'BILLING', TRUE, 4),
  ('ems-rights-management', 'ENTERPRISE_MOBILITY_SUITE', 'Rights management and labels', 'TECHNICAL', FALSE, 5),
  ('ems-billing-dispute', 'ENTERPRISE_MOBILITY_SUITE', 'Dispute a charge', 'BILLING_DISPUTE', FALSE, 6),
  ('ems-fraud-report', 'ENTERPRISE_MOBILITY_SUITE', 'Report suspected fraud', 'FRAUD', FALSE, 7);

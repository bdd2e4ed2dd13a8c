-- The audit trail: directory and key changes with who made them and the
-- resource before and after (its API JSON form). Kept apart from the event
-- log, whose retention never touches it.
CREATE TABLE audit_events (
  id       INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: ids only grow
  time     INTEGER NOT NULL,
  actor    TEXT NOT NULL,
  kind     TEXT NOT NULL,
  resource TEXT NOT NULL,
  before   TEXT, -- JSON; NULL on creation
  after    TEXT  -- JSON
) STRICT;
CREATE INDEX audit_by_actor ON audit_events(actor, id);
CREATE INDEX audit_by_kind ON audit_events(kind, id);
CREATE INDEX audit_by_time ON audit_events(time);

-- Directory changes made before this version went to the event log only:
-- keep the ones still retained (without before/after values, which the log
-- did not hold).
INSERT INTO audit_events(time, actor, kind, resource, before, after)
SELECT time, actor,
  CASE type
    WHEN 'PARTNER_CREATED' THEN 'partner.created'
    WHEN 'PARTNER_UPDATED' THEN 'partner.updated'
    WHEN 'CUSTOMER_CREATED' THEN 'customer.created'
    WHEN 'SUBSCRIPTION_CREATED' THEN 'subscription.created'
    WHEN 'SUBSCRIPTION_UPDATED' THEN 'subscription.updated'
    WHEN 'CONTRACT_REGISTERED' THEN 'contract.registered'
    WHEN 'SUPPORT_TOPIC_CREATED' THEN 'topic.created'
    WHEN 'SUPPORT_TOPIC_UPDATED' THEN 'topic.updated'
    WHEN 'API_KEY_CREATED' THEN 'api_key.created'
    WHEN 'API_KEY_REVOKED' THEN 'api_key.revoked'
  END,
  CASE WHEN type IN ('PARTNER_CREATED', 'PARTNER_UPDATED') THEN 'partners/' || partner_id ELSE '' END,
  NULL, NULL
FROM events
WHERE type IN ('PARTNER_CREATED', 'PARTNER_UPDATED', 'CUSTOMER_CREATED', 'SUBSCRIPTION_CREATED',
  'SUBSCRIPTION_UPDATED', 'CONTRACT_REGISTERED', 'SUPPORT_TOPIC_CREATED', 'SUPPORT_TOPIC_UPDATED',
  'API_KEY_CREATED', 'API_KEY_REVOKED')
ORDER BY seq;

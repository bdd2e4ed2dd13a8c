-- Whether a ticket is open is decided in Go (domain.TicketStatus.IsOpen,
-- the one definition) and stored by the store with every ticket write, so
-- SQL no longer spells the list of statuses. This fills the column of
-- existing rows with the definition of this release (NEW, IN_PROGRESS,
-- WAITING_ON_PARTNER; TestOpenMigration checks it agrees with IsOpen) and
-- rebuilds the agent queue index on it.
ALTER TABLE tickets ADD COLUMN open INTEGER NOT NULL DEFAULT 0;
UPDATE tickets SET open = (status IN ('NEW', 'IN_PROGRESS', 'WAITING_ON_PARTNER'));
DROP INDEX tickets_open_by_queue;
CREATE INDEX tickets_open_by_queue ON tickets(queue, priority DESC, response_due, id) WHERE open = 1;

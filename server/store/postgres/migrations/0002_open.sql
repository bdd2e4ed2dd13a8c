-- Whether a ticket is open is decided in Go (domain.TicketStatus.IsOpen,
-- the one definition) and stored by the store with every ticket write, so
-- SQL no longer spells the list of statuses. This fills the column of
-- existing rows with the definition of this release (NEW, IN_PROGRESS,
-- WAITING_ON_PARTNER) and rebuilds the agent queue index on it.
ALTER TABLE tickets ADD COLUMN open BOOLEAN NOT NULL DEFAULT false;
UPDATE tickets SET open = (status IN ('NEW', 'IN_PROGRESS', 'WAITING_ON_PARTNER'));
DROP INDEX tickets_open_by_queue;
CREATE INDEX tickets_open_by_queue ON tickets(queue, priority DESC, response_due, id) WHERE open;

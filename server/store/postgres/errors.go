package postgres

import (
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/supportd/supportd/server/store"
)

// mapErr turns driver errors into the store's sentinel errors; the driver
// message stays in the chain for logs, never for clients.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return fmt.Errorf("%w: %v", store.ErrAlreadyExists, err)
		case pe.Code == "23503": // foreign_key_violation
			return fmt.Errorf("%w: parent record: %v", store.ErrNotFound, err)
		case pe.Code == "53100" || pe.Code == "53400": // disk_full, configuration_limit_exceeded
			return fmt.Errorf("%w: %w", store.ErrStorageFull, err)
		case pe.Code[:2] == "08" || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300":
			// connection exceptions, server shutting down or starting,
			// too many connections
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return err
	}
	if isConnErr(err) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// isConnErr reports an error of reaching the server rather than of the
// statement: no connection, a broken one, a timeout.
func isConnErr(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) ||
		errors.Is(err, net.ErrClosed)
}

// retryable reports a transaction that rolled back entirely because of
// concurrent ones (serialization failure, deadlock) and may simply run
// again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

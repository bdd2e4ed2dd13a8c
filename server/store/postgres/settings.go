package postgres

import (
	"context"
	"fmt"
)

// GetSetting implements store.Reader.
func (v *txView) GetSetting(_ context.Context, name string) ([]byte, error) {
	var value []byte
	if err := v.row(`SELECT value FROM settings WHERE name = $1`, name).Scan(&value); err != nil {
		return nil, fmt.Errorf("setting %q: %w", name, mapErr(err))
	}
	return value, nil
}

// CreateSetting implements store.Writer. Of two transactions creating
// the same setting, the second waits for the first and fails here with
// ErrAlreadyExists once it commits (the primary key), leaving the
// transaction usable (see exec): a GetSetting after it reads the
// committed value.
func (v *txView) CreateSetting(_ context.Context, name string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	if _, err := v.exec(`INSERT INTO settings(name, value) VALUES ($1, $2)`, name, value); err != nil {
		return fmt.Errorf("setting %q: %w", name, err)
	}
	return nil
}

// PutSetting implements store.Writer.
func (v *txView) PutSetting(_ context.Context, name string, value []byte) error {
	if value == nil {
		value = []byte{} // NOT NULL: an empty value is an empty string of bytes
	}
	_, err := v.exec(`INSERT INTO settings(name, value) VALUES ($1, $2) ON CONFLICT(name) DO UPDATE SET value = excluded.value`, name, value)
	return err
}

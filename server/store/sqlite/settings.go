package sqlite

import (
	"context"
	"fmt"
)

// GetSetting implements store.Reader.
func (v *txView) GetSetting(_ context.Context, name string) ([]byte, error) {
	var value []byte
	if err := v.row(`SELECT value FROM settings WHERE name = ?`, name).Scan(&value); err != nil {
		return nil, fmt.Errorf("setting %q: %w", name, mapErr(err))
	}
	return value, nil
}

// CreateSetting implements store.Writer.
func (v *txView) CreateSetting(_ context.Context, name string, value []byte) error {
	_, err := v.exec(`INSERT INTO settings(name, value) VALUES (?, ?)`, name, value)
	if err != nil {
		return fmt.Errorf("setting %q: %w", name, err)
	}
	return nil
}

// PutSetting implements store.Writer.
func (v *txView) PutSetting(_ context.Context, name string, value []byte) error {
	_, err := v.exec(`INSERT INTO settings(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value`, name, value)
	return err
}

package validate_test

import (
	"errors"
	"testing"

	"github.com/supportd/supportd/server/domain"
)

// fields returns the fields a validation error names, in order; nil for no
// error. Any other error fails the test.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("error %v (%T), want a ValidationError", err, err)
	}
	var out []string
	for _, fv := range v.Violations {
		if fv.Description == "" {
			t.Errorf("violation of %s says nothing", fv.Field)
		}
		out = append(out, fv.Field)
	}
	return out
}

package interop

import (
	"testing"

	"github.com/supportd/supportd/internal/pgtest"
)

// TestMain runs the tests beside a throwaway PostgreSQL cluster (when
// PostgreSQL is installed): the README's PostgreSQL section runs on it.
func TestMain(m *testing.M) { pgtest.Main(m) }

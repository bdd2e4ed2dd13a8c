package pgcluster

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestProcStatReadsParentOfThisProcess(t *testing.T) {
	st, ok := procStat(os.Getpid())
	if !ok {
		t.Skip("no /proc")
	}
	if st.ppid != os.Getppid() {
		t.Errorf("ppid = %d, want %d", st.ppid, os.Getppid())
	}
	if _, ok := procStat(-1); ok {
		t.Error("procStat(-1) succeeded")
	}
}

func TestDurableClusterServesCreatedDatabaseAndStopRemovesIt(t *testing.T) {
	bin, err := FindBin()
	if err != nil {
		t.Skip(err)
	}
	c, err := Start(bin, Options{Durable: true, MaxConnections: 20})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			c.Stop()
		}
	}()
	ctx := context.Background()
	url, err := c.CreateDatabase(ctx, "bench one")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var fsync, db string
	if err := conn.QueryRow(ctx, "SELECT current_setting('fsync'), current_database()").Scan(&fsync, &db); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if fsync != "on" || db != "bench one" {
		t.Errorf("fsync %q in database %q, want on in %q", fsync, db, "bench one")
	}
	if c.CPUTime() < 0 {
		t.Error("negative CPU time")
	}
	stopped = true
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory left behind: %v", err)
	}
}

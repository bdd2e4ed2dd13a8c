// Package pgtest runs a throwaway PostgreSQL cluster for the tests of one
// test binary: Main starts it (initdb in a temporary directory, a free
// port, fsync off), NewDatabase gives each test a fresh database, and the
// cluster is stopped and deleted when the tests end.
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// The PostgreSQL server binaries are looked up in $SUPPORTD_PG_BIN, then
// /usr/lib/postgresql/<version>/bin (the newest version), then $PATH. When
// none is installed, the tests that ask for a database skip with a message
// saying so (CI installs them: see .ci/run). Run as root, the cluster runs
// as the "postgres" OS user, since PostgreSQL refuses to run as root.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
)

// cluster is the running cluster of this test binary.
type cluster struct {
	bin     string // directory of initdb, pg_ctl, postgres
	dir     string // temporary root: data/, socket/, log
	port    int
	cred    *syscall.Credential // nil: run as the current user
	adminDB string              // URL of the maintenance database
}

var (
	current    *cluster
	skipReason = "pgtest.Main did not run: call it from TestMain"
	dbCounter  atomic.Int64
	createMu   sync.Mutex // CREATE DATABASE copies template1: one at a time
)

// Main starts the cluster (when PostgreSQL is installed), runs the tests
// (m is a *testing.M, or a wrapper that runs it and checks more) and stops
// the cluster, then exits with the tests' status.
func Main(m interface{ Run() int }) {
	os.Exit(run(m))
}

func run(m interface{ Run() int }) int {
	bin, err := findBin()
	if err != nil {
		skipReason = err.Error()
		return m.Run()
	}
	c, err := start(bin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: start PostgreSQL from %s: %v\n", bin, err)
		return 1
	}
	current, skipReason = c, ""
	code := m.Run()
	if err := c.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: stop PostgreSQL: %v\n", err)
	}
	return code
}

// findBin returns the directory of the PostgreSQL server binaries.
func findBin() (string, error) {
	if dir := os.Getenv("SUPPORTD_PG_BIN"); dir != "" {
		return dir, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(found, func(i, j int) bool { return versionOf(found[i]) > versionOf(found[j]) })
	if len(found) > 0 {
		return filepath.Dir(found[0]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb, no initdb in $PATH; " +
		"set SUPPORTD_PG_BIN or install it: apt-get install -y postgresql): PostgreSQL tests skipped")
}

// versionOf is the major version in /usr/lib/postgresql/<v>/bin/initdb.
func versionOf(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// start creates and starts a cluster in a new temporary directory.
func start(bin string) (_ *cluster, err error) {
	dir, err := os.MkdirTemp("", "supportd-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, dir: dir}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	if os.Geteuid() == 0 {
		if c.cred, err = postgresUser(dir); err != nil {
			return nil, err
		}
	}
	for _, sub := range []string{"data", "socket"} {
		if err := c.mkdir(filepath.Join(dir, sub)); err != nil {
			return nil, err
		}
	}
	if err := c.cmd("initdb", "-D", c.path("data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
		"--locale=C", "--no-sync", "--no-instructions"); err != nil {
		return nil, fmt.Errorf("initdb: %w", err)
	}
	if c.port, err = freePort(); err != nil {
		return nil, err
	}
	// Throwaway data: no fsync, small buffers; room for the connection
	// pools of parallel tests.
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "+
		"-c full_page_writes=off -c shared_buffers=16MB -c max_connections=300", c.port, c.path("socket"))
	if err := c.cmd("pg_ctl", "start", "-w", "-t", "60", "-D", c.path("data"), "-l", c.path("log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(c.path("log"))
		return nil, fmt.Errorf("pg_ctl start: %w\n%s", err, log)
	}
	c.adminDB = c.url("postgres")
	return c, nil
}

// postgresUser returns the credential of the "postgres" OS user and makes
// dir theirs.
func postgresUser(dir string) (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs a \"postgres\" OS user to run PostgreSQL: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (c *cluster) path(name string) string { return filepath.Join(c.dir, name) }

func (c *cluster) mkdir(p string) error {
	if err := os.Mkdir(p, 0o700); err != nil {
		return err
	}
	if c.cred != nil {
		return os.Chown(p, int(c.cred.Uid), int(c.cred.Gid))
	}
	return nil
}

// cmd runs one of the cluster's binaries as the cluster's user.
func (c *cluster) cmd(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// stop shuts the cluster down at once and deletes its files.
func (c *cluster) stop() error {
	err := c.cmd("pg_ctl", "stop", "-D", c.path("data"), "-m", "immediate", "-w")
	return errors.Join(err, os.RemoveAll(c.dir))
}

func (c *cluster) url(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// freePort returns a TCP port free on the loopback interface.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Available reports whether a cluster runs, and why not.
func Available() (bool, string) {
	return current != nil, skipReason
}

// NewDatabase creates an empty database in the cluster and returns its
// URL (postgres://...); it skips t when PostgreSQL is not installed. The
// database is dropped with the cluster, when the test binary ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	if current == nil {
		t.Skip(skipReason)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbCounter.Add(1))
	ctx := context.Background()
	createMu.Lock()
	defer createMu.Unlock()
	conn, err := pgx.Connect(ctx, current.adminDB)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template1 STRATEGY FILE_COPY"); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	return current.url(name)
}

// Restart stops the cluster (fast shutdown: connections are cut) and
// starts it again on the same port: tests of reconnection use it.
func Restart(t testing.TB) {
	t.Helper()
	if current == nil {
		t.Skip(skipReason)
	}
	// -l: the server must not inherit pg_ctl's output, which cmd waits
	// for the end of.
	if err := current.cmd("pg_ctl", "restart", "-w", "-t", "60", "-D", current.path("data"), "-l", current.path("log"), "-m", "fast"); err != nil {
		t.Fatalf("pgtest: restart: %v", err)
	}
}

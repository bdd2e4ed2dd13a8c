// Package pgcluster runs a throwaway PostgreSQL cluster: initdb in a new
// temporary directory, a free loopback port, a Unix socket in that
// directory; Stop deletes it all. The tests (internal/pgtest) run one with
// fsync off; the benchmarks (cmd/supportbench, cmd/watchbench) run one with
// PostgreSQL's durable defaults.
//
// The server binaries are looked up in $SUPPORTD_PG_BIN, then
// /usr/lib/postgresql/<version>/bin (the newest version), then $PATH. Run
// as root, the cluster runs as the "postgres" OS user, since PostgreSQL
// refuses to run as root.
package pgcluster

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
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options configure a cluster.
type Options struct {
	// Durable keeps PostgreSQL's durable defaults (fsync, synchronous
	// commit, full page writes): for benchmarks. Otherwise the cluster
	// runs with fsync off, for tests of throwaway data.
	Durable bool
	// MaxConnections is max_connections (default 300: room for the
	// connection pools of parallel tests or several replicas).
	MaxConnections int
	// Settings are more "name=value" server settings (-c), applied last.
	Settings []string
}

// Cluster is a running throwaway cluster.
type Cluster struct {
	bin  string // directory of initdb, pg_ctl, postgres
	dir  string // temporary root: data/, socket/, log
	port int
	cred *syscall.Credential // nil: run as the current user
	opts string              // the server's options (pg_ctl -o)
}

// FindBin returns the directory of the PostgreSQL server binaries, or an
// error saying that PostgreSQL is not installed.
func FindBin() (string, error) {
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
		"set SUPPORTD_PG_BIN or install it: apt-get install -y postgresql)")
}

// versionOf is the major version in /usr/lib/postgresql/<v>/bin/initdb.
func versionOf(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// Start creates and starts a cluster from the binaries in bin in a new
// temporary directory.
func Start(bin string, opts Options) (_ *Cluster, err error) {
	dir, err := os.MkdirTemp("", "supportd-pgcluster-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, dir: dir}
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
	if opts.MaxConnections <= 0 {
		opts.MaxConnections = 300
	}
	settings := []string{"listen_addresses=127.0.0.1", fmt.Sprintf("max_connections=%d", opts.MaxConnections)}
	if !opts.Durable {
		// Throwaway data: no fsync, small buffers.
		settings = append(settings, "fsync=off", "synchronous_commit=off", "full_page_writes=off", "shared_buffers=16MB")
	}
	c.opts = fmt.Sprintf("-p %d -k %s", c.port, c.path("socket"))
	for _, s := range append(settings, opts.Settings...) {
		c.opts += " -c " + s
	}
	if err := c.StartServer(); err != nil {
		return nil, err
	}
	return c, nil
}

// StartServer starts the cluster's server (at Start, or after
// StopServer) with its port and settings, and returns once it accepts
// connections.
func (c *Cluster) StartServer() error {
	if err := c.cmd("pg_ctl", "start", "-w", "-t", "60", "-D", c.path("data"), "-l", c.path("log"), "-o", c.opts); err != nil {
		log, _ := os.ReadFile(c.path("log"))
		return fmt.Errorf("pg_ctl start: %w\n%s", err, log)
	}
	return nil
}

// StopServer stops the server (fast shutdown: connections are cut, new
// ones refused) and keeps its files, until StartServer: tests of an
// outage use it.
func (c *Cluster) StopServer() error {
	return c.cmd("pg_ctl", "stop", "-w", "-t", "60", "-D", c.path("data"), "-m", "fast")
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

func (c *Cluster) path(name string) string { return filepath.Join(c.dir, name) }

func (c *Cluster) mkdir(p string) error {
	if err := os.Mkdir(p, 0o700); err != nil {
		return err
	}
	if c.cred != nil {
		return os.Chown(p, int(c.cred.Uid), int(c.cred.Gid))
	}
	return nil
}

// cmd runs one of the cluster's binaries as the cluster's user.
func (c *Cluster) cmd(name string, args ...string) error {
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

// Stop shuts the cluster down at once and deletes its files.
func (c *Cluster) Stop() error {
	err := c.cmd("pg_ctl", "stop", "-D", c.path("data"), "-m", "immediate", "-w")
	return errors.Join(err, os.RemoveAll(c.dir))
}

// Restart stops the cluster (fast shutdown: connections are cut) and
// starts it again on the same port with the same settings.
func (c *Cluster) Restart() error {
	// -l: the server must not inherit pg_ctl's output, which cmd waits
	// for the end of.
	return c.cmd("pg_ctl", "restart", "-w", "-t", "60", "-D", c.path("data"), "-l", c.path("log"), "-m", "fast")
}

// URL is the URL of database db in the cluster, as user postgres over
// loopback TCP.
func (c *Cluster) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// CreateDatabase creates the empty database name (a plain identifier) and
// returns its URL. CREATE DATABASE copies template1: callers create one at
// a time.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template1 STRATEGY FILE_COPY"); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	return c.URL(name), nil
}

// CPUTime is the CPU time (user+system) the cluster's processes used so
// far: the postmaster, its live children (backends, WAL writer,
// checkpointer...) and the children it has reaped. It reads /proc, and is
// 0 where /proc cannot tell.
func (c *Cluster) CPUTime() time.Duration {
	b, err := os.ReadFile(c.path("data/postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		return 0
	}
	st, ok := procStat(pid)
	if !ok {
		return 0
	}
	ticks := st.utime + st.stime + st.cutime + st.cstime
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cs, ok := procStat(child); ok && cs.ppid == pid {
			ticks += cs.utime + cs.stime
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// stat is what CPUTime reads of /proc/PID/stat, in clock ticks.
type stat struct {
	ppid                         int
	utime, stime, cutime, cstime int64
}

func procStat(pid int) (stat, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, false
	}
	// Fields after the command name (which may hold spaces): state is
	// field 3, ppid 4, utime 14, stime 15, cutime 16, cstime 17.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 > len(b) {
		return stat{}, false
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 15 {
		return stat{}, false
	}
	var s stat
	s.ppid, _ = strconv.Atoi(f[1])
	s.utime, _ = strconv.ParseInt(f[11], 10, 64)
	s.stime, _ = strconv.ParseInt(f[12], 10, 64)
	s.cutime, _ = strconv.ParseInt(f[13], 10, 64)
	s.cstime, _ = strconv.ParseInt(f[14], 10, 64)
	return s, true
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

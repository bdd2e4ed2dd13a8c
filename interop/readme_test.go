package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/pgtest"
)

// The README's snippets, run as written against a real server. The shell
// blocks of these sections ("SECTION" for a "## " heading, "SECTION/SUB"
// for one "### " subsection) are split into commands and typed one by one
// into one clean bash (readmeShell), as a reader would into a terminal;
// the Go block of readmeGoSection is compiled and run.
var readmeShellSections = []string{
	"A short tour with grpcurl",
	"A short tour with curl",
	"Partner quick start with supportctl",
	"Setting up a server without --demo",
	"Agent quick start with supportctl",
	"grpcurl cookbook",
	"API keys: expiry, revocation, audit trail",
	readmePostgresSection,
	readmeTLSSection,
	readmeBackupSection,
}

// The subsections of "Operations" the test runs.
const (
	readmeTLSSection    = "Operations/TLS and mutual TLS"
	readmeBackupSection = "Operations/Backup and restore"
)

// readmePostgresSection runs against a database of a throwaway PostgreSQL
// cluster (internal/pgtest), whose URL replaces readmePostgresURL; it is
// skipped where PostgreSQL is not installed (CI installs it).
const readmePostgresSection = "Running on PostgreSQL (several replicas)"

// readmePostgresURL is the database URL the README is written for.
const readmePostgresURL = "postgres://supportd:PASSWORD@127.0.0.1:5432/supportd?sslmode=disable"

// readmeKeyRole is the demo key that "sk_..." stands for, by section: the
// partner key unless the section says otherwise.
var readmeKeyRole = map[string]string{
	"Agent quick start with supportctl":         "agent",
	"API keys: expiry, revocation, audit trail": "admin",
}

// readmeFiles are the files the README's commands create in the
// repository (the directory they run in): removed before and after.
var readmeFiles = []string{"fresh.db", "fresh.db-wal", "fresh.db-shm", "fresh.db.lock", "fresh.log", "replica1.log", "replica2.log",
	"tls", "tls-demo.db", "tls-demo.db-wal", "tls-demo.db-shm", "tls-demo.db.lock", "tls-demo.log"}

// readmeBackups are the (time-stamped) backups the README's commands
// write into the repository: those that appear during the test are
// removed after it.
var readmeBackups = []string{"supportd-*.db", "fresh-*.db"}

const readmeGoSection = "Internal service quick start with the Go client"

// readmeAddr is the address the README is written for; the test replaces
// it by the address of the server it starts.
const readmeAddr = "127.0.0.1:8443"

// readmeHTTPAddr is the HTTP listener's address the README is written
// for; replaced likewise.
const readmeHTTPAddr = "127.0.0.1:8080"

// readmeFreshAddrs are the addresses of the server the README's "Setting
// up a server without --demo" starts itself (gRPC, HTTP, metrics): the
// test replaces them by free ports.
var readmeFreshAddrs = []string{"127.0.0.1:9443", "127.0.0.1:9080", "127.0.0.1:9465",
	"127.0.0.1:9543", "127.0.0.1:9180", "127.0.0.1:9565", "127.0.0.1:9544", "127.0.0.1:9181", "127.0.0.1:9566",
	"127.0.0.1:9643", "127.0.0.1:9280", "127.0.0.1:9664"}

// readmeDemoDB is the database the README's --demo server runs on, in the
// directory it was started from; replaced by the test's demo server's.
const readmeDemoDB = "--db supportd.db"

// readmeWatchTimeout bounds the streaming commands (watches): they must
// still be following the stream live when it fires.
const readmeWatchTimeout = "5"

// readmeBlock is one fenced code block of the README.
type readmeBlock struct {
	section, sub, lang, text string // sub: the "### " heading within section
	line                     int    // of the opening fence
}

// readmeBlocks returns the fenced code blocks of README.md by "## " section.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []readmeBlock
	var section, sub string
	var cur *readmeBlock
	for i, line := range strings.Split(string(b), "\n") {
		switch {
		case cur != nil && strings.TrimSpace(line) == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		case strings.HasPrefix(line, "```"):
			cur = &readmeBlock{section: section, sub: sub, lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: i + 1}
		case strings.HasPrefix(line, "## "):
			section, sub = strings.TrimSpace(strings.TrimPrefix(line, "## ")), ""
		case strings.HasPrefix(line, "### "):
			sub = strings.TrimSpace(strings.TrimPrefix(line, "### "))
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: unterminated code block", cur.line)
	}
	return blocks
}

// sectionBlocks returns the blocks of one section ("## " heading, or
// "SECTION/SUB" for one "### " subsection of it) in one language; the
// section must have at least one.
func sectionBlocks(t *testing.T, blocks []readmeBlock, section, lang string) []readmeBlock {
	t.Helper()
	var out []readmeBlock
	for _, b := range blocks {
		if (b.section == section || b.section+"/"+b.sub == section) && b.lang == lang {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		t.Fatalf("README.md: no ```%s block in section %q", lang, section)
	}
	return out
}

// shellCommands splits a shell snippet into commands: a command ends at a
// newline outside quotes, a backslash-newline continues it, and comments
// (a # starting a word outside quotes) are dropped.
func shellCommands(block string) []string {
	var cmds []string
	var cur strings.Builder
	var quote byte
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			cmds = append(cmds, s)
		}
		cur.Reset()
	}
	wordStart := func() bool {
		s := cur.String()
		return s == "" || strings.ContainsRune(" \t\n;|&(", rune(s[len(s)-1]))
	}
	for i := 0; i < len(block); i++ {
		ch := block[i]
		switch {
		case quote == '\'':
			if ch == '\'' {
				quote = 0
			}
			cur.WriteByte(ch)
		case quote == '"':
			if ch == '\\' && i+1 < len(block) {
				cur.WriteByte(ch)
				i++
				ch = block[i]
			} else if ch == '"' {
				quote = 0
			}
			cur.WriteByte(ch)
		case ch == '\'' || ch == '"':
			quote = ch
			cur.WriteByte(ch)
		case ch == '\\' && i+1 < len(block) && block[i+1] == '\n':
			i++ // a continuation line
			cur.WriteByte(' ')
		case ch == '\\' && i+1 < len(block):
			cur.WriteByte(ch)
			i++
			cur.WriteByte(block[i])
		case ch == '#' && wordStart():
			for i+1 < len(block) && block[i+1] != '\n' {
				i++
			}
		case ch == '\n':
			flush()
		default:
			cur.WriteByte(ch)
		}
	}
	flush()
	return cmds
}

// readmeEnv is the live server and what the README's commands produced.
type readmeEnv struct {
	demo    demoServer
	partner string            // the demo partner key (the Go snippet's)
	key     string            // the demo key "sk_..." stands for in the current section
	addrs   map[string]string // the README's addresses and the test's
	dir     string            // working directory of the commands: the repository root, as the README assumes
	home    string            // the shell's HOME
	shell   *readmeShell      // one shell for the whole README, as one terminal
	vars    map[string]string // placeholders the reader fills in from earlier output (ID, TICKET_ID)
	client  *client.Client
}

// placeholders are the words the README asks the reader to replace with
// the id an earlier command printed.
var placeholderRE = regexp.MustCompile(`\b(ATTACHMENT_ID|TICKET_ID|KEY_ID|ID)\b`)

// environ is env in the form of exec.Cmd.Env.
func environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// readmeBasePATH is the PATH of a plain shell on a fresh machine, before
// the README adds to it: the system directories, and the directory of the
// go command (the README's prerequisite, wherever it was installed).
func readmeBasePATH(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found")
	}
	return strings.Join([]string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", filepath.Dir(goBin)}, string(os.PathListSeparator))
}

// readmeShellEnv is the environment of a fresh user's shell: this
// process's settings without PATH (readmeBasePATH instead), without
// anything the README sets itself, with a GOPATH of its own, so that
// `go install` puts programs where only the README's `export PATH` line
// finds them, and a home directory of its own (where the credentials
// file goes). The module and build caches stay shared (downloads and
// compilations are reused, nothing is installed there).
func readmeShellEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for k := range env {
		if strings.HasPrefix(k, "SUPPORT_") || strings.HasPrefix(k, "SUPPORTD_") || strings.HasPrefix(k, "XDG_") {
			delete(env, k)
		}
	}
	for _, k := range []string{"PATH", "GOPATH", "GOBIN", "HOME", "PARTNER", "AGENT", "ADMIN", "ADDR", "TOKEN", "REQUEST_ID"} {
		delete(env, k)
	}
	for _, k := range []string{"GOMODCACHE", "GOCACHE"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		env[k] = strings.TrimSpace(string(out))
	}
	env["PATH"] = readmeBasePATH(t)
	env["GOPATH"] = t.TempDir()
	env["HOME"] = t.TempDir()
	return env
}

// substitute puts the real address, key and earlier results into cmd.
func (e *readmeEnv) substitute(cmd string) (string, error) {
	for from, to := range e.addrs {
		cmd = strings.ReplaceAll(cmd, from, to)
	}
	cmd = strings.ReplaceAll(cmd, "sk_...", e.key)
	var missing []string
	cmd = placeholderRE.ReplaceAllStringFunc(cmd, func(p string) string {
		v, ok := e.vars[p]
		if !ok {
			missing = append(missing, p)
		}
		return v
	})
	if missing != nil {
		return "", fmt.Errorf("placeholder %s used before a command produced it", strings.Join(missing, ", "))
	}
	return cmd, nil
}

// readmeCheck is what the test expects of the commands it matches.
type readmeCheck struct {
	name   string
	match  *regexp.Regexp // against the command as written in the README, on one line
	assign bool           // a variable assignment: its value is kept for the commands that follow
	stream bool           // a watch: stopped after readmeWatchTimeout, exit 124
	exit   int            // the expected exit status otherwise
	// check inspects the output; m is match's submatches. It may record
	// results in e.vars.
	check func(e *readmeEnv, m []string, stdout, stderr string) error
}

// grpcurl exits with 64 + the gRPC code of a failed call.
const grpcurlNotFound = 64 + 5

func want(out string, patterns ...string) error {
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(out) {
			return fmt.Errorf("output does not match %q", p)
		}
	}
	return nil
}

func capture(e *readmeEnv, name, out, pattern string) error {
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("no %s in the output (%q)", name, pattern)
	}
	e.vars[name] = m[1]
	return nil
}

// readmeChecks are tried in order; the first match applies. A command no
// check matches must exit 0 and print something.
var readmeChecks = []readmeCheck{
	// Programs the README installs (grpcurl, supportctl, supportd), as written.
	{name: "install", match: regexp.MustCompile(`^go install \S+( \S+)*$`),
		check: func(*readmeEnv, []string, string, string) error { return nil }},
	// The shell's own: a server started in the background, waited for and
	// stopped, a key file written, variables unset.
	{name: "background", match: regexp.MustCompile(`^supportd serve .*& [A-Z0-9_]+=\$!$`), check: nothing},
	{name: "stop", match: regexp.MustCompile(`^kill (\$[A-Z0-9_]+ ?)+ && wait (\$[A-Z0-9_]+ ?)+$`), check: nothing},
	{name: "health", match: regexp.MustCompile(`^supportd health .*--wait\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `SERVING`) }},
	// Files: a directory, certificates, OpenSSL's extension files, a restore.
	{name: "files", match: regexp.MustCompile(`^(mkdir -p \S+|openssl .*|printf '[^']*' > \S+|cp "\$BACKUP" .*)$`), check: nothing},
	{name: "unset", match: regexp.MustCompile(`^unset `), check: nothing},
	{name: "key file", match: regexp.MustCompile(`^\(umask 077 && printf .* > (~/\S+)\)$`),
		check: func(e *readmeEnv, m []string, _, _ string) error {
			info, err := os.Stat(filepath.Join(e.home, strings.TrimPrefix(m[1], "~/")))
			if err != nil {
				return err
			}
			if info.Mode().Perm() != 0o600 {
				return fmt.Errorf("%s has mode %v, want 0600", m[1], info.Mode().Perm())
			}
			return nil
		}},
	{name: "completion", match: regexp.MustCompile(`^source <\((supportctl completion \w+)\)$`),
		check: func(e *readmeEnv, m []string, stdout, _ string) error { return want(stdout, `__start_supportctl`) }},
	// A variable (PATH, the key, a request id, a resume token) is set in
	// the shell of the commands that follow, as in a terminal.
	{name: "assignment", match: regexp.MustCompile(`^(?:export )?([A-Za-z_][A-Za-z0-9_]*)=(.+)$`), assign: true,
		check: func(e *readmeEnv, m []string, value, _ string) error {
			if value == "" {
				return fmt.Errorf("%s is empty", m[1])
			}
			return nil
		}},

	// grpcurl
	{name: "list", match: regexp.MustCompile(`^grpcurl .*\slist$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^support\.v1\.SupportService$`, `(?m)^grpc\.health\.v1\.Health$`)
		}},
	{name: "list", match: regexp.MustCompile(`^grpcurl .*\slist support\.v1\.SupportService$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^support\.v1\.SupportService\.CreateTicket$`, `(?m)^support\.v1\.SupportService\.WatchTickets$`)
		}},
	{name: "describe", match: regexp.MustCompile(`^grpcurl .*\sdescribe \.?support\.v1\.SupportService$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			// With the .proto comments: reflection serves source info.
			return want(stdout, `service SupportService \{`, `rpc CreateTicket \(`, `(?m)^\s*// \S`)
		}},
	{name: "describe", match: regexp.MustCompile(`^grpcurl .*\sdescribe \.?support\.v1\.SupportService\.(\w+)$`),
		check: func(e *readmeEnv, m []string, stdout, _ string) error {
			return want(stdout, `is a method`, `(?m)^// \S`, `rpc `+m[1]+` \(`)
		}},
	{name: "describe", match: regexp.MustCompile(`^grpcurl .*\sdescribe \.?support\.v1\.(\w+)$`),
		check: func(e *readmeEnv, m []string, stdout, _ string) error {
			return want(stdout, `is a message`, `(?m)^// \S`, `message `+m[1]+` \{`)
		}},
	{name: "health", match: regexp.MustCompile(`^grpcurl .*grpc\.health\.v1\.Health/Check$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `"status":\s*"SERVING"`) }},
	{name: "topics", match: regexp.MustCompile(`^grpcurl .*/ListSupportTopics$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `"id":\s*"azure-vm-connectivity"`)
		}},
	{name: "entitlement", match: regexp.MustCompile(`^grpcurl .*/CheckEntitlement$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `"entitled":\s*true`) }},
	{name: "create", match: regexp.MustCompile(`^grpcurl .*/CreateTicket$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			if err := want(stdout, `"status":\s*"TICKET_STATUS_NEW"`); err != nil {
				return err
			}
			return capture(e, "TICKET_ID", stdout, `"ticket":\s*\{\s*"id":\s*"([^"]+)"`)
		}},
	{name: "list tickets", match: regexp.MustCompile(`^grpcurl .*/ListTickets$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `"id":\s*"`+regexp.QuoteMeta(e.vars["TICKET_ID"])+`"`)
		}},
	{name: "watch", match: regexp.MustCompile(`^grpcurl .*/WatchTicket$`), stream: true,
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			// The history of the ticket the create command filed, then
			// a checkpoint: the stream is live.
			return want(stdout, `"type":\s*"TICKET_EVENT_TYPE_CREATED"`,
				`"ticketId":\s*"`+regexp.QuoteMeta(e.vars["TICKET_ID"])+`"`, `"checkpoint":\s*\{`)
		}},
	{name: "watch all", match: regexp.MustCompile(`^grpcurl .*/WatchTickets$`), stream: true,
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			// TOKEN was taken before the first command: the stream
			// replays every ticket filed since, then is live.
			return want(stdout, `"event":\s*\{`, `"ticketId":\s*"`+regexp.QuoteMeta(e.vars["TICKET_ID"])+`"`, `"checkpoint":\s*\{`)
		}},
	{name: "error details", match: regexp.MustCompile(`^grpcurl .*-format-error .*"ticket_id":"nope".*/GetTicket$`), exit: grpcurlNotFound,
		check: func(e *readmeEnv, _ []string, _, stderr string) error {
			return want(stderr, `"code":\s*5`, `"@type":\s*"type\.googleapis\.com/google\.rpc\.ErrorInfo"`, `"reason":\s*"NOT_FOUND"`)
		}},

	// curl: REST/JSON, Connect and the OpenAPI document on the HTTP listener
	{name: "topics", match: regexp.MustCompile(`^curl .*/v1/topics\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `"id":\s*"azure-vm-connectivity"`)
		}},
	{name: "entitlement", match: regexp.MustCompile(`^curl .*/v1/entitlement:check\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `"entitled":\s*true`) }},
	{name: "create", match: regexp.MustCompile(`^curl .*-d .*/v1/tickets$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			if err := want(stdout, `"status":\s*"TICKET_STATUS_NEW"`); err != nil {
				return err
			}
			return capture(e, "TICKET_ID", stdout, `"ticket":\s*\{\s*"id":\s*"([^"]+)"`)
		}},
	{name: "get", match: regexp.MustCompile(`^curl .*/v1/tickets/TICKET_ID$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `"id":\s*"`+regexp.QuoteMeta(e.vars["TICKET_ID"])+`"`)
		}},
	{name: "list tickets", match: regexp.MustCompile(`^curl .*/v1/tickets\?`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `"id":\s*"`+regexp.QuoteMeta(e.vars["TICKET_ID"])+`"`)
		}},
	{name: "note", match: regexp.MustCompile(`^curl .*-d .*/v1/tickets/TICKET_ID/notes$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `"noteCount":\s*"?1`) }},
	{name: "notes", match: regexp.MustCompile(`^curl .*/v1/tickets/TICKET_ID/notes$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `"text":\s*"logs attached"`)
		}},
	{name: "connect", match: regexp.MustCompile(`^curl .*/support\.v1\.SupportService/GetTicket$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `"id":\s*"`+regexp.QuoteMeta(e.vars["TICKET_ID"])+`"`)
		}},
	{name: "error details", match: regexp.MustCompile(`^curl .*/v1/tickets/nope$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `HTTP/1\.1 404`, `"code":\s*5`, `"@type":\s*"type\.googleapis\.com/google\.rpc\.ErrorInfo"`, `"reason":\s*"NOT_FOUND"`)
		}},
	{name: "openapi", match: regexp.MustCompile(`^curl .*/openapi\.json`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `"swagger":\s*"2\.0"`) }},

	// supportctl
	{name: "topics", match: regexp.MustCompile(`^supportctl topics list `),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^azure-vm-connectivity\s`)
		}},
	{name: "entitlement", match: regexp.MustCompile(`^supportctl entitlement check `),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `(?m)^ENTITLED\s+yes$`) }},
	{name: "create", match: regexp.MustCompile(`^supportctl tickets create `),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			if err := want(stdout, `(?m)^STATUS\s+new$`); err != nil {
				return err
			}
			return capture(e, "ID", stdout, `(?m)^ID\s+(\S+)$`)
		}},
	{name: "list tickets", match: regexp.MustCompile(`^supportctl tickets list\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^ID\s+CUSTOMER`, `(?m)^`+regexp.QuoteMeta(e.vars["ID"])+`\s+litware\s`)
		}},
	{name: "get", match: regexp.MustCompile(`^supportctl tickets get ID$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^ID\s+`+regexp.QuoteMeta(e.vars["ID"])+`$`)
		}},
	{name: "note", match: regexp.MustCompile(`^supportctl tickets note ID `),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^NOTES\s+[1-9]`) // the ticket, its conversation one longer
		}},
	{name: "attach", match: regexp.MustCompile(`^supportctl tickets attach ID README\.md go\.mod\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			row := `\S+\s+partner:adatum\s+\d+\s+text/plain; charset=utf-8\s+[0-9a-f]{64}\s+`
			if err := want(stdout, `(?m)^ID\s+CREATED`, `(?m)^\S+\s+`+row+`go\.mod$`); err != nil {
				return err
			}
			return capture(e, "ATTACHMENT_ID", stdout, `(?m)^(\S+)\s+`+row+`README\.md$`)
		}},
	{name: "attachments", match: regexp.MustCompile(`^supportctl tickets attachments ID\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^`+regexp.QuoteMeta(e.vars["ATTACHMENT_ID"])+`\s.*README\.md$`, `(?m)\sgo\.mod$`)
		}},
	{name: "download", match: regexp.MustCompile(`^supportctl tickets download ID ATTACHMENT_ID -f -`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			readme, err := os.ReadFile(filepath.Join(e.dir, "README.md"))
			if err != nil {
				return err
			}
			if stdout != string(readme) {
				return fmt.Errorf("downloaded %d bytes, not the README's %d", len(stdout), len(readme))
			}
			return nil
		}},
	{name: "severity", match: regexp.MustCompile(`^supportctl tickets severity ID ([ABC]) `),
		check: func(e *readmeEnv, m []string, stdout, _ string) error {
			return want(stdout, `(?m)^SEVERITY\s+`+m[1]+`$`)
		}},
	{name: "escalate", match: regexp.MustCompile(`^supportctl tickets escalate ID `),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^ESCALATION LEVEL\s+1$`)
		}},
	{name: "close", match: regexp.MustCompile(`^supportctl tickets close ID$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `(?m)^STATUS\s+closed$`) }},
	{name: "watch", match: regexp.MustCompile(`^supportctl tickets watch ID --follow$`), stream: true,
		check: func(e *readmeEnv, _ []string, stdout, stderr string) error {
			id := regexp.QuoteMeta(e.vars["ID"])
			// The history, then interrupted live: the resume token.
			return errors.Join(want(stdout, `(?m)^\S+\s+\d+\s+`+id+`\s+created\s`),
				want(stderr, `(?m)^resume with: --from \S+$`))
		}},
	// supportctl contexts
	{name: "set-context", match: regexp.MustCompile(`^supportctl config set-context (\S+) `),
		check: func(e *readmeEnv, m []string, stdout, _ string) error {
			return want(stdout, `^context `+regexp.QuoteMeta(m[1])+` saved in \S+/\.config/supportctl/config\.yaml`)
		}},
	{name: "get-contexts", match: regexp.MustCompile(`^supportctl config get-contexts$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^CURRENT\s+NAME\s+ADDR\s+CREDENTIAL$`, `(?m)^\*\s+local\s+\S+\s+key-file \S+$`, `(?m)^\s+prod\s`)
		}},
	{name: "context", match: regexp.MustCompile(`^supportctl (?:--context local )?(?:tickets|topics) list\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `(?m)^ID\s`) }},

	// supportctl admin (a fresh server)
	{name: "admin partners list", match: regexp.MustCompile(`^supportctl admin partners list\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `(?m)^adatum\s`) }},
	{name: "admin topics list", match: regexp.MustCompile(`^supportctl admin topics list --service azure\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^ID\s+NAME\s+CATEGORY\s+FEATURED$`, `(?m)^azure-vm-connectivity\s`)
		}},
	{name: "admin keys list", match: regexp.MustCompile(`^supportctl admin keys list\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return capture(e, "KEY_ID", stdout, `(?m)^(\S+)\s+agent\s`)
		}},
	{name: "admin keys revoke", match: regexp.MustCompile(`^supportctl admin keys revoke KEY_ID\b`),
		check: func(e *readmeEnv, _ []string, _, stderr string) error {
			return want(stderr, `^revoked `+regexp.QuoteMeta(e.vars["KEY_ID"]))
		}},
	{name: "admin audit", match: regexp.MustCompile(`^supportctl admin audit\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `partner\.updated`, `api_key\.created`)
		}},
	{name: "partner create", match: regexp.MustCompile(`^supportctl --key "\$PARTNER" tickets create `),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `(?m)^STATUS\s+new$`) }},
	{name: "agent queue", match: regexp.MustCompile(`^supportctl --key "\$AGENT" agent queue azure\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^ID\s+CUSTOMER`, `(?m)^\S+\s+litware\s+azure\s+B\s+new\s`)
		}},

	// TLS and mutual TLS
	{name: "tls supportctl", match: regexp.MustCompile(`^supportctl --addr \S+ --ca tls/ca\.pem --cert tls/client\.pem --cert-key tls/client-key\.pem .*topics list`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^azure-vm-connectivity\s`)
		}},
	{name: "health probe", match: regexp.MustCompile(`^grpc-health-probe .*-tls-client-cert`),
		check: func(e *readmeEnv, _ []string, stdout, stderr string) error {
			return want(stdout+stderr, `status: SERVING`)
		}},
	{name: "healthz", match: regexp.MustCompile(`^curl -sS --cacert tls/ca\.pem https://\S+/healthz$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `(?i)ok|serving`) }},

	// Backup and restore
	{name: "backup", match: regexp.MustCompile(`^supportd backup `),
		check: func(e *readmeEnv, _ []string, stdout, stderr string) error { return want(stdout+stderr, `\S`) }},

	// PostgreSQL: two replicas over one database
	{name: "migrate", match: regexp.MustCompile(`^supportd migrate --db `),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `is at schema version [1-9]`)
		}},
	{name: "replica write", match: regexp.MustCompile(`^supportctl --addr \S+ --key "\$ADMIN" admin partners create contoso `),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `(?m)^contoso\s`) }},
	{name: "replica read", match: regexp.MustCompile(`^supportctl --addr \S+ --key "\$ADMIN" admin partners get contoso\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^contoso\s+Contoso Ltd\s`)
		}},

	// supportctl agent (the demo server); ID: a ticket of the queue
	{name: "agent queue", match: regexp.MustCompile(`^supportctl agent queue azure\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			if err := want(stdout, `(?m)^ID\s+CUSTOMER`); err != nil {
				return err
			}
			return capture(e, "ID", stdout, `(?m)^(\S+)\s+\S+\s+azure\s+\S+\s+new\s`) // one not acknowledged yet
		}},
	{name: "agent ack", match: regexp.MustCompile(`^supportctl agent ack ID `),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^STATUS\s+in-progress$`, `(?m)^FIRST RESPONSE\s+\d`)
		}},
	{name: "agent reply", match: regexp.MustCompile(`\bsupportctl agent reply ID\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error { return want(stdout, `(?m)^NOTES\s+[1-9]`) }},
	{name: "agent status", match: regexp.MustCompile(`^supportctl agent status ID ([a-z-]+) `),
		check: func(e *readmeEnv, m []string, stdout, _ string) error {
			return want(stdout, `(?m)^STATUS\s+`+m[1]+`$`)
		}},
	{name: "agent reassign", match: regexp.MustCompile(`^supportctl agent reassign ID ([a-z-]+)\b`),
		check: func(e *readmeEnv, m []string, stdout, _ string) error {
			return want(stdout, `(?m)^QUEUE\s+`+m[1]+`$`)
		}},
	{name: "agent notes", match: regexp.MustCompile(`^supportctl agent notes ID\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			// The conversation, with the text read from standard input.
			return want(stdout, `Looking at it now`, `- the NSG rules`)
		}},
	{name: "agent attach", match: regexp.MustCompile(`^supportctl agent attach ID go\.mod\b`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `(?m)^\S+\s+\S+\s+agent:\S+\s+\d+\s.*go\.mod$`)
		}},
	{name: "agent watch", match: regexp.MustCompile(`^supportctl agent watch\b`), stream: true,
		check: func(e *readmeEnv, _ []string, stdout, stderr string) error {
			return errors.Join(want(stdout, `(?m)^TIME\s+SEQ`), want(stderr, `(?m)^resume with: --from \S+$`))
		}},

	{name: "get json", match: regexp.MustCompile(`^supportctl -o json tickets get ID$`),
		check: func(e *readmeEnv, _ []string, stdout, _ string) error {
			return want(stdout, `"id":\s*"`+regexp.QuoteMeta(e.vars["ID"])+`"`, `"partner_id":\s*"adatum"`)
		}},
}

// readmeRequired are the checks each section must exercise, so that the
// README cannot lose the examples it promises.
var readmeRequired = map[string][]string{
	"A short tour with grpcurl": {"install", "list", "describe", "create", "list tickets"},
	"Partner quick start with supportctl": {"install", "create", "list tickets", "attach", "attachments", "download", "watch", "completion",
		"key file", "set-context", "get-contexts", "unset", "context"},
	"grpcurl cookbook":       {"list", "describe", "create", "watch", "watch all", "error details"},
	"A short tour with curl": {"topics", "entitlement", "create", "get", "list tickets", "note", "notes", "connect", "error details", "openapi"},
	"Setting up a server without --demo": {"install", "background", "health", "partner create", "agent queue",
		"admin partners list", "admin topics list", "admin keys list", "admin audit", "admin keys revoke", "stop"},
	"Agent quick start with supportctl": {"agent queue", "agent ack", "agent reply", "agent status", "agent reassign",
		"agent notes", "agent attach", "agent watch"},
	readmePostgresSection: {"assignment", "migrate", "background", "health", "replica write", "replica read", "stop"},
	readmeTLSSection: {"files", "background", "health", "assignment", "install", "tls supportctl", "list", "topics", "health probe",
		"healthz", "stop"},
	readmeBackupSection: {"backup", "background", "health", "files", "stop"},
}

func nothing(*readmeEnv, []string, string, string) error { return nil }

func (e *readmeEnv) runCommand(t *testing.T, written string) (checkName string) {
	t.Helper()
	chk := readmeCheck{name: "", check: func(_ *readmeEnv, _ []string, stdout, _ string) error {
		if strings.TrimSpace(stdout) == "" {
			return errors.New("no output")
		}
		return nil
	}}
	var m []string
	oneLine := strings.ReplaceAll(written, "\n", " ")
	for _, c := range readmeChecks {
		if m = c.match.FindStringSubmatch(oneLine); m != nil {
			chk = c
			break
		}
	}
	script := written
	if chk.name == "completion" {
		script = m[1] // the script sourced: checked, not sourced
	}
	script, err := e.substitute(script)
	if err != nil {
		t.Fatalf("%s\n%v", written, err)
	}
	var assign string
	if chk.assign {
		assign = m[1] // its value after the assignment ran: the command's output
	}
	exit := chk.exit
	if chk.stream || (chk.name == "" && strings.Contains(strings.ToLower(written), "watch")) {
		script = "timeout -k 5 -s INT " + readmeWatchTimeout + " " + script
		exit = 124
	}
	code, stdout, stderr := e.shell.run(script, assign, 90*time.Second)
	t.Logf("$ %s\n(exit %d)\n%s%s", script, code, clip(stdout), clip(stderr))
	if code != exit {
		t.Fatalf("%s\nexit status %d, want %d\nstdout:\n%s\nstderr:\n%s", script, code, exit, stdout, stderr)
	}
	if err := chk.check(e, m, stdout, stderr); err != nil {
		t.Fatalf("%s\n%v\nstdout:\n%s\nstderr:\n%s", script, err, stdout, stderr)
	}
	return chk.name
}

// resumeToken returns a WatchTickets resume token for the present: the
// first checkpoint of a fresh stream.
func (e *readmeEnv) resumeToken(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	stream, err := e.client.Raw().WatchTickets(ctx, &supportv1.WatchTicketsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := stream.Recv()
		if err != nil {
			t.Fatalf("WatchTickets: %v", err)
		}
		if cp := msg.GetCheckpoint(); cp != nil {
			return cp.GetResumeToken()
		}
	}
}

// TestReadmeSnippets runs the README's shell and Go client snippets, top to
// bottom, against a freshly started `supportd serve --demo` (the servers
// the README starts itself, PostgreSQL replicas and a TLS server among
// them, it starts as written). The README must run as written: only the
// addresses (free ports instead of the fixed ones), the demo keys, the
// demo database and the PostgreSQL URL are replaced.
func TestReadmeSnippets(t *testing.T) {
	if testing.Short() {
		t.Skip("installs grpcurl and supportctl as the README says and runs the README against supportd: not under -short")
	}
	for _, tool := range []string{"bash", "timeout"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found on PATH", tool)
		}
	}
	blocks := readmeBlocks(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	demo := startDemo(t)
	c, err := client.New(demo.addr, client.WithInsecure(), client.WithAPIKey(demo.keys["partner"]))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addrs := map[string]string{readmeAddr: demo.addr, readmeHTTPAddr: demo.httpAddr, readmeDemoDB: "--db " + demo.db}
	for _, a := range readmeFreshAddrs {
		addrs[a] = freeAddr(t)
	}
	removeReadmeFiles(t, root)
	backups := readmeBackupFiles(t, root)
	t.Cleanup(func() {
		removeReadmeFiles(t, root)
		for f := range readmeBackupFiles(t, root) {
			if !backups[f] {
				os.Remove(f)
			}
		}
	})
	// The commands run one after the other in one clean shell from the
	// repository root: PATH holds only the system directories, go, and
	// what the README itself adds; grpcurl, supportctl and supportd are
	// there because the README installs them (into a GOPATH of the
	// test's own).
	env := readmeShellEnv(t)
	e := &readmeEnv{demo: demo, partner: demo.keys["partner"], addrs: addrs, dir: root, home: env["HOME"],
		shell: startReadmeShell(t, root, environ(env)), client: c, vars: map[string]string{}}

	for _, section := range readmeShellSections {
		role := readmeKeyRole[section]
		if role == "" {
			role = "partner"
		}
		e.key = demo.keys[role]
		ok := t.Run(strings.ReplaceAll(section, " ", "_"), func(t *testing.T) {
			if section == readmePostgresSection {
				e.addrs[readmePostgresURL] = pgtest.NewDatabase(t) // skips without PostgreSQL
			}
			ran := map[string]bool{}
			for _, b := range sectionBlocks(t, blocks, section, "sh") {
				for _, cmd := range shellCommands(b.text) {
					ran[e.runCommand(t, cmd)] = true
				}
			}
			for _, name := range readmeRequired[section] {
				if !ran[name] {
					t.Errorf("README section %q has no %q command", section, name)
				}
			}
		})
		if !ok {
			return
		}
	}
	t.Run("Go_client", func(t *testing.T) { e.runGoSnippet(t, blocks) })
	t.Run("JavaScript_fetch", func(t *testing.T) { e.runJSSnippet(t, blocks) })
}

// goSnippetTemplate wraps the README's Go snippet, the body of run, into a
// program. handle and list stand for the README's placeholders: handle
// prints each event and ends the watch at the first ticket filed; list
// prints each item of a listing (tickets as "ticket ID").
const goSnippetTemplate = `// Code generated by TestReadmeSnippets from README.md; DO NOT EDIT.

package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

var (
	_ = errors.As
	_ = log.Printf
	_ codes.Code
	_ client.Option
)

var stop context.CancelFunc

func handle(ev *supportv1.TicketEvent) {
	fmt.Printf("event %%s %%s\n", ev.GetType(), ev.GetTicketId())
	if ev.GetType() == supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED {
		stop()
	}
}

func list[T interface{ GetId() string }](x T, err error) {
	if err != nil {
		fmt.Printf("list error: %%v\n", err)
		return
	}
	if _, ok := any(x).(*supportv1.Ticket); ok {
		fmt.Printf("ticket %%s\n", x.GetId())
		return
	}
	fmt.Printf("item %%s\n", x.GetId())
}

func run(ctx context.Context, key, savedToken string) error {
%s
	return nil
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx, stop = context.WithCancel(ctx)
	err := run(ctx, os.Args[1], os.Args[2])
	if errors.Is(context.Cause(ctx), context.Canceled) {
		return // stopped by handle: the watch delivered the ticket filed
	}
	fmt.Printf("run: %%v\n", err)
	os.Exit(1)
}
`

// placeholderLoopRE matches the README's elided loop bodies.
var placeholderLoopRE = regexp.MustCompile(`for (\w+), (\w+) := range (.*) \{ \.\.\. \}`)

func (e *readmeEnv) runGoSnippet(t *testing.T, blocks []readmeBlock) {
	gos := sectionBlocks(t, blocks, readmeGoSection, "go")
	if len(gos) != 1 {
		t.Fatalf("README section %q: %d go blocks, want 1", readmeGoSection, len(gos))
	}
	body := strings.ReplaceAll(gos[0].text, `"`+readmeAddr+`"`, fmt.Sprintf("%q", e.demo.addr))
	body = placeholderLoopRE.ReplaceAllString(body, "for $1, $2 := range $3 { list($1, $2) }")
	var indented strings.Builder
	for line := range strings.Lines(body) {
		indented.WriteString("\t" + line)
	}
	src := fmt.Sprintf(goSnippetTemplate, indented.String())

	// A package main inside the module, so that it compiles against this
	// tree's client; the leading underscore keeps it out of ./... .
	dir, err := filepath.Abs(fmt.Sprintf("_readmesnippet_tmp_%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(t.TempDir(), "snippet")
	build := exec.Command("go", "build", "-o", exe, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README's Go snippet does not compile: %v\n%s\nsource:\n%s", err, out, numbered(src))
	}
	os.RemoveAll(dir)

	// From a fresh token, the first ticket created is the snippet's.
	token := e.resumeToken(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	run := exec.CommandContext(ctx, exe, e.partner, token)
	var stdout, stderr bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &stderr
	if err := run.Run(); err != nil {
		t.Fatalf("the README's Go snippet: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	m := regexp.MustCompile(`(?m)^event TICKET_EVENT_TYPE_CREATED (\S+)$`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("the watch of the README's Go snippet saw no ticket created\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	id := m[1]
	if err := want(stdout.String(), `(?m)^ticket `+regexp.QuoteMeta(id)+`$`); err != nil {
		t.Errorf("AllTickets did not list the ticket filed (%s): %v\nstdout:\n%s", id, err, stdout.String())
	}
	if strings.Contains(stdout.String(), "list error") {
		t.Errorf("AllTickets failed:\n%s", stdout.String())
	}
	gctx, gcancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer gcancel()
	tk, err := e.client.GetTicket(gctx, id)
	if err != nil {
		t.Fatalf("GetTicket(%s) of the ticket the snippet filed: %v", id, err)
	}
	if tk.GetCustomerId() != "litware" || tk.GetStatus() != supportv1.TicketStatus_TICKET_STATUS_NEW {
		t.Errorf("the snippet's ticket: customer %q status %v, want litware NEW", tk.GetCustomerId(), tk.GetStatus())
	}
}

// runJSSnippet runs the README's JavaScript (fetch on a REST route) with
// Node.js, the demo partner key as partnerKey, and checks the tickets it
// read.
func (e *readmeEnv) runJSSnippet(t *testing.T, blocks []readmeBlock) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found")
	}
	js := sectionBlocks(t, blocks, "A short tour with curl", "js")
	if len(js) != 1 {
		t.Fatalf("README: %d js blocks, want 1", len(js))
	}
	src := fmt.Sprintf("const partnerKey = %q;\n%s\nconsole.log(JSON.stringify(body));\n", e.partner,
		strings.ReplaceAll(js[0].text, readmeHTTPAddr, e.demo.httpAddr))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "--input-type=module", "-e", src).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s\nsource:\n%s", err, out, numbered(src))
	}
	if err := want(string(out), `"tickets":\[\{"id":"`, `"customerId":"litware"`); err != nil {
		t.Errorf("the README's fetch: %v\n%s", err, out)
	}
}

func numbered(src string) string {
	var b strings.Builder
	i := 0
	for line := range strings.Lines(src) {
		i++
		fmt.Fprintf(&b, "%3d  %s", i, line)
	}
	return b.String()
}

// removeReadmeFiles removes what the README's commands leave in the
// repository under fixed names (readmeFiles).
func removeReadmeFiles(t *testing.T, root string) {
	for _, f := range readmeFiles {
		if err := os.RemoveAll(filepath.Join(root, f)); err != nil {
			t.Error(err)
		}
	}
}

// readmeBackupFiles lists the backups in the repository (readmeBackups).
func readmeBackupFiles(t *testing.T, root string) map[string]bool {
	out := map[string]bool{}
	for _, p := range readmeBackups {
		found, err := filepath.Glob(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range found {
			out[f] = true
		}
	}
	return out
}

// clip shortens long outputs (the completion script) in the log.
func clip(s string) string {
	const max = 2000
	if len(s) <= max {
		return s
	}
	return s[:max] + fmt.Sprintf("\n[... %d more bytes]\n", len(s)-max)
}

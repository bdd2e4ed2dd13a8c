package interop

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeShell is one bash process that runs the README's commands one
// after the other, as a reader types them into one terminal: variables,
// exports, unset, cd and background jobs (`&`, `kill %1`) carry over from
// one command to the next. Each command's standard output, standard error
// and exit status are kept apart in files; the shell reports on file
// descriptor 3 when a command has finished.
type readmeShell struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	done   chan string // one line per finished command; closed when the shell ends
	tmp    string      // the commands' outputs
	n      int
	output string // file of the shell's own messages (job notices, syntax errors)
}

// startReadmeShell starts bash in dir with env, until the test ends.
func startReadmeShell(t *testing.T, dir string, env []string) *readmeShell {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &readmeShell{t: t, done: make(chan string), tmp: t.TempDir()}
	s.cmd = exec.Command("bash", "--noprofile", "--norc")
	s.cmd.Dir, s.cmd.Env = dir, env
	s.cmd.ExtraFiles = []*os.File{w} // fd 3
	s.output = filepath.Join(s.tmp, "shell.log")
	log, err := os.Create(s.output)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close() // the shell has its own descriptor
	s.cmd.Stdout, s.cmd.Stderr = log, log
	// Its own process group: the jobs it leaves behind are stopped with it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			s.done <- sc.Text()
		}
		r.Close()
	}()
	t.Cleanup(s.stop)
	return s
}

// stop ends the shell and whatever it left running (a server the README
// started and did not stop, after a failure).
func (s *readmeShell) stop() {
	s.stdin.Close()
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { s.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}

func (s *readmeShell) messages() string {
	b, _ := os.ReadFile(s.output)
	return string(b)
}

// run runs script in the shell and returns its exit status, standard
// output and standard error. With assign, the value of that variable
// after the script is its output (the script is an assignment). Standard
// input is /dev/null (the shell's own is the script), and descriptor 3 is
// closed for the command, so a background job cannot hold it.
func (s *readmeShell) run(script, assign string, timeout time.Duration) (code int, stdout, stderr string) {
	s.t.Helper()
	s.n++
	out := filepath.Join(s.tmp, fmt.Sprintf("%d.out", s.n))
	errf := filepath.Join(s.tmp, fmt.Sprintf("%d.err", s.n))
	var b strings.Builder
	fmt.Fprintf(&b, "{ %s\n} >%q 2>%q </dev/null 3>&-\n__rc=$?\n", script, out, errf)
	if assign != "" {
		fmt.Fprintf(&b, "printf '%%s' \"$%s\" >%q\n", assign, out)
	}
	b.WriteString("echo \"$__rc\" >&3\n")
	if _, err := io.WriteString(s.stdin, b.String()); err != nil {
		s.t.Fatalf("%s\nthe shell has ended: %v\n%s", script, err, s.messages())
	}
	select {
	case line, ok := <-s.done:
		if !ok {
			s.t.Fatalf("%s\nthe shell ended\n%s", script, s.messages())
		}
		if code, err := strconv.Atoi(line); err == nil {
			o, _ := os.ReadFile(out)
			e, _ := os.ReadFile(errf)
			return code, string(o), string(e)
		}
		s.t.Fatalf("%s\nunexpected report %q from the shell", script, line)
	case <-time.After(timeout):
		s.stop()
		o, _ := os.ReadFile(out)
		e, _ := os.ReadFile(errf)
		s.t.Fatalf("%s\nstill running after %v\nstdout:\n%s\nstderr:\n%s", script, timeout, o, e)
	}
	panic("unreachable")
}

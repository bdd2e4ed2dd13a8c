// Command supportctl is the command line client of supportd, for partners
// (tickets, topics, entitlement), agents (agent) and operators (admin).
//
//	supportctl [--context NAME] [--addr HOST:PORT] [--key KEY] [-o table|json|yaml|name] COMMAND
//
// See `supportctl --help` and the README's "Partner quick start with
// supportctl".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/supportd/supportd/cmd/supportctl/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.RunContext(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

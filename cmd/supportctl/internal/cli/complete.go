package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// completionTimeout bounds the list call behind an id completion: a
// slow or absent server must not hang the shell.
const completionTimeout = 2 * time.Second

// completionLimit is how many ids a completion offers at most.
const completionLimit = 100

// completeTicketThen completes a ticket id as the first argument (the
// newest tickets the key sees, one page, within completionTimeout) and
// the values of then as the second.
func (a *app) completeTicketThen(then []string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		switch len(args) {
		case 0:
			return a.ticketIDs(cmd), cobra.ShellCompDirectiveNoFileComp
		case 1:
			return then, cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// ticketIDs lists ticket ids for completion: the partner's tickets with a
// partner command, the queues' open tickets with an agent command. Any
// failure offers nothing.
func (a *app) ticketIDs(cmd *cobra.Command) []string {
	ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
	defer cancel()
	var ids []string
	if cmd.Parent() != nil && cmd.Parent().Name() == "agent" {
		c, err := a.agent()
		if err != nil {
			return nil
		}
		for q := range supportv1.Queue_name {
			if q == 0 {
				continue
			}
			r, err := c.ListQueueTickets(ctx, &supportv1.ListQueueTicketsRequest{Queue: supportv1.Queue(q), PageSize: completionLimit})
			if err != nil {
				return ids
			}
			for _, t := range r.GetTickets() {
				ids = append(ids, t.GetId())
			}
		}
		return ids
	}
	c, err := a.client()
	if err != nil {
		return nil
	}
	r, err := c.ListTickets(ctx, &supportv1.ListTicketsRequest{PageSize: completionLimit})
	if err != nil {
		return nil
	}
	for _, t := range r.GetTickets() {
		ids = append(ids, t.GetId())
	}
	return ids
}

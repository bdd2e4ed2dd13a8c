package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/supportd/supportd/client"
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

// completeTicketThenFiles completes a ticket id as the first argument and
// file names after it (attach).
func (a *app) completeTicketThenFiles() cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return a.ticketIDs(cmd), cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveDefault
	}
}

// completeTicketAttachment completes a ticket id, then the ids of that
// ticket's attachments (download), each within completionTimeout.
func (a *app) completeTicketAttachment(calls func() (attachmentCalls, error)) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		switch len(args) {
		case 0:
			return a.ticketIDs(cmd), cobra.ShellCompDirectiveNoFileComp
		case 1:
			c, err := calls()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
			defer cancel()
			var ids []string
			for att, err := range c.list(ctx, args[0]) {
				if err != nil || len(ids) == completionLimit {
					break
				}
				ids = append(ids, att.GetId())
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
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

// completeAdminIDs completes the directory's ids under admin: every
// --partner flag and the ID of partners get/update with partner ids, the
// KEY_ID of keys revoke with key ids (one list call each, within
// completionTimeout).
func (a *app) completeAdminIDs(admin *cobra.Command) {
	partners := a.adminIDs(func(ctx context.Context, d *client.Directory) ([]string, error) {
		r, err := d.ListPartners(ctx, &supportv1.ListPartnersRequest{PageSize: completionLimit})
		var ids []string
		for _, p := range r.GetPartners() {
			ids = append(ids, p.GetId())
		}
		return ids, err
	})
	keys := a.adminIDs(func(ctx context.Context, d *client.Directory) ([]string, error) {
		r, err := d.ListAPIKeys(ctx, &supportv1.ListApiKeysRequest{})
		var ids []string
		for _, k := range r.GetApiKeys() {
			if k.GetRevokeTime() == nil {
				ids = append(ids, k.GetKeyId())
			}
		}
		return ids, err
	})
	for _, group := range admin.Commands() {
		for _, c := range group.Commands() {
			if c.Flags().Lookup("partner") != nil {
				_ = c.RegisterFlagCompletionFunc("partner", partners)
			}
			switch group.Name() + " " + c.Name() {
			case "partners get", "partners update":
				c.ValidArgsFunction = firstArg(partners)
			case "keys revoke":
				c.ValidArgsFunction = firstArg(keys)
			}
		}
	}
}

// adminIDs is a completion offering the ids list returns; any failure
// offers nothing.
func (a *app) adminIDs(list func(ctx context.Context, d *client.Directory) ([]string, error)) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
		defer cancel()
		d, err := a.directory()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ids, err := list(ctx, d)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return ids, cobra.ShellCompDirectiveNoFileComp
	}
}

// firstArg is f for the first argument, nothing after it.
func firstArg(f cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f(cmd, args, prefix)
	}
}

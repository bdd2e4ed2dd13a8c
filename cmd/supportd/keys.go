package main

import (
	"errors"
	"fmt"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/dburl"
)

func keysCommand() *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "Manage API keys on a database without a running server"}
	var db, role, partner, actor, expireTime string
	var expireIn time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API key; prints the secret alone on the last line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := domain.Role(strings.ToUpper(role))
			now := time.Now()
			expire, err := keyExpiry(now, expireIn, expireTime)
			if err != nil {
				return err
			}
			if actor == "" {
				if actor, err = osUser(); err != nil {
					return err
				}
			}
			st, err := dburl.Open(cmd.Context(), db, dburl.Options{})
			if errors.Is(err, store.ErrInUse) {
				return fmt.Errorf("%w: a running server holds it; create the key through its API "+
					"(DirectoryService.CreateApiKey with an admin key), or stop the server first", err)
			}
			if err != nil {
				return err
			}
			defer st.Close()
			dir := directory.New(st, func() time.Time { return now }, nil, api.AuditJSON)
			k, secret, err := dir.CreateAPIKey(cmd.Context(), "operator:"+actor, r, partner, expire)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			expires := "never expires"
			if !k.ExpireTime.IsZero() {
				expires = "expires " + k.ExpireTime.Format(time.RFC3339)
			}
			fmt.Fprintf(out, "created %s key %s (%s; the secret is shown once)\n", strings.ToLower(string(k.Role)), k.ID, expires)
			fmt.Fprintln(out, secret)
			return nil
		},
	}
	f := create.Flags()
	f.StringVar(&db, "db", "supportd.db", dbUsage)
	f.StringVar(&role, "role", "", "admin, agent or partner")
	f.StringVar(&partner, "partner", "", "the partner id of a partner key")
	f.DurationVar(&expireIn, "expire-in", 0, "the key expires this long from now (e.g. 720h); default: never")
	f.StringVar(&expireTime, "expire-time", "", "the key expires at this RFC 3339 instant; default: never")
	f.StringVar(&actor, "actor", "", `who creates the key, recorded in the audit trail as "operator:NAME" (default: the OS user)`)
	create.MarkFlagsMutuallyExclusive("expire-in", "expire-time")
	_ = create.MarkFlagRequired("role")
	keys.AddCommand(create)
	return keys
}

// keyExpiry is the expiry the flags ask for: zero when neither is set.
// The directory checks that it is in the future and not too far.
func keyExpiry(now time.Time, in time.Duration, at string) (time.Time, error) {
	switch {
	case at != "":
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return time.Time{}, fmt.Errorf("--expire-time: want an RFC 3339 instant such as 2027-01-31T00:00:00Z: %w", err)
		}
		return t, nil
	case in < 0:
		return time.Time{}, errors.New("--expire-in: must be positive")
	case in > 0:
		return now.Add(in), nil
	}
	return time.Time{}, nil
}

// osUser is the name of the user running the command.
func osUser() (string, error) {
	u, err := user.Current()
	if err != nil || u.Username == "" {
		return "", fmt.Errorf("cannot tell who you are (%v): pass --actor NAME", err)
	}
	return u.Username, nil
}

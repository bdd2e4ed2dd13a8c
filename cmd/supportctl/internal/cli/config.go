package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

// credentials is the credentials file, ~/.config/supportctl/config.yaml
// (under $XDG_CONFIG_HOME when set): named contexts and the current one.
type credentials struct {
	CurrentContext string                   `yaml:"current-context,omitempty"`
	Contexts       map[string]*namedContext `yaml:"contexts,omitempty"`
}

// namedContext is one named context: where a server is and how to reach it.
type namedContext struct {
	Addr    string `yaml:"addr,omitempty"`
	Key     string `yaml:"key,omitempty"`
	KeyFile string `yaml:"key-file,omitempty"`
	CA      string `yaml:"ca,omitempty"`
	Cert    string `yaml:"cert,omitempty"`
	CertKey string `yaml:"cert-key,omitempty"`
	TLS     *bool  `yaml:"tls,omitempty"`
}

// configPath is where the credentials file lives: $SUPPORTCTL_CONFIG,
// else $XDG_CONFIG_HOME/supportctl/config.yaml, else
// ~/.config/supportctl/config.yaml.
func (a *app) configPath() (string, error) {
	if p := a.env("SUPPORTCTL_CONFIG"); p != "" {
		return p, nil
	}
	if x := a.env("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "supportctl", "config.yaml"), nil
	}
	home := a.env("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", err
		}
	}
	return filepath.Join(home, ".config", "supportctl", "config.yaml"), nil
}

// loadCredentials reads the credentials file; a missing file is empty. A
// file others may read is refused, as ssh refuses a readable private key:
// it holds API keys.
func (a *app) loadCredentials() (*credentials, string, error) {
	path, err := a.configPath()
	if err != nil {
		return nil, "", err
	}
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &credentials{}, path, nil
	}
	if err != nil {
		return nil, path, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, path, fmt.Errorf("%s is readable by others (mode %04o): it holds API keys; run: chmod 600 %s", path, info.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, path, err
	}
	var c credentials
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, path, fmt.Errorf("%s: %v", path, err)
	}
	return &c, path, nil
}

// save writes the credentials file with mode 0600 (its directory 0700),
// through a temporary file so a failed write leaves the old one.
func (c *credentials) save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.yaml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// applyContext fills what flags and environment left unset from the
// chosen context (--context, SUPPORT_CONTEXT, then current-context):
// flags win over the environment, which wins over the context.
func (a *app) applyContext() error {
	creds, path, err := a.loadCredentials()
	if err != nil {
		return err
	}
	name := firstNonEmpty(a.contextName, a.env("SUPPORT_CONTEXT"), creds.CurrentContext)
	if name == "" {
		return nil
	}
	ctx, ok := creds.Contexts[name]
	if !ok {
		return fmt.Errorf("context %q is not in %s (supportctl config get-contexts)", name, path)
	}
	if a.addr == "" && a.env("SUPPORT_ADDR") == "" {
		a.addr = ctx.Addr
	}
	if a.key == "" && a.env("SUPPORT_KEY") == "" {
		key := ctx.Key
		if ctx.KeyFile != "" {
			b, err := os.ReadFile(ctx.KeyFile)
			if err != nil {
				return fmt.Errorf("context %q: key-file: %v", name, err)
			}
			key = string(trimSpace(b))
		}
		a.key = key
	}
	if a.ca == "" {
		a.ca = ctx.CA
	}
	if a.cert == "" && a.certKey == "" {
		a.cert, a.certKey = ctx.Cert, ctx.CertKey
	}
	if ctx.TLS != nil && !a.insecure && !a.useTLS {
		a.useTLS, a.insecure = *ctx.TLS, !*ctx.TLS
	}
	return nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

func (a *app) configCommand() *cobra.Command {
	cmd := group("config", "Named contexts in the credentials file (~/.config/supportctl/config.yaml)")
	use := &cobra.Command{
		Use:   "use-context NAME",
		Short: "Make NAME the current context",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			creds, path, err := a.loadCredentials()
			if err != nil {
				return err
			}
			if _, ok := creds.Contexts[args[0]]; !ok {
				return fmt.Errorf("context %q is not in %s", args[0], path)
			}
			creds.CurrentContext = args[0]
			if err := creds.save(path); err != nil {
				return failed(err)
			}
			fmt.Fprintf(a.stdout, "current context: %s (%s)\n", printable(args[0]), printable(path))
			return nil
		},
	}
	get := &cobra.Command{
		Use:   "get-contexts",
		Short: "List the contexts (the current one marked *)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			creds, _, err := a.loadCredentials()
			if err != nil {
				return err
			}
			names := make([]string, 0, len(creds.Contexts))
			for n := range creds.Contexts {
				names = append(names, n)
			}
			sort.Strings(names)
			if a.output == "name" {
				for _, n := range names {
					fmt.Fprintln(a.stdout, n)
				}
				return nil
			}
			tw := table(a.stdout)
			if !a.noHeaders {
				fmt.Fprintln(tw, "CURRENT\tNAME\tADDR\tCREDENTIAL")
			}
			for _, n := range names {
				c := creds.Contexts[n]
				cur, cred := "", "-"
				if n == creds.CurrentContext {
					cur = "*"
				}
				switch {
				case c.KeyFile != "":
					cred = "key-file " + c.KeyFile
				case c.Key != "":
					cred = "key"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cur, n, orDash(c.Addr), cred)
			}
			return tw.Flush()
		},
	}
	var sc namedContext
	set := &cobra.Command{
		Use:   "set-context NAME [--addr ADDR] [--key KEY | --key-file FILE] [--ca FILE] [--cert FILE --cert-key FILE] [--tls]",
		Short: "Create or change a context (the flags given replace its values); the first becomes current",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			creds, path, err := a.loadCredentials()
			if err != nil {
				return err
			}
			if creds.Contexts == nil {
				creds.Contexts = map[string]*namedContext{}
			}
			c := creds.Contexts[args[0]]
			if c == nil {
				c = &namedContext{}
				creds.Contexts[args[0]] = c
			}
			f := cmd.Flags()
			// The root's persistent flags of the same names are read here
			// as the context's values.
			if f.Changed("addr") {
				c.Addr = a.addr
			}
			if f.Changed("key") {
				c.Key, c.KeyFile = a.key, ""
			}
			if f.Changed("key-file") {
				c.KeyFile, c.Key = sc.KeyFile, ""
			}
			if f.Changed("ca") {
				c.CA = a.ca
			}
			if f.Changed("cert") {
				c.Cert, c.CertKey = a.cert, a.certKey
			}
			if f.Changed("tls") || f.Changed("insecure") {
				v := a.useTLS
				c.TLS = &v
			}
			if creds.CurrentContext == "" {
				creds.CurrentContext = args[0]
			}
			if err := creds.save(path); err != nil {
				return failed(err)
			}
			fmt.Fprintf(a.stdout, "context %s saved in %s (current context: %s)\n", printable(args[0]), printable(path), printable(creds.CurrentContext))
			return nil
		},
	}
	set.Flags().StringVar(&sc.KeyFile, "key-file", "", "file holding the API key (kept out of the credentials file)")
	use.ValidArgsFunction = a.completeContextArg
	set.ValidArgsFunction = a.completeContextArg
	cmd.AddCommand(use, get, set)
	return cmd
}

// completeContexts completes the --context flag with the names of the
// credentials file's contexts.
func (a *app) completeContexts(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	creds, _, err := a.loadCredentials()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names := make([]string, 0, len(creds.Contexts))
	for n := range creds.Contexts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeContextArg completes the NAME argument of config use-context
// and set-context as completeContexts does.
func (a *app) completeContextArg(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return a.completeContexts(cmd, args, prefix)
}

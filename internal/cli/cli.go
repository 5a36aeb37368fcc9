// Package cli implements kitei's command line: one file per subcommand.
// Every command takes --db (or KITEI_DB), prints errors on stderr and
// returns a non-zero exit status on failure.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/i18n"
	"kitei/internal/store"
)

// Version is set at build time with -ldflags "-X kitei/internal/cli.Version=…".
var Version = "dev"

// Env is what a command runs with; tests replace the streams.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Ready, when set, receives the listening address once serve accepts requests.
	Ready func(addr string)
}

type command struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":     {"run the web server", runServe},
		"migrate":   {"apply database migrations and show their state", runMigrate},
		"version":   {"print the version", runVersion},
		"catalog":   {"import, list, show and export catalogs", runCatalog},
		"user":      {"create, disable, enable, reset and list sign-in accounts", runUser},
		"org":       {"import and export the organisation, list units and people", runOrg},
		"audit":     {"the audit trail (verify, list, export) and audits (plan, engagement, finding, actions)", runAudit},
		"crosswalk": {"suggest, review and report links between catalogs", runCrosswalk},
		"register":  {"import and export the registers (assets, systems, services)", runRegister},
		"incident":  {"incidents: list (ledger), show, report, triage, record notices sent, close, jobs, config, contacts", runIncident},
		"request":   {"request types, file, list, show and decide requests (例外措置, 持出し…)", runRequest},
		"inventory": {"export and import devices, media and controlled areas; chase overdue media", runInventory},
		"risk":      {"list and export the risk register; run the reminders", runRisk},
		"selfcheck": {"self-inspection campaigns: create, items, publish, progress, rollup, export", runSelfcheck},
		"demo":      {"fill an empty store with a fictitious organisation to try kitei", runDemo},
		"training":  {"education and training: courses, publish, plans, follow, results, attendance, drill, jobs", runTraining},
		"bench":     {"measure kitei against its performance targets (bench selfcheck)", runBench},
		"backup":    {"consistent online backup of a SQLite store (-o FILE)", runBackup},
		"restore":   {"restore a backup into an empty store; --check a restored store", runRestore},
		"secrets":   {"key for secrets at rest: keygen, rotate", runSecrets},
		"policy":    {"the organisation's own rulebooks: list, jobs (publication, revision tasks), export (docx, pdf …)", runPolicy},
	}
}

// lang is the language of the command line's messages: KITEI_LANG, else
// Japanese when LC_ALL or LANG names it, else English.
func (env *Env) lang() i18n.Lang {
	if v := env.Getenv("KITEI_LANG"); v != "" {
		return i18n.Parse(v)
	}
	for _, name := range []string{"LC_ALL", "LANG"} {
		if v := env.Getenv(name); v != "" {
			if strings.HasPrefix(v, "ja") {
				return i18n.Ja
			}
			return i18n.En
		}
	}
	return i18n.En
}

// errUsage marks errors whose message is a usage text.
var errUsage = errors.New("usage")

// Main runs the command line and returns the exit status.
func Main(ctx context.Context, env *Env, args []string) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "kitei: unknown command %q (see kitei help)\n", args[0])
		return 2
	}
	if err := c.run(ctx, env, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(env.Stderr, "kitei %s: %s\n", args[0], apperr.Message(err, env.lang()))
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "kitei — information-security policy platform\n\nUsage: kitei COMMAND [flags]\n\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --db DSN (sqlite:PATH or postgres://…; default from KITEI_DB, else sqlite:kitei.db).")
}

// flags makes a flag set whose errors and help go to env.Stderr.
func flags(env *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("kitei "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

// dbFlag adds --db with the KITEI_DB fallback.
func dbFlag(fs *flag.FlagSet, env *Env) *string {
	def := env.Getenv("KITEI_DB")
	if def == "" {
		def = store.DefaultDSN
	}
	return fs.String("db", def, "database: sqlite:PATH or postgres://… (env KITEI_DB)")
}

// parse parses flags that may come before, between or after positional
// arguments (kitei catalog import FILE --json) and returns the positionals.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// openStore opens and migrates the store named by dsn and seeds the
// built-in role catalogue.
func openStore(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn, store.Options{Migrate: true})
	if err != nil {
		return nil, err
	}
	if err := ensureRoles(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := loadSecrets(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"kitei/internal/audit"
)

func runAudit(ctx context.Context, env *Env, args []string) error {
	sub := map[string]func(context.Context, *Env, []string) error{
		"verify":     auditVerify,
		"list":       auditList,
		"export":     auditExport,
		"keygen":     auditKeygen,
		"checkpoint": auditCheckpoint,
	}
	for name, f := range auditengCommands { // audits (internal/auditeng): plan, engagement, finding, actions
		sub[name] = f
	}
	if len(args) == 0 {
		return usageErr("kitei audit verify|list|export|keygen|checkpoint (the trail) | plan|engagement|finding|actions (audits) …")
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown audit command %q (verify, list, export, keygen, checkpoint, plan, engagement, finding, actions)", args[0])
	}
	return f(ctx, env, args[1:])
}

// errBroken is returned when verification finds tampering.
var errBroken = errors.New("audit trail broken")

func auditVerify(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit verify")
	dsn := dbFlag(fs, env)
	cps := checkpointFlags(fs, env)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := cps.verify(ctx, env, db); err != nil {
		return err
	}
	res, err := audit.Verify(ctx, db.Audit())
	if err != nil {
		return err
	}
	if !res.OK {
		return fmt.Errorf("%w at entry %d (%s): %s", errBroken, res.Seq, res.Problem, res.Reason)
	}
	fmt.Fprintf(env.Stdout, "audit trail intact: %d entries\n", res.Entries)
	// Writing the head down elsewhere anchors the chain at this point.
	fmt.Fprintf(env.Stdout, "chain head: entry %d, hash %s\n", res.Head.Seq, res.Head.Hash)
	return nil
}

// filterFlags adds the selection flags shared by list and export.
func filterFlags(fs *flag.FlagSet) func() (audit.Filter, error) {
	actor := fs.String("actor", "", "only this actor (login, or system)")
	action := fs.String("action", "", `only this action or dotted prefix ("auth" for every sign-in event)`)
	otype := fs.String("object-type", "", "only records of this type (catalog, user, …)")
	oid := fs.String("object-id", "", "only the record with this id")
	since := fs.String("since", "", "from this time: 2026-04-01, 2026-04-01T09:00:00+09:00, or a duration back from now (24h)")
	until := fs.String("until", "", "before this time (same forms as --since; a date means up to the end of that day)")
	return func() (audit.Filter, error) {
		f := audit.Filter{Actor: *actor, Action: *action, ObjectType: *otype, ObjectID: *oid}
		var err error
		if f.From, err = parseWhen(*since, false); err != nil {
			return f, usageErr("--since: %v", err)
		}
		if f.To, err = parseWhen(*until, true); err != nil {
			return f, usageErr("--until: %v", err)
		}
		return f, nil
	}
}

// parseWhen reads a date (local time), an RFC 3339 time or a duration back
// from now. For an end bound, a date means the start of the next day.
func parseWhen(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2026-04-01), a time (2026-04-01T09:00:00+09:00) or a duration (24h)", s)
}

func auditList(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit list")
	dsn := dbFlag(fs, env)
	filter := filterFlags(fs)
	limit := fs.Int("limit", 50, "at most this many entries, newest first (0: all)")
	asJSON := fs.Bool("json", false, "print as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	f, err := filter()
	if err != nil {
		return err
	}
	if *limit < 0 {
		return usageErr("--limit must not be negative")
	}
	f.Limit = *limit
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	evs, err := db.Audit().List(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		if evs == nil {
			evs = []audit.Event{}
		}
		return writeJSON(env.Stdout, evs)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tACTOR\tACTION\tOBJECT\tIP\tDETAIL")
	for _, e := range evs {
		obj := e.ObjectType
		if e.ObjectID != "" {
			obj += ":" + e.ObjectID
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Local().Format("2006-01-02 15:04:05"),
			oneLine(e.Actor), e.Action, oneLine(obj), e.IP, shortText(oneLine(e.Detail), 80))
	}
	return tw.Flush()
}

// oneLine keeps stored text from breaking the table (or faking rows).
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

func auditExport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit export")
	dsn := dbFlag(fs, env)
	filter := filterFlags(fs)
	format := fs.String("format", "csv", "csv or json")
	out := fs.String("o", "", "output file (default: standard output)")
	bom := fs.Bool("bom", false, "start the CSV with a UTF-8 byte-order mark (for Excel)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *format != "csv" && *format != "json" {
		return usageErr("--format must be csv or json, got %q", *format)
	}
	f, err := filter()
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	// Oldest first, the order of the chain. The whole trail as CSV streams
	// from one snapshot; a selection is read whole first.
	var evs []audit.Event
	all := f == (audit.Filter{})
	if !all || *format == "json" {
		if evs, err = db.Audit().List(ctx, f); err != nil {
			return err
		}
		slices.Reverse(evs)
	}
	return writeOutput(env, *out, func(w io.Writer) error {
		if *format == "json" {
			if evs == nil {
				evs = []audit.Event{}
			}
			return writeJSON(w, evs)
		}
		cw, err := audit.NewCSVWriter(w, *bom)
		if err != nil {
			return err
		}
		if all {
			if _, err := db.Audit().Iterate(ctx, cw.Write); err != nil {
				return err
			}
		} else {
			for _, e := range evs {
				if err := cw.Write(e); err != nil {
					return err
				}
			}
		}
		return cw.Close()
	})
}

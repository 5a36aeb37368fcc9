package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"kitei/internal/authz"
	"kitei/internal/policy"
)

// runPolicy is `kitei policy`: the organisation's own rulebooks, acting
// as the System actor.
func runPolicy(ctx context.Context, env *Env, args []string) error {
	sub := map[string]func(context.Context, *Env, []string) error{
		"list":   policyList,
		"jobs":   policyJobs,
		"export": policyExport,
	}
	if len(args) == 0 {
		return usageErr("kitei policy list|jobs|export …")
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown policy command %q (list, jobs, export)", args[0])
	}
	return f(ctx, env, args[1:])
}

func policyList(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "policy list")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	docs, err := services(db).Policy.Docs(ctx, authz.System)
	if err != nil {
		return err
	}
	if *asJSON {
		if docs == nil {
			docs = []policy.Doc{}
		}
		return printJSON(env, docs)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tIN FORCE\tPARENT")
	for _, d := range docs {
		parent := ""
		if d.ParentCatalog != 0 {
			parent = fmt.Sprintf("%s@%d", d.ParentName, d.ParentNumber)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\tv%d\t%s\n", d.ID, d.Name, d.Status, d.Published, parent)
	}
	return tw.Flush()
}

// policyJobs publishes the approved versions whose effective date has come
// and opens revision tasks for documents whose parent has a new edition.
func policyJobs(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "policy jobs")
	dsn := dbFlag(fs, env)
	on := fs.String("on", "", "run as of this day (YYYY-MM-DD) instead of today")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := services(db).Policy
	if *on != "" {
		day, err := time.Parse(time.DateOnly, *on)
		if err != nil {
			return usageErr("--on takes a day like 2026-04-01, not %q", *on)
		}
		// Noon in Japan on that day.
		at := day.Add(3 * time.Hour)
		svc.Now = func() time.Time { return at }
	}
	res, err := svc.RunJobs(ctx)
	if err != nil {
		return err
	}
	return printJSON(env, res)
}

// policyExport writes a version (default: the one in force) as docx, pdf,
// oscal, xlsx or json.
func policyExport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "policy export")
	dsn := dbFlag(fs, env)
	format := fs.String("format", "docx", "docx, pdf, oscal, xlsx or json")
	version := fs.Int("version", 0, "version number (0: the one in force)")
	out := fs.String("o", "", "output file (default: the export's own name)")
	font := fs.String("font", "", "TrueType font for PDF (default $"+policy.FontEnv+", then IPAex)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErr("kitei policy export ID [--format docx] [--version N] [-o FILE]")
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil {
		return usageErr("%q is not a document id", rest[0])
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := services(db).Policy
	svc.FontPath = *font
	tmp, err := os.CreateTemp("", "kitei-policy-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	name, _, err := svc.Export(ctx, authz.System, id, *version, *format, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if *out == "" {
		*out = name
	}
	data, err := os.ReadFile(tmp.Name())
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, *out)
	return nil
}

package cli

import (
	"context"
	"fmt"
	"strings"

	"kitei/internal/crosswalk"
)

// catalogDiff compares two editions: kitei catalog diff OLD NEW [--json],
// each a catalog id with an optional @edition (3@1 3@2).
func catalogDiff(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "catalog diff")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print as JSON")
	all := fs.Bool("all", false, "list every node; without it, requirement nodes only (text output)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("kitei catalog diff OLD NEW [--json]  (each ID or ID@EDITION, e.g. 3@1 3@2)")
	}
	oldRef, newRef, err := editionRefs(pos[0], pos[1])
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	d, err := crosswalkService(db).Diff(ctx, oldRef, newRef)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.Stdout, d)
	}
	w := env.Stdout
	fmt.Fprintf(w, "%s edition %d → %s edition %d: %d added, %d removed, %d changed, %d moved\n",
		d.Old.CatalogName, d.Old.Number, d.New.CatalogName, d.New.Number,
		d.Counts.Added, d.Counts.Removed, d.Counts.Changed, d.Counts.Moved)
	for _, c := range d.Changes {
		if !*all && !c.Requirement {
			continue
		}
		switch c.Type {
		case crosswalk.ChangeAdded:
			fmt.Fprintf(w, "+ %s  %s\n", c.NewRef, shortText(c.NewText, 60))
		case crosswalk.ChangeRemoved:
			fmt.Fprintf(w, "- %s  %s\n", c.OldRef, shortText(c.OldText, 60))
		case crosswalk.ChangeMoved:
			fmt.Fprintf(w, "> %s → %s\n", c.OldRef, c.NewRef)
		case crosswalk.ChangeChanged:
			var b strings.Builder
			for _, op := range c.Inline {
				switch op.Kind {
				case crosswalk.OpDelete:
					b.WriteString("[-" + op.Text + "-]")
				case crosswalk.OpInsert:
					b.WriteString("{+" + op.Text + "+}")
				default:
					b.WriteString(op.Text)
				}
			}
			fmt.Fprintf(w, "~ %s  %s\n", c.OldRef, b.String())
		}
		for _, l := range c.Touched {
			fmt.Fprintf(w, "    touches %s (catalog %d, %s)\n", l.FromRef, l.FromCatalog, l.Status)
		}
	}
	if len(d.Touched) > 0 {
		fmt.Fprintf(w, "\n%d derived requirements to review:", len(d.Touched))
		for _, t := range d.Touched {
			fmt.Fprintf(w, " %s", t.Ref)
		}
		fmt.Fprintln(w)
	}
	return nil
}

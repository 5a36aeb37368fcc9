package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"kitei/internal/apperr"
	"kitei/internal/crosswalk"
)

func runCrosswalk(ctx context.Context, env *Env, args []string) error {
	sub := map[string]func(context.Context, *Env, []string) error{
		"suggest": crosswalkSuggest,
		"gaps":    crosswalkGaps,
		"links":   crosswalkLinks,
		"confirm": func(ctx context.Context, env *Env, args []string) error {
			return crosswalkReview(ctx, env, args, crosswalk.StatusConfirmed)
		},
		"reject": func(ctx context.Context, env *Env, args []string) error {
			return crosswalkReview(ctx, env, args, crosswalk.StatusRejected)
		},
	}
	if len(args) == 0 {
		return usageErr("kitei crosswalk suggest|gaps|links|confirm|reject …")
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown crosswalk command %q (suggest, gaps, links, confirm, reject)", args[0])
	}
	return f(ctx, env, args[1:])
}

// editionRefs parses the two catalog arguments (ID or ID@EDITION).
func editionRefs(a, b string) (crosswalk.EditionRef, crosswalk.EditionRef, error) {
	x, err := crosswalk.ParseEditionRef(a)
	if err != nil {
		return x, x, err
	}
	y, err := crosswalk.ParseEditionRef(b)
	return x, y, err
}

func crosswalkSuggest(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "crosswalk suggest")
	dsn := dbFlag(fs, env)
	top := fs.Int("top", 3, "suggestions per requirement")
	threshold := fs.Float64("threshold", 0, "drop suggestions scoring below this (0–1)")
	save := fs.Bool("save", false, "store the suggestions as suggested links for review")
	asJSON := fs.Bool("json", false, "print as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("kitei crosswalk suggest FROM TO [--top K] [--threshold S] [--save] [--json]  (FROM, TO: catalog id, optionally @edition)")
	}
	if *top <= 0 || *threshold < 0 || *threshold > 1 {
		return usageErr("--top must be positive and --threshold between 0 and 1")
	}
	from, to, err := editionRefs(pos[0], pos[1])
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	sugg, added, err := crosswalkService(db).Suggest(ctx, from, to, crosswalk.Options{Top: *top, Threshold: *threshold}, *save)
	if err != nil {
		return err
	}
	if sugg == nil {
		sugg = []crosswalk.Suggestion{}
	}
	if *asJSON {
		return writeJSON(env.Stdout, sugg)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FROM\tTO\tSCORE")
	for _, s := range sugg {
		fmt.Fprintf(tw, "%s\t%s\t%.3f\n", s.From, s.To, s.Score)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if *save {
		fmt.Fprintf(env.Stderr, "%d suggestions, %d new links stored\n", len(sugg), added)
	}
	return nil
}

func crosswalkGaps(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "crosswalk gaps")
	dsn := dbFlag(fs, env)
	suggested := fs.Float64("suggested", 0, "also count suggestions scoring at least this (0–1) as covering; 0: confirmed links only")
	asJSON := fs.Bool("json", false, "print as JSON")
	xlsx := fs.String("xlsx", "", "write the report as an xlsx workbook to this file")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("kitei crosswalk gaps PARENT CHILD [--suggested S] [--json] [--xlsx FILE]")
	}
	if *suggested < 0 || *suggested > 1 {
		return usageErr("--suggested must lie between 0 and 1")
	}
	parent, child, err := editionRefs(pos[0], pos[1])
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := crosswalkService(db).Gaps(ctx, parent, child, crosswalk.GapOptions{Suggested: *suggested})
	if err != nil {
		return err
	}
	if *xlsx != "" {
		if err := writeOutput(env, *xlsx, func(w io.Writer) error { return crosswalk.WriteGapsXLSX(w, r) }); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSON(env.Stdout, r)
	}
	if *xlsx != "" && *xlsx != "-" {
		fmt.Fprintf(env.Stdout, "%d of %d requirements of %s covered; report written to %s\n", r.Covered, r.Total, r.Parent.CatalogName, *xlsx)
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s ← %s: %d of %d requirements covered\n\n", r.Parent.CatalogName, r.Child.CatalogName, r.Covered, r.Total)
	fmt.Fprintln(tw, "SECTION\tTITLE\tCOVERED\tGAPS")
	for _, s := range r.Sections {
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t", s.Ref, shortText(s.Title, 30), s.Covered, s.Total)
		for i, g := range s.Gaps {
			if i > 0 {
				fmt.Fprint(tw, " ")
			}
			fmt.Fprint(tw, g.Ref)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func crosswalkLinks(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "crosswalk links")
	dsn := dbFlag(fs, env)
	status := fs.String("status", "", "only links with this status (suggested, confirmed, rejected)")
	asJSON := fs.Bool("json", false, "print as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("kitei crosswalk links FROM TO [--status S] [--json]")
	}
	from, to, err := editionRefs(pos[0], pos[1])
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := crosswalkService(db)
	fs1, err := svc.Resolve(ctx, from)
	if err != nil {
		return err
	}
	ts, err := svc.Resolve(ctx, to)
	if err != nil {
		return err
	}
	links, err := svc.Links(ctx, crosswalk.Filter{FromEdition: fs1.Edition.ID, ToEdition: ts.Edition.ID, Status: *status})
	if err != nil {
		return err
	}
	if links == nil {
		links = []crosswalk.Link{}
	}
	if *asJSON {
		return writeJSON(env.Stdout, links)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFROM\tTO\tKIND\tSTATUS\tSCORE\tBY")
	for _, l := range links {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%.3f\t%s\n", l.ID, l.FromRef, l.ToRef, l.Kind, l.Status, l.Score, l.ConfirmedBy)
	}
	return tw.Flush()
}

// crosswalkReview confirms or rejects links: one by id, a pair chosen by
// hand (--from-ref/--to-ref with FROM TO), or every suggestion above a
// score (--above S with FROM TO; confirm only).
func crosswalkReview(ctx context.Context, env *Env, args []string, status string) error {
	name := "crosswalk confirm"
	if status == crosswalk.StatusRejected {
		name = "crosswalk reject"
	}
	fs := flags(env, name)
	dsn := dbFlag(fs, env)
	kind := fs.String("kind", "", "link kind: derived-from, equivalent, related or partial")
	note := fs.String("note", "", "note kept with the link")
	fromRef := fs.String("from-ref", "", "with FROM TO: the requirement of FROM")
	toRef := fs.String("to-ref", "", "with FROM TO: the requirement of TO")
	above := fs.Float64("above", 0, "with FROM TO: confirm every suggestion scoring at least this")
	asJSON := fs.Bool("json", false, "print as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	use := "kitei " + name + " ID [--kind K] [--note N] | FROM TO --from-ref R --to-ref R [--kind K] [--note N]"
	if status == crosswalk.StatusConfirmed {
		use += " | FROM TO --above S"
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := crosswalkService(db)
	var link crosswalk.Link
	switch {
	case len(pos) == 1 && *fromRef == "" && *toRef == "" && *above == 0:
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return apperr.E(apperr.Invalid, "crosswalk.err.link_id_number_got", pos[0])
		}
		if link, err = svc.Review(ctx, id, status, *kind, *note); err != nil {
			return err
		}
	case len(pos) == 2 && *above > 0 && status == crosswalk.StatusConfirmed:
		from, to, err := editionRefs(pos[0], pos[1])
		if err != nil {
			return err
		}
		n, err := svc.ConfirmAbove(ctx, from, to, *above)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(env.Stdout, map[string]int{"confirmed": n})
		}
		fmt.Fprintf(env.Stdout, "%d links confirmed\n", n)
		return nil
	case len(pos) == 2 && *fromRef != "" && *toRef != "":
		from, to, err := editionRefs(pos[0], pos[1])
		if err != nil {
			return err
		}
		if link, err = svc.Pick(ctx, from, to, *fromRef, *toRef, *kind, status, *note, 0); err != nil {
			return err
		}
	default:
		return usageErr("%s", use)
	}
	if *asJSON {
		return writeJSON(env.Stdout, link)
	}
	fmt.Fprintf(env.Stdout, "link %d %s → %s: %s (%s)\n", link.ID, link.FromRef, link.ToRef, link.Status, link.Kind)
	return nil
}

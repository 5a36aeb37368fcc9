package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
)

// selfcheckService is the self-inspection capability over db.
func selfcheckService(db *store.DB) *selfcheck.Service {
	return services(db).Selfcheck
}

func runSelfcheck(ctx context.Context, env *Env, args []string) error {
	sub := map[string]func(context.Context, *Env, []string) error{
		"create":   selfcheckCreate,
		"list":     selfcheckList,
		"items":    selfcheckItems,
		"publish":  selfcheckPublish,
		"progress": selfcheckProgress,
		"rollup":   selfcheckRollup,
		"export":   selfcheckExport,
	}
	if len(args) == 0 {
		return usageErr("kitei selfcheck create|list|items|publish|progress|rollup|export …")
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown selfcheck command %q (create, list, items, publish, progress, rollup, export)", args[0])
	}
	return f(ctx, env, args[1:])
}

// withSelfcheck opens the store and runs fn with the capability, acting
// as the command line in the audit trail.
func withSelfcheck(ctx context.Context, dsn string, fn func(context.Context, *store.DB, *selfcheck.Service) error) error {
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := selfcheckService(db)
	defer svc.Close()
	return fn(audit.WithActor(ctx, audit.Actor{Login: "cli"}), db, svc)
}

// campaignArg parses the one positional campaign id.
func campaignArg(pos []string, use string) (int64, error) {
	if len(pos) != 1 {
		return 0, usageErr("%s", use)
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErr("%q is not a campaign id (see kitei selfcheck list)", pos[0])
	}
	return id, nil
}

func selfcheckCreate(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "selfcheck create")
	dsn := dbFlag(fs, env)
	catID := fs.Int64("catalog", 0, "catalog id whose latest edition the items come from (required)")
	name := fs.String("name", "", "campaign name (required)")
	year := fs.Int("year", time.Now().Year(), "fiscal year")
	opens := fs.String("opens", "", "first day answers are taken, YYYY-MM-DD (required)")
	closes := fs.String("closes", "", "last day answers are taken, YYYY-MM-DD (required)")
	sections := fs.String("sections", "", "refs of sections or requirements to include, comma or space separated (default: every requirement)")
	remind := fs.Int("remind", 3, "days before the close when everyone who has not submitted is reminded (0: never)")
	asJSON := fs.Bool("json", false, "print the campaign as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *catID <= 0 {
		return usageErr("kitei selfcheck create --catalog ID --name NAME --year YYYY --opens DATE --closes DATE [--sections REFS]")
	}
	refs := strings.Fields(strings.ReplaceAll(*sections, ",", " "))
	return withSelfcheck(ctx, *dsn, func(ctx context.Context, db *store.DB, svc *selfcheck.Service) error {
		cat, err := catalogService(db).Get(ctx, *catID)
		if err != nil {
			return err
		}
		c := selfcheck.Campaign{Name: *name, FiscalYear: *year, OpensOn: *opens, ClosesOn: *closes, RemindDays: *remind}
		if err := c.Validate(); err != nil {
			return err
		}
		// Check the refs before anything is stored, so a typo creates nothing.
		nodes, err := catalogService(db).Nodes(ctx, cat.Latest.ID)
		if err != nil {
			return err
		}
		known := make(map[string]bool, len(nodes))
		for _, n := range nodes {
			known[n.Ref] = true
		}
		for _, r := range refs {
			if !known[r] {
				return fmt.Errorf("no section or requirement %q in catalog %d (%s)", r, cat.ID, cat.Name)
			}
		}
		c, err = svc.CreateCampaign(ctx, c)
		if err != nil {
			return err
		}
		items, err := svc.AddItems(ctx, c.ID, cat.Latest.ID, refs)
		if err != nil {
			return fmt.Errorf("campaign %d created as an empty draft, but: %w", c.ID, err)
		}
		if c, err = svc.Campaign(ctx, c.ID); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(env, c)
		}
		unmapped := 0
		for _, it := range items {
			if len(it.Roles) == 0 {
				unmapped++
			}
		}
		fmt.Fprintf(env.Stdout, "campaign %d %q (draft): %d items from %s", c.ID, c.Name, len(items), cat.Name)
		if unmapped > 0 {
			fmt.Fprintf(env.Stdout, "; %d without a role to answer them (give them one before publishing)", unmapped)
		}
		fmt.Fprintln(env.Stdout)
		return nil
	})
}

func selfcheckList(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "selfcheck list")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return withSelfcheck(ctx, *dsn, func(ctx context.Context, _ *store.DB, svc *selfcheck.Service) error {
		cs, err := svc.Campaigns(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if cs == nil {
				cs = []selfcheck.Campaign{}
			}
			return printJSON(env, cs)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tYEAR\tPERIOD\tSTATUS\tITEMS\tCHECKLISTS")
		for _, c := range cs {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s – %s\t%s\t%d\t%d\n", c.ID, c.Name, c.FiscalYear, c.OpensOn, c.ClosesOn, c.Status, c.Items, c.Checklists)
		}
		return tw.Flush()
	})
}

func selfcheckItems(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "selfcheck items")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := campaignArg(pos, "kitei selfcheck items CAMPAIGN_ID [--json]")
	if err != nil {
		return err
	}
	return withSelfcheck(ctx, *dsn, func(ctx context.Context, _ *store.DB, svc *selfcheck.Service) error {
		if _, err := svc.Campaign(ctx, id); err != nil {
			return err
		}
		items, err := svc.Items(ctx, id)
		if err != nil {
			return err
		}
		if *asJSON {
			if items == nil {
				items = []selfcheck.Item{}
			}
			return printJSON(env, items)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tREF\tSECTION\tROLES\tQUESTION")
		for _, it := range items {
			roles := strings.Join(it.Roles, ",")
			if roles == "" {
				roles = "(none)"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", it.ID, it.NodeRef, it.SectionRef, roles, shortText(it.Question, 40))
		}
		return tw.Flush()
	})
}

func selfcheckPublish(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "selfcheck publish")
	dsn := dbFlag(fs, env)
	day := fs.String("day", "", "the day whose role assignments make the checklists, YYYY-MM-DD (default today)")
	asJSON := fs.Bool("json", false, "print as JSON: {checklists, profiles, questions}")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := campaignArg(pos, "kitei selfcheck publish CAMPAIGN_ID [--day DATE]")
	if err != nil {
		return err
	}
	return withSelfcheck(ctx, *dsn, func(ctx context.Context, _ *store.DB, svc *selfcheck.Service) error {
		d := *day
		if d == "" {
			d = svc.Today()
		}
		res, err := svc.Publish(ctx, id, d)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(env, res)
		}
		fmt.Fprintf(env.Stdout, "campaign %d published with the roles of %s: %d checklists (%d role profiles), %d questions to answer\n",
			id, d, res.Checklists, res.Profiles, res.Questions)
		return nil
	})
}

// progressJSON is one line of kitei selfcheck progress --json.
type progressJSON struct {
	UnitID     int64  `json:"unit_id"`
	Code       string `json:"code"`
	Unit       string `json:"unit"`
	Depth      int    `json:"depth"`
	NotStarted int    `json:"not_started"`
	InProgress int    `json:"in_progress"`
	Submitted  int    `json:"submitted"`
	Percent    int    `json:"submitted_percent"`
}

func selfcheckProgress(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "selfcheck progress")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print as JSON: {units: [...], total}")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := campaignArg(pos, "kitei selfcheck progress CAMPAIGN_ID [--json]")
	if err != nil {
		return err
	}
	return withSelfcheck(ctx, *dsn, func(ctx context.Context, _ *store.DB, svc *selfcheck.Service) error {
		c, err := svc.Campaign(ctx, id)
		if err != nil {
			return err
		}
		if c.Status == selfcheck.Draft {
			return fmt.Errorf("campaign %d %q is a draft: publish it first (kitei selfcheck publish %d)", id, c.Name, id)
		}
		rows, total, err := svc.Progress(ctx, authz.System, id)
		if err != nil {
			return err
		}
		units := make([]progressJSON, 0, len(rows))
		for _, r := range rows {
			units = append(units, progressJSON{UnitID: r.Unit.ID, Code: r.Unit.Code, Unit: r.Unit.Name, Depth: r.Depth,
				NotStarted: r.All.NotStarted, InProgress: r.All.InProgress, Submitted: r.All.Submitted, Percent: r.SubmittedPercent()})
		}
		tot := progressJSON{Unit: "total", NotStarted: total.NotStarted, InProgress: total.InProgress, Submitted: total.Submitted}
		if n := total.NotStarted + total.InProgress + total.Submitted; n > 0 {
			tot.Percent = total.Submitted * 100 / n
		}
		if *asJSON {
			return printJSON(env, map[string]any{"campaign": c, "units": units, "total": tot})
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "UNIT\tNOT STARTED\tIN PROGRESS\tSUBMITTED\t%\t")
		for _, u := range append(units, tot) {
			fmt.Fprintf(tw, "%s%s\t%d\t%d\t%d\t%d\t\n", strings.Repeat("  ", u.Depth), u.Unit, u.NotStarted, u.InProgress, u.Submitted, u.Percent)
		}
		return tw.Flush()
	})
}

func selfcheckRollup(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "selfcheck rollup")
	dsn := dbFlag(fs, env)
	level := fs.Int("level", -1, "sum units into their ancestor at this depth (0: top units; default: each unit)")
	asJSON := fs.Bool("json", false, "print as JSON: {campaign, sections, rows, total, items}")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := campaignArg(pos, "kitei selfcheck rollup CAMPAIGN_ID [--level N] [--json]")
	if err != nil {
		return err
	}
	return withSelfcheck(ctx, *dsn, func(ctx context.Context, _ *store.DB, svc *selfcheck.Service) error {
		ru, err := svc.Rollup(ctx, authz.System, id, *level)
		if err != nil {
			return err
		}
		if *asJSON {
			if ru.Rows == nil {
				ru.Rows = []selfcheck.RollupRow{}
			}
			return printJSON(env, ru)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprint(tw, "UNIT")
		for _, s := range ru.Sections {
			fmt.Fprintf(tw, "\t%s", s.Ref)
		}
		fmt.Fprintln(tw, "\tTOTAL\tANSWERS")
		for _, r := range append(ru.Rows, ru.Total) {
			name := r.Unit.Name
			if name == "" {
				name = "total"
			}
			fmt.Fprint(tw, name)
			for _, c := range r.Cells {
				fmt.Fprintf(tw, "\t%s", c.Percent())
			}
			fmt.Fprintf(tw, "\t%s\t%d\n", r.Total.Percent(), r.Total.Answered())
		}
		return tw.Flush()
	})
}

func selfcheckExport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "selfcheck export")
	dsn := dbFlag(fs, env)
	out := fs.String("o", "", "write the workbook to FILE (required)")
	unit := fs.Int64("unit", 0, "only this unit and the units below it (default: everyone)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := campaignArg(pos, "kitei selfcheck export CAMPAIGN_ID -o FILE.xlsx [--unit ID]")
	if err != nil {
		return err
	}
	if *out == "" {
		return usageErr("kitei selfcheck export CAMPAIGN_ID -o FILE.xlsx: -o is required")
	}
	return withSelfcheck(ctx, *dsn, func(ctx context.Context, _ *store.DB, svc *selfcheck.Service) error {
		if _, err := svc.Campaign(ctx, id); err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := svc.ExportXLSX(ctx, authz.System, id, *unit, &buf); err != nil {
			return err
		}
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "wrote %s (%d bytes)\n", *out, buf.Len())
		return nil
	})
}

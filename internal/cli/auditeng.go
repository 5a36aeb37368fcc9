package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"kitei/internal/auditeng"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/store"
	"kitei/internal/tabular"
	"kitei/internal/tracker"
)

// auditengCommands are the audit capability's commands under `kitei audit`
// (verify, list and export stay the audit trail's). They act as the
// System actor.
var auditengCommands = map[string]func(context.Context, *Env, []string) error{
	"plan":       auditPlanCmd,
	"engagement": auditEngagementCmd,
	"finding":    auditFindingCmd,
	"actions":    auditActionsCmd,
}

func subcommand(ctx context.Context, env *Env, name, usage string, args []string, sub map[string]func(context.Context, *Env, []string) error) error {
	if len(args) == 0 {
		return usageErr("%s", usage)
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown %s command %q: %s", name, args[0], usage)
	}
	return f(ctx, env, args[1:])
}

func auditPlanCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "audit plan", "kitei audit plan list|create|show|submit|approve|export …", args, map[string]func(context.Context, *Env, []string) error{
		"list": auditPlanList, "create": auditPlanCreate, "show": auditPlanShow, "submit": auditPlanStep, "approve": auditPlanStep, "export": auditPlanExport,
	})
}

func auditEngagementCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "audit engagement", "kitei audit engagement list|add|show|assign|oscal|export …", args, map[string]func(context.Context, *Env, []string) error{
		"list": auditEngList, "add": auditEngAdd, "show": auditEngShow, "assign": auditEngAssign, "oscal": auditEngOSCAL, "export": auditEngExport,
	})
}

func auditFindingCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "audit finding", "kitei audit finding list ENGAGEMENT | add ENGAGEMENT --ref REF --severity major|minor|observation --description TEXT", args,
		map[string]func(context.Context, *Env, []string) error{"list": auditFindingList, "add": auditFindingAdd})
}

func auditActionsCmd(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "audit actions", "kitei audit actions list|poam|jobs …", args, map[string]func(context.Context, *Env, []string) error{
		"list": auditActionsList, "poam": auditActionsPOAM, "jobs": auditActionsJobs,
	})
}

// withAudits opens the store and runs fn with the audit service.
func withAudits(ctx context.Context, dsn string, fn func(db *store.DB, s *auditeng.Service) error) error {
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db, services(db).Audits)
}

func oneID(pos []string, what string) (int64, error) {
	if len(pos) != 1 {
		return 0, usageErr("give the %s id", what)
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErr("%q is not a %s id", pos[0], what)
	}
	return id, nil
}

func auditPlanList(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit plan list")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return withAudits(ctx, *dsn, func(_ *store.DB, s *auditeng.Service) error {
		ps, err := s.Plans(ctx, authz.System)
		if err != nil || *asJSON {
			if err != nil {
				return err
			}
			return printJSON(env, ps)
		}
		w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tFY\tSTATUS\tAUDITS\tTITLE")
		for _, p := range ps {
			fmt.Fprintf(w, "%d\t%d\t%s\t%d\t%s\n", p.ID, p.FiscalYear, p.Status, p.Engagements, p.Title)
		}
		return w.Flush()
	})
}

func auditPlanCreate(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit plan create")
	dsn := dbFlag(fs, env)
	year := fs.Int("year", 0, "fiscal year (required)")
	title := fs.String("title", "", "title (default: FY… information security audit plan)")
	note := fs.String("note", "", "policy and notes")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return withAudits(ctx, *dsn, func(_ *store.DB, s *auditeng.Service) error {
		p, err := s.CreatePlan(ctx, authz.System, *year, *title, *note)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "plan %d: %s\n", p.ID, p.Title)
		return nil
	})
}

func auditPlanShow(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit plan show")
	dsn := dbFlag(fs, env)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "plan")
	if err != nil {
		return err
	}
	return withAudits(ctx, *dsn, func(_ *store.DB, s *auditeng.Service) error {
		v, err := s.Plan(ctx, authz.System, id)
		if err != nil {
			return err
		}
		return printJSON(env, v)
	})
}

// auditPlanStep submits or approves a plan (args[0] tells which; the
// command name is in the flag set's name).
func auditPlanStep(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit plan submit|approve")
	dsn := dbFlag(fs, env)
	approve := fs.Bool("approve", false, "")
	_ = approve
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "plan")
	if err != nil {
		return err
	}
	return withAudits(ctx, *dsn, func(_ *store.DB, s *auditeng.Service) error {
		p, err := s.Plan(ctx, authz.System, id)
		if err != nil {
			return err
		}
		var out auditeng.Plan
		if p.Plan.Status == auditeng.PlanDraft {
			out, err = s.SubmitPlan(ctx, authz.System, id)
		} else {
			out, err = s.ApprovePlan(ctx, authz.System, id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "plan %d: %s\n", out.ID, out.Status)
		return nil
	})
}

func writeOut(env *Env, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := env.Stdout.Write(data)
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s (%d bytes)\n", path, len(data))
	return nil
}

func auditPlanExport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit plan export")
	dsn := dbFlag(fs, env)
	out := fs.String("out", "", "xlsx file to write (required)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "plan")
	if err != nil {
		return err
	}
	if *out == "" {
		return usageErr("--out FILE.xlsx is required")
	}
	return withAudits(ctx, *dsn, func(_ *store.DB, s *auditeng.Service) error {
		v, err := s.Plan(ctx, authz.System, id)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := tabular.WriteXLSX(&buf, auditeng.PlanTable(i18n.Ja, v)); err != nil {
			return err
		}
		return writeOut(env, *out, buf.Bytes())
	})
}

func auditEngList(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit engagement list")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return withAudits(ctx, *dsn, func(_ *store.DB, s *auditeng.Service) error {
		es, err := s.Engagements(ctx, authz.System)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(env, es)
		}
		w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tPLAN\tSTATUS\tUNIT\tSCOPE\tPERIOD\tTITLE")
		for _, e := range es {
			fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t%s–%s\t%s\n", e.ID, e.PlanID, e.Status, e.UnitName, strings.Join(e.Scope, " "), e.StartsOn, e.EndsOn, e.Title)
		}
		return w.Flush()
	})
}

func auditEngAdd(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit engagement add")
	dsn := dbFlag(fs, env)
	plan := fs.Int64("plan", 0, "plan id (0 with --adhoc: an ad-hoc audit ordered by the CISO)")
	adhoc := fs.Bool("adhoc", false, "an ad-hoc audit outside the plan")
	title := fs.String("title", "", "title (required)")
	unit := fs.String("unit", "", "audited unit code (required)")
	system := fs.String("system", "", "information system (for a system audit)")
	cat := fs.Int64("catalog", 0, "catalog id (required)")
	scope := fs.String("scope", "", "catalog sections, separated by spaces (required)")
	from := fs.String("from", "", "first day YYYY-MM-DD (required)")
	to := fs.String("to", "", "last day YYYY-MM-DD (required)")
	objective := fs.String("objective", "", "audit programme")
	selfcheckID := fs.Int64("selfcheck", 0, "self-inspection campaign whose answers to show")
	parent := fs.Int64("parent-catalog", 0, "upper standard for the crosswalk gap report")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return withAudits(ctx, *dsn, func(db *store.DB, s *auditeng.Service) error {
		u, err := orgService(db).UnitByCode(ctx, *unit)
		if err != nil {
			return err
		}
		e := auditeng.Engagement{Title: *title, UnitID: u.ID, SystemRef: *system, CatalogID: *cat, Scope: strings.Fields(*scope),
			StartsOn: *from, EndsOn: *to, Objective: *objective, SelfcheckID: *selfcheckID, ParentCatalogID: *parent}
		if *system != "" {
			e.Kind = "system"
		}
		if *adhoc {
			e, err = s.OrderAdHoc(ctx, authz.System, e)
		} else {
			e, err = s.AddEngagement(ctx, authz.System, *plan, e)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "engagement %d: %s (%s)\n", e.ID, e.Title, e.Status)
		return nil
	})
}

func auditEngShow(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit engagement show")
	dsn := dbFlag(fs, env)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "engagement")
	if err != nil {
		return err
	}
	return withAudits(ctx, *dsn, func(_ *store.DB, s *auditeng.Service) error {
		v, err := s.Engagement(ctx, authz.System, id)
		if err != nil {
			return err
		}
		out := auditeng.EngagementJSON{Engagement: v.Engagement, Findings: v.Findings, Instructions: v.Instructions, Unanswered: v.Unanswered}
		for _, it := range v.Items {
			if it.Paper != nil {
				out.Papers = append(out.Papers, *it.Paper)
			}
		}
		return printJSON(env, out)
	})
}

func auditEngAssign(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit engagement assign")
	dsn := dbFlag(fs, env)
	person := fs.String("person", "", "auditor's employee number (required)")
	outside := fs.Bool("outside", false, "an outside auditor (needs --until)")
	until := fs.String("until", "", "last day of access YYYY-MM-DD")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "engagement")
	if err != nil {
		return err
	}
	return withAudits(ctx, *dsn, func(db *store.DB, s *auditeng.Service) error {
		p, err := orgService(db).PersonByEmployeeNo(ctx, *person)
		if err != nil {
			return err
		}
		if err := s.AssignAuditor(ctx, authz.System, id, p.ID, *outside, *until); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s assigned to engagement %d\n", p.Name, id)
		return nil
	})
}

func auditEngOSCAL(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit engagement oscal")
	dsn := dbFlag(fs, env)
	out := fs.String("out", "", "file to write (default: standard output)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "engagement")
	if err != nil {
		return err
	}
	return withAudits(ctx, *dsn, func(_ *store.DB, s *auditeng.Service) error {
		v, err := s.Engagement(ctx, authz.System, id)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := auditeng.WriteEngagementAR(&buf, v, s.Now()); err != nil {
			return err
		}
		return writeOut(env, *out, buf.Bytes())
	})
}

func auditEngExport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit engagement export")
	dsn := dbFlag(fs, env)
	out := fs.String("out", "", "xlsx file to write (required)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "engagement")
	if err != nil {
		return err
	}
	if *out == "" {
		return usageErr("--out FILE.xlsx is required")
	}
	return withAudits(ctx, *dsn, func(_ *store.DB, s *auditeng.Service) error {
		v, err := s.Engagement(ctx, authz.System, id)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := tabular.WriteXLSX(&buf, auditeng.EngagementTables(i18n.Ja, v)...); err != nil {
			return err
		}
		return writeOut(env, *out, buf.Bytes())
	})
}

func auditFindingList(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit finding list")
	dsn := dbFlag(fs, env)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "engagement")
	if err != nil {
		return err
	}
	return withAudits(ctx, *dsn, func(_ *store.DB, s *auditeng.Service) error {
		v, err := s.Engagement(ctx, authz.System, id)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tREF\tSEVERITY\tSTATE\tACTIONS\tDESCRIPTION")
		for _, f := range v.Findings {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\n", f.ID, f.Ref, f.Severity, f.State(), len(f.Actions), oneLine(f.Description))
		}
		return w.Flush()
	})
}

func auditFindingAdd(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit finding add")
	dsn := dbFlag(fs, env)
	ref := fs.String("ref", "", "requirement ref in the engagement's scope (required)")
	sev := fs.String("severity", "", "major, minor or observation (required)")
	desc := fs.String("description", "", "what was found (required)")
	rec := fs.String("recommendation", "", "recommendation")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "engagement")
	if err != nil {
		return err
	}
	return withAudits(ctx, *dsn, func(_ *store.DB, s *auditeng.Service) error {
		f, err := s.AddFinding(ctx, authz.System, id, auditeng.Finding{Ref: *ref, Severity: auditeng.Severity(*sev), Description: *desc, Recommendation: *rec})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "finding %d on %s\n", f.ID, f.Ref)
		return nil
	})
}

func auditActionsList(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit actions list")
	dsn := dbFlag(fs, env)
	open := fs.Bool("open", false, "only actions not closed")
	kind := fs.String("kind", "", "source kind: audit_finding, selfcheck_item, incident, ciso_instruction, review")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	acts, err := services(db).Tracker.Followed(ctx, authz.System, tracker.Filter{OpenOnly: *open, SourceKind: tracker.SourceKind(*kind)})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, acts)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSOURCE\tSTATUS\tDUE\tOWNER\tUNIT\tTITLE")
	for _, a := range acts {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Source.Kind, a.Status, a.DueOn, a.OwnerName, a.UnitName, a.Title)
	}
	return w.Flush()
}

func auditActionsPOAM(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit actions poam")
	dsn := dbFlag(fs, env)
	out := fs.String("out", "", "file to write (default: standard output)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	t := services(db).Tracker
	acts, err := t.Followed(ctx, authz.System, tracker.Filter{OpenOnly: true})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tracker.WritePOAM(&buf, i18n.T(i18n.Ja, "tracker.title.unit"), acts, t.Now()); err != nil {
		return err
	}
	return writeOut(env, *out, buf.Bytes())
}

func auditActionsJobs(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "audit actions jobs")
	dsn := dbFlag(fs, env)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := services(db).Tracker.RunJobs(ctx, "cli")
	if err != nil {
		return err
	}
	return printJSON(env, map[string]int{"chased": n})
}

package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/incident"
	"kitei/internal/store"
	"kitei/internal/tabular"
)

func runIncident(ctx context.Context, env *Env, args []string) error {
	sub := map[string]func(context.Context, *Env, []string) error{
		"list":     incidentList,
		"show":     incidentShow,
		"report":   incidentReport,
		"triage":   incidentTriage,
		"sent":     incidentSent,
		"close":    incidentClose,
		"jobs":     incidentJobs,
		"config":   incidentConfig,
		"contacts": incidentContacts,
	}
	names := "list, show, report, triage, sent, close, jobs, config, contacts"
	if len(args) == 0 {
		return usageErr("kitei incident %s …", strings.ReplaceAll(names, ", ", "|"))
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown incident command %q (%s)", args[0], names)
	}
	return f(ctx, env, args[1:])
}

func openIncident(ctx context.Context, dsn string) (*store.DB, *incident.Service, error) {
	db, err := openStore(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	return db, services(db).Incident, nil
}

// incidentActor is System, or the person with --as.
func incidentActor(ctx context.Context, db *store.DB, as string) (context.Context, *authz.Principal, error) {
	if as == "" {
		return ctx, authz.System, nil
	}
	return actAs(ctx, db, as)
}

func incidentList(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "incident list")
	dsn := dbFlag(fs, env)
	from := fs.String("from", "", "reported on or after this day (YYYY-MM-DD)")
	to := fs.String("to", "", "reported on or before this day (YYYY-MM-DD)")
	level := fs.Int("level", -2, "only this level")
	category := fs.String("category", "", "only this category key")
	state := fs.String("state", "", "open or closed")
	xlsx := fs.String("xlsx", "", "write the ledger to this xlsx file")
	asJSON := fs.Bool("json", false, "print as JSON: {incidents, stats}")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, svc, err := openIncident(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	xs, err := svc.List(ctx, authz.System, incident.Filter{From: *from, To: *to, Level: *level, Category: *category, Open: *state})
	if err != nil {
		return err
	}
	cfg, err := svc.Config(ctx)
	if err != nil {
		return err
	}
	if *xlsx != "" {
		f, err := os.Create(*xlsx)
		if err != nil {
			return err
		}
		if err := tabular.WriteXLSX(f, incident.LedgerTable(i18n.Ja, cfg, xs)); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if *asJSON {
		if xs == nil {
			xs = []incident.Incident{}
		}
		return printJSON(env, incident.LedgerAnswer{Incidents: xs, Stats: incident.Summarize(xs, svc.Now())})
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tREPORTED\tSTATUS\tLEVEL\tCATEGORY\tTITLE")
	for _, x := range xs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", x.ID, x.ReportedAt.Local().Format("2006-01-02 15:04"), x.Status, x.Level, x.Category, x.Title)
	}
	return tw.Flush()
}

func incidentID(pos []string) (int64, error) {
	if len(pos) != 1 {
		return 0, usageErr("give one incident id")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErr("incident id %q is not a number", pos[0])
	}
	return id, nil
}

func incidentShow(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "incident show")
	dsn := dbFlag(fs, env)
	as := fs.String("as", "", "employee number of the reader (default: the system, who sees everything)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID(pos)
	if err != nil {
		return err
	}
	db, svc, err := openIncident(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, p, err := incidentActor(ctx, db, *as)
	if err != nil {
		return err
	}
	d, err := svc.Get(ctx, p, id)
	if err != nil {
		return err
	}
	return printJSON(env, d)
}

func incidentReport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "incident report")
	dsn := dbFlag(fs, env)
	as := fs.String("as", "", "employee number of the reporter (required)")
	var in incident.Input
	fs.StringVar(&in.Title, "title", "", "what happened, in a few words")
	fs.StringVar(&in.What, "what", "", "what happened")
	fs.StringVar(&in.NoticedAt, "noticed", "", "when it was noticed (2026-04-01T09:30)")
	fs.StringVar(&in.Refs, "refs", "", "systems, assets or services concerned")
	fs.StringVar(&in.Personal, "personal", "unknown", "personal data involved: yes, no or unknown")
	fs.IntVar(&in.PersonalCount, "count", 0, "how many people's data")
	fs.StringVar(&in.FirstActions, "actions", "", "first actions taken")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *as == "" {
		return usageErr("--as EMPLOYEE_NO is required: a report is filed by a person")
	}
	db, svc, err := openIncident(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, p, err := actAs(ctx, db, *as)
	if err != nil {
		return err
	}
	x, err := svc.File(ctx, p, in)
	if err != nil {
		return err
	}
	return printJSON(env, x.View())
}

func incidentTriage(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "incident triage")
	dsn := dbFlag(fs, env)
	as := fs.String("as", "", "employee number of the CSIRT member (default: the system)")
	not := fs.Bool("not", false, "not an incident")
	var t incident.TriageInput
	fs.StringVar(&t.Reason, "reason", "", "reason for the decision (required)")
	fs.IntVar(&t.Level, "level", 0, "level")
	fs.StringVar(&t.Category, "category", "", "category key (leak, loss_theft, …)")
	fs.StringVar(&t.Instruction, "instruction", "", "containment instruction for the unit's officer")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID(pos)
	if err != nil {
		return err
	}
	t.Incident = !*not
	db, svc, err := openIncident(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, p, err := incidentActor(ctx, db, *as)
	if err != nil {
		return err
	}
	x, err := svc.Triage(ctx, p, id, t)
	if err != nil {
		return err
	}
	return printJSON(env, x)
}

func incidentSent(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "incident sent")
	dsn := dbFlag(fs, env)
	as := fs.String("as", "", "employee number of the CSIRT member (default: the system)")
	notice := fs.Int64("notice", 0, "id of the authority notice (see incident show)")
	content := fs.String("content", "", "what was sent (required)")
	at := fs.String("at", "", "when it was sent (default: now)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID(pos)
	if err != nil {
		return err
	}
	db, svc, err := openIncident(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, p, err := incidentActor(ctx, db, *as)
	if err != nil {
		return err
	}
	if err := svc.MarkSent(ctx, p, id, *notice, *content, *at); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "notice %d of incident %d recorded as sent\n", *notice, id)
	return nil
}

func incidentClose(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "incident close")
	dsn := dbFlag(fs, env)
	as := fs.String("as", "", "employee number of the CSIRT member (default: the system)")
	lessons := fs.String("lessons", "", "lessons learned, published to all staff")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := incidentID(pos)
	if err != nil {
		return err
	}
	db, svc, err := openIncident(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, p, err := incidentActor(ctx, db, *as)
	if err != nil {
		return err
	}
	x, err := svc.Close(ctx, p, id, *lessons)
	if err != nil {
		return err
	}
	return printJSON(env, x.View())
}

func incidentJobs(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "incident jobs")
	dsn := dbFlag(fs, env)
	on := fs.String("on", "", "run as of this day (YYYY-MM-DD, at the current time of day) or time (2026-04-01T09:30)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, svc, err := openIncident(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if *on != "" {
		var at time.Time
		if d, err := time.ParseInLocation("2006-01-02", *on, time.Local); err == nil {
			now := time.Now()
			at = d.Add(now.Sub(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.Local)))
		} else if t, err := time.ParseInLocation("2006-01-02T15:04", *on, time.Local); err == nil {
			at = t
		} else {
			return usageErr("--on takes a day like 2026-04-01 or a time like 2026-04-01T09:30, not %q", *on)
		}
		svc.SetClock(func() time.Time { return at })
	}
	host, _ := os.Hostname()
	res, err := svc.RunJobs(ctx, fmt.Sprintf("%s:%d:cli", host, os.Getpid()))
	if err != nil {
		return err
	}
	return printJSON(env, res)
}

func incidentConfig(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "incident config")
	dsn := dbFlag(fs, env)
	set := fs.String("set", "", "store the configuration in this JSON file (default: print the current one)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, svc, err := openIncident(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if *set == "" {
		c, err := svc.Config(ctx)
		if err != nil {
			return err
		}
		return printJSON(env, c)
	}
	b, err := os.ReadFile(*set)
	if err != nil {
		return err
	}
	c, err := incident.ParseConfig(b)
	if err != nil {
		return err
	}
	if err := svc.SaveConfig(ctx, authz.System, c); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "incident configuration saved")
	return nil
}

func incidentContacts(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "incident contacts")
	dsn := dbFlag(fs, env)
	unit := fs.String("unit", "", "unit code (default: the whole organisation)")
	xlsx := fs.String("xlsx", "", "write the list to this xlsx file")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, svc, err := openIncident(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var unitID int64
	if *unit != "" {
		u, err := orgService(db).UnitByCode(ctx, *unit)
		if err != nil {
			return err
		}
		unitID = u.ID
	}
	cs, err := svc.Contacts(ctx, authz.System, unitID)
	if err != nil {
		return err
	}
	if *xlsx != "" {
		f, err := os.Create(*xlsx)
		if err != nil {
			return err
		}
		if err := tabular.WriteXLSX(f, incident.ContactsTable(i18n.Ja, cs)); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tUNIT\tPERSON\tADDRESS")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.RoleName, c.UnitName, c.Person, c.Address)
	}
	return tw.Flush()
}

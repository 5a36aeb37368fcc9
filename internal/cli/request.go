package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"kitei/internal/approval"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/store"
)

func runRequest(ctx context.Context, env *Env, args []string) error {
	sub := map[string]func(context.Context, *Env, []string) error{
		"types":  requestTypes,
		"list":   requestList,
		"show":   requestShow,
		"file":   requestFile,
		"decide": requestDecide,
		"jobs":   requestJobs,
	}
	if len(args) == 0 {
		return usageErr("kitei request types|list|show|file|decide|jobs …")
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown request command %q (types, list, show, file, decide, jobs)", args[0])
	}
	return f(ctx, env, args[1:])
}

// openApproval opens the store and the engine with the built-in types.
func openApproval(ctx context.Context, dsn string) (*store.DB, *approval.Service, error) {
	db, err := openStore(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	svc := approvalService(db)
	if err := svc.EnsureBuiltinTypes(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, svc, nil
}

// actAs builds the principal of the person with employee number no, as
// sign-in would, and puts them on ctx as the audit actor.
func actAs(ctx context.Context, db *store.DB, no string) (context.Context, *authz.Principal, error) {
	if no == "" {
		return ctx, nil, usageErr("--as EMPLOYEE_NO is required: requests are filed and decided by a person")
	}
	o := orgService(db)
	p, err := o.PersonByEmployeeNo(ctx, no)
	if err != nil {
		return ctx, nil, err
	}
	path, grants, active, err := o.Grants(ctx, p.ID, time.Now())
	if err != nil {
		return ctx, nil, err
	}
	if !active {
		return ctx, nil, fmt.Errorf("%s has left the organisation", no)
	}
	ctx = audit.WithActor(ctx, audit.Actor{ID: p.ID, Login: "cli:" + no})
	return ctx, &authz.Principal{PersonID: p.ID, Login: no, Name: p.Name, UnitPath: path, Grants: grants}, nil
}

func printJSON(env *Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// typeJSON is one line of kitei request types --json.
type typeJSON struct {
	Key    string               `json:"key"`
	Name   string               `json:"name"`
	Fields []approval.Field     `json:"fields"`
	Levels []approval.LevelRule `json:"levels"`
}

func requestTypes(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "request types")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print as JSON: [{key, name, fields, levels}]")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, svc, err := openApproval(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ts, err := svc.Types(ctx, false)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]typeJSON, len(ts))
		for i, t := range ts {
			out[i] = typeJSON{Key: t.Key, Name: t.Name, Fields: t.Fields, Levels: t.Levels}
			if out[i].Levels == nil {
				out[i].Levels = []approval.LevelRule{}
			}
		}
		return printJSON(env, out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tNAME\tDECIDER\tLEVELS")
	for _, t := range ts {
		var lv []string
		for _, l := range t.Levels {
			lv = append(lv, l.Level+"→"+string(l.Outcome))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Key, t.Name, t.DeciderRole, strings.Join(lv, " "))
	}
	return tw.Flush()
}

func requestList(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "request list")
	dsn := dbFlag(fs, env)
	as := fs.String("as", "", "employee number of the person listing")
	view := fs.String("view", "mine", "mine, waiting (for my decision) or ledger")
	typ := fs.String("type", "", "ledger: request type key")
	status := fs.String("status", "", "ledger: status")
	from := fs.String("from", "", "ledger: the period ends on or after this day (YYYY-MM-DD)")
	to := fs.String("to", "", "ledger: the period starts on or before this day (YYYY-MM-DD)")
	asJSON := fs.Bool("json", false, "print as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, svc, err := openApproval(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, p, err := actAs(ctx, db, *as)
	if err != nil {
		return err
	}
	var rs []approval.Request
	switch *view {
	case "mine":
		rs, err = svc.Mine(ctx, p)
	case "waiting":
		rs, err = svc.Waiting(ctx, p)
	case "ledger":
		f := approval.Filter{TypeKey: *typ, PeriodFrom: *from, PeriodTo: *to}
		if *status != "" {
			f.Statuses = []approval.Status{approval.Status(*status)}
		}
		rs, err = svc.Ledger(ctx, p, f)
	default:
		return usageErr("--view must be mine, waiting or ledger")
	}
	if err != nil {
		return err
	}
	if *asJSON {
		if rs == nil {
			rs = []approval.Request{}
		}
		return printJSON(env, rs)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tTITLE\tAPPLICANT\tSTATUS\tDECIDER\tPERIOD")
	for _, r := range rs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.TypeName, r.Title, r.ApplicantName, r.Status, r.DeciderName,
			strings.Trim(r.StartsOn+"–"+r.EndsOn, "–"))
	}
	return tw.Flush()
}

func requestID(pos []string, use string) (int64, error) {
	if len(pos) != 1 {
		return 0, usageErr("%s", use)
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErr("bad request id %q", pos[0])
	}
	return id, nil
}

func requestShow(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "request show")
	dsn := dbFlag(fs, env)
	as := fs.String("as", "", "employee number of the person reading")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := requestID(pos, "kitei request show ID --as EMPLOYEE_NO")
	if err != nil {
		return err
	}
	db, svc, err := openApproval(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, p, err := actAs(ctx, db, *as)
	if err != nil {
		return err
	}
	r, hist, err := svc.Get(ctx, p, id)
	if err != nil {
		return err
	}
	return printJSON(env, map[string]any{"request": r, "history": hist})
}

// setFlags collects repeated --set key=value.
type setFlags map[string]string

func (s setFlags) String() string { return "" }
func (s setFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("--set takes key=value, not %q", v)
	}
	s[k] = val
	return nil
}

var _ flag.Value = setFlags{}

func requestFile(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "request file")
	dsn := dbFlag(fs, env)
	as := fs.String("as", "", "employee number of the applicant")
	typ := fs.String("type", "", "request type key (see kitei request types)")
	values := setFlags{}
	fs.Var(values, "set", "a field: key=value (title, level, starts_on, ends_on, catalog_id, node_ref, target_ref, or the type's own keys); repeat")
	submit := fs.Bool("submit", false, "submit at once (otherwise a draft is kept)")
	emergency := fs.Bool("emergency", false, "emergency filing after the fact")
	asJSON := fs.Bool("json", false, "print the request as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, svc, err := openApproval(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, p, err := actAs(ctx, db, *as)
	if err != nil {
		return err
	}
	r, err := svc.File(ctx, p, approval.Input{TypeKey: *typ, Values: values, Emergency: *emergency}, *submit)
	if err != nil {
		if r.ID != 0 {
			return fmt.Errorf("draft %d kept, not submitted: %w", r.ID, err)
		}
		return err
	}
	if *asJSON {
		return printJSON(env, r)
	}
	fmt.Fprintf(env.Stdout, "request %d: %s (decider: %s)\n", r.ID, r.Status, r.DeciderName)
	return nil
}

func requestDecide(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "request decide")
	dsn := dbFlag(fs, env)
	as := fs.String("as", "", "employee number of the decider")
	action := fs.String("action", "", "approve, return or reject")
	conditions := fs.String("conditions", "", "conditions attached to an approval")
	note := fs.String("note", "", "reason (required to return or reject)")
	asJSON := fs.Bool("json", false, "print the request as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := requestID(pos, "kitei request decide ID --as EMPLOYEE_NO --action approve|return|reject [--conditions TEXT] [--note TEXT]")
	if err != nil {
		return err
	}
	db, svc, err := openApproval(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, p, err := actAs(ctx, db, *as)
	if err != nil {
		return err
	}
	r, err := svc.Decide(ctx, p, id, approval.Decision{Action: *action, Conditions: *conditions, Note: *note})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, r)
	}
	fmt.Fprintf(env.Stdout, "request %d: %s\n", r.ID, r.Status)
	return nil
}

// requestJobs runs the background jobs once (what serve does every minute),
// as of today or of the day given with --on (to catch up on a store that
// was offline, or to rehearse what a later day will do).
func requestJobs(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "request jobs")
	dsn := dbFlag(fs, env)
	on := fs.String("on", "", "run as of this day (YYYY-MM-DD) instead of today")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	var day time.Time
	if *on != "" {
		d, err := time.ParseInLocation(approval.DateLayout, *on, time.Local)
		if err != nil {
			return usageErr("--on takes a day like 2026-04-01, not %q", *on)
		}
		day = d
	}
	db, svc, err := openApproval(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if !day.IsZero() {
		svc.SetClock(func() time.Time {
			now := time.Now()
			return day.Add(now.Sub(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.Local)))
		})
	}
	host, _ := os.Hostname()
	res, err := svc.RunJobs(ctx, fmt.Sprintf("%s:%d:cli", host, os.Getpid()))
	if err != nil {
		return err
	}
	return printJSON(env, res)
}

package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/store"
	"kitei/internal/tabular"
	"kitei/internal/training"
)

const trainingUsage = "kitei training courses|create|publish|plans|follow|results|attendance|drill|employment|jobs …"

func runTraining(ctx context.Context, env *Env, args []string) error {
	sub := map[string]func(context.Context, *Env, []string) error{
		"courses": trainingCourses,
		"create":  trainingCreate,
		"publish": trainingPublish,
		"plans":   trainingPlans,
		"follow":  trainingFollow,
		"results": trainingResults,
		"attendance": func(ctx context.Context, env *Env, args []string) error {
			return trainingImport(ctx, env, args, "attendance")
		},
		"drill": func(ctx context.Context, env *Env, args []string) error {
			return trainingImport(ctx, env, args, "drill")
		},
		"employment": func(ctx context.Context, env *Env, args []string) error {
			return trainingImport(ctx, env, args, "employment")
		},
		"jobs": trainingJobs,
	}
	if len(args) == 0 {
		return usageErr(trainingUsage)
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown training command %q (%s)", args[0], trainingUsage)
	}
	return f(ctx, env, args[1:])
}

func trainingService(db *store.DB) *training.Service { return services(db).Training }

// trainingOpen parses the flags (with --db and --json) and opens the store.
func trainingOpen(ctx context.Context, env *Env, name string, args []string, extra func(*flag.FlagSet)) (*store.DB, []string, bool, error) {
	fs := flags(env, "training "+name)
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	if extra != nil {
		extra(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return nil, nil, false, err
	}
	db, err := openStore(ctx, *dsn)
	return db, pos, *asJSON, err
}

func trainingCourses(ctx context.Context, env *Env, args []string) error {
	db, _, asJSON, err := trainingOpen(ctx, env, "courses", args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	cs, err := trainingService(db).Courses(ctx, authz.System)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(env, cs)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tPERIOD\tQUESTIONS\tTITLE")
	for _, c := range cs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s..%s\t%d\t%s\n", c.ID, c.Kind, c.Status, c.OpensOn, c.ClosesOn, len(c.Questions), c.Title)
	}
	return tw.Flush()
}

// trainingCreate stores a draft course from a JSON file (the API's course
// shape: title, kind, sections, questions, audience …).
func trainingCreate(ctx context.Context, env *Env, args []string) error {
	db, pos, asJSON, err := trainingOpen(ctx, env, "create", args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if len(pos) != 1 {
		return usageErr("kitei training create COURSE.json [--db DSN] [--json]")
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	var c training.Course
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	c, err = trainingService(db).CreateCourse(ctx, authz.System, c)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(env, c)
	}
	fmt.Fprintf(env.Stdout, "course %d created (draft): %s, %d sections, %d questions\n", c.ID, c.Title, len(c.Sections), len(c.Questions))
	return nil
}

func courseArg(pos []string, usage string) (int64, error) {
	if len(pos) != 1 {
		return 0, usageErr("%s", usage)
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErr("%s", usage)
	}
	return id, nil
}

func trainingPublish(ctx context.Context, env *Env, args []string) error {
	db, pos, asJSON, err := trainingOpen(ctx, env, "publish", args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := courseArg(pos, "kitei training publish COURSE_ID [--db DSN]")
	if err != nil {
		return err
	}
	c, n, err := trainingService(db).Publish(ctx, authz.System, id)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(env, training.PublishResult{Course: c, Assigned: n})
	}
	fmt.Fprintf(env.Stdout, "course %d published, assigned to %d people\n", c.ID, n)
	return nil
}

func trainingPlans(ctx context.Context, env *Env, args []string) error {
	db, _, asJSON, err := trainingOpen(ctx, env, "plans", args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	ps, err := trainingService(db).Plans(ctx, authz.System)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(env, ps)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tYEAR\tSTATUS\tTITLE")
	for _, p := range ps {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\n", p.ID, p.FiscalYear, p.Status, p.Title)
	}
	return tw.Flush()
}

func trainingFollow(ctx context.Context, env *Env, args []string) error {
	var course *int64
	db, _, asJSON, err := trainingOpen(ctx, env, "follow", args, func(fs *flag.FlagSet) {
		course = fs.Int64("course", 0, "course id (default: the latest published)")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := trainingService(db).Follow(ctx, authz.System, *course)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(env, f)
	}
	if f.Course == nil {
		fmt.Fprintln(env.Stdout, "no published course")
		return nil
	}
	fmt.Fprintf(env.Stdout, "%s: %.1f%% (%d/%d)\n", f.Course.Title, f.Totals.Rate(), f.Totals.Completed, f.Totals.Assigned)
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "UNIT\tASSIGNED\tCOMPLETED\tOVERDUE\tRATE")
	for _, r := range f.Rates {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f%%\n", r.UnitName, r.Assigned, r.Completed, r.Overdue, r.Rate())
	}
	return tw.Flush()
}

func trainingResults(ctx context.Context, env *Env, args []string) error {
	var year *int
	var xlsx *string
	db, _, asJSON, err := trainingOpen(ctx, env, "results", args, func(fs *flag.FlagSet) {
		year = fs.Int("year", 0, "fiscal year (default: the current one)")
		xlsx = fs.String("xlsx", "", "write the workbook to this file")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := trainingService(db).Results(ctx, authz.System, *year)
	if err != nil {
		return err
	}
	if *xlsx != "" {
		f, err := os.Create(*xlsx)
		if err != nil {
			return err
		}
		if err := r.WriteXLSX(f, i18n.Ja); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if asJSON {
		return printJSON(env, r)
	}
	fmt.Fprintf(env.Stdout, "fiscal %d: %.1f%% (%d/%d, %d excused, %d overdue)\n", r.FiscalYear, r.Totals.Rate(),
		r.Totals.Completed, r.Totals.Assigned, r.Totals.Excused, r.Totals.Overdue)
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tASSIGNED\tCOMPLETED\tRATE\tTITLE")
	for _, c := range r.Courses {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%.1f%%\t%s\n", c.Course.ID, c.Course.Kind, c.Totals.Assigned, c.Totals.Completed, c.Totals.Rate(), c.Course.Title)
	}
	return tw.Flush()
}

func trainingImport(ctx context.Context, env *Env, args []string, what string) error {
	var course *int64
	db, pos, asJSON, err := trainingOpen(ctx, env, what, args, func(fs *flag.FlagSet) {
		if what != "employment" {
			course = fs.Int64("course", 0, "course id")
		}
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if len(pos) != 1 || (course != nil && *course <= 0) {
		if what == "employment" {
			return usageErr("kitei training employment FILE.xlsx (columns 職員番号, 雇用形態)")
		}
		return usageErr("kitei training %s --course ID FILE.xlsx", what)
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	svc := trainingService(db)
	var n int
	var rep *tabular.Report
	switch what {
	case "attendance":
		n, rep, err = svc.ImportAttendance(ctx, authz.System, *course, pos[0], data)
	case "drill":
		n, rep, err = svc.ImportDrill(ctx, authz.System, *course, pos[0], data)
	default:
		n, rep, err = svc.SetEmployment(ctx, authz.System, pos[0], data)
	}
	if rep != nil && !rep.OK() {
		rep.Localize(i18n.Ja)
		for _, e := range rep.Errors {
			fmt.Fprintf(env.Stderr, "%s row %d %s %q: %s\n", e.Sheet, e.Row, e.Column, e.Value, e.Message)
		}
	}
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(env, map[string]int{"recorded": n})
	}
	fmt.Fprintf(env.Stdout, "%d rows recorded\n", n)
	return nil
}

// trainingJobs runs the day's training jobs once (new staff, assignment,
// reminders, escalation); a scheduler can call it instead of serve.
func trainingJobs(ctx context.Context, env *Env, args []string) error {
	db, _, asJSON, err := trainingOpen(ctx, env, "jobs", args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := trainingService(db).RunJobs(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(env, res)
	}
	fmt.Fprintf(env.Stdout, "assigned %d, new staff %d, reminded %d, escalated %d\n", res.Assigned, res.NewStaff, res.Reminded, res.Escalated)
	return nil
}

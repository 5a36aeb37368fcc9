package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/inventory"
	"kitei/internal/risk"
	"kitei/internal/tabular"
)

// runInventory: kitei inventory export|import|jobs — the registers of
// devices, external media and controlled areas, acting as the system.
func runInventory(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErr("kitei inventory export KIND FILE | import KIND FILE | jobs [--on DAY] (KIND: device, medium, area)")
	}
	switch args[0] {
	case "export", "import":
		return inventoryFile(ctx, env, args[0], args[1:])
	case "jobs":
		return inventoryJobs(ctx, env, args[1:])
	}
	return usageErr("unknown inventory command %q (export, import, jobs)", args[0])
}

func inventoryFile(ctx context.Context, env *Env, verb string, args []string) error {
	fs := flags(env, "inventory "+verb)
	dsn := dbFlag(fs, env)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("kitei inventory %s KIND FILE (KIND: device, medium, area)", verb)
	}
	kind, file := pos[0], pos[1]
	if _, ok := inventory.Kind(kind); !ok {
		return usageErr("unknown register %q (device, medium, area)", kind)
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := services(db).Inventory
	if verb == "export" {
		ts, err := svc.Export(ctx, authz.System, kind)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if strings.EqualFold(filepath.Ext(file), ".csv") {
			err = tabular.WriteCSV(&buf, ts[0], tabular.UTF8BOM)
		} else {
			err = tabular.WriteXLSX(&buf, ts...)
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%d entries written to %s\n", len(ts[0].Rows), file)
		return nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	res, err := svc.Import(ctx, authz.System, kind, filepath.Base(file), data)
	if err != nil {
		return err
	}
	if !res.OK() {
		res.Localize(i18n.Ja)
		for _, e := range res.Errors {
			fmt.Fprintf(env.Stderr, "%s row %d %s %q: %s\n", e.Sheet, e.Row, e.Column, e.Value, e.Message)
		}
		return fmt.Errorf("%d rows cannot be imported; nothing was stored", len(res.Errors))
	}
	fmt.Fprintf(env.Stdout, "+%d added, %d updated\n", res.Added, res.Updated)
	return nil
}

// dayClock is a clock at the time of day now, on day (zero: now).
func dayClock(on string) (func() time.Time, error) {
	if on == "" {
		return time.Now, nil
	}
	d, err := time.ParseInLocation("2006-01-02", on, time.Local)
	if err != nil {
		return nil, usageErr("--on takes a day like 2026-04-01, not %q", on)
	}
	return func() time.Time {
		now := time.Now()
		return d.Add(now.Sub(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.Local)))
	}, nil
}

// inventoryJobs chases overdue media once, as of today or --on.
func inventoryJobs(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "inventory jobs")
	dsn := dbFlag(fs, env)
	on := fs.String("on", "", "run as of this day (YYYY-MM-DD) instead of today")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	clock, err := dayClock(*on)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := services(db).Inventory
	svc.SetClock(clock)
	host, _ := os.Hostname()
	n, err := svc.ChaseOverdue(ctx, fmt.Sprintf("%s:%d:cli", host, os.Getpid()), time.Minute)
	if err != nil {
		return err
	}
	return printJSON(env, map[string]int{"chased": n})
}

// runRisk: kitei risk list|export|jobs.
func runRisk(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErr("kitei risk list [--json] | export FILE | import FILE | jobs [--on DAY]")
	}
	fs := flags(env, "risk "+args[0])
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	on := fs.String("on", "", "jobs: run as of this day (YYYY-MM-DD) instead of today")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	a := services(db)
	svc := a.Risk
	switch args[0] {
	case "import":
		if len(pos) != 1 {
			return usageErr("kitei risk import FILE")
		}
		data, err := os.ReadFile(pos[0])
		if err != nil {
			return err
		}
		res, err := svc.Import(ctx, authz.System, filepath.Base(pos[0]), data)
		if err != nil {
			return err
		}
		if !res.OK() {
			res.Localize(i18n.Ja)
			for _, e := range res.Errors {
				fmt.Fprintf(env.Stderr, "row %d %s %q: %s\n", e.Row, e.Column, e.Value, e.Message)
			}
			return fmt.Errorf("%d rows cannot be imported; nothing was stored", len(res.Errors))
		}
		fmt.Fprintf(env.Stdout, "+%d added, %d updated\n", res.Added, res.Updated)
		return nil
	case "list", "export":
		rs, err := svc.List(ctx, authz.System, risk.Filter{})
		if err != nil {
			return err
		}
		if args[0] == "export" {
			if len(pos) != 1 {
				return usageErr("kitei risk export FILE.xlsx")
			}
			t, err := svc.ExportTable(ctx, authz.System)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if strings.EqualFold(filepath.Ext(pos[0]), ".csv") {
				err = tabular.WriteCSV(&buf, t, tabular.UTF8BOM)
			} else {
				err = tabular.WriteXLSX(&buf, t)
			}
			if err != nil {
				return err
			}
			return os.WriteFile(pos[0], buf.Bytes(), 0o644)
		}
		if *asJSON {
			return printJSON(env, rs)
		}
		for _, r := range rs {
			fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%d→%d\t%s\n", r.Code, r.UnitCode, r.Title, r.Value, r.RValue, r.Acceptance)
		}
		return nil
	case "jobs":
		clock, err := dayClock(*on)
		if err != nil {
			return err
		}
		svc.SetClock(clock)
		host, _ := os.Hostname()
		n, err := svc.Remind(ctx, fmt.Sprintf("%s:%d:cli", host, os.Getpid()), time.Minute)
		if err != nil {
			return err
		}
		synced, err := svc.SyncAll(ctx)
		if err != nil {
			return err
		}
		return printJSON(env, map[string]int{"reminded": n, "acceptances": synced})
	}
	return usageErr("unknown risk command %q (list, export, jobs)", args[0])
}

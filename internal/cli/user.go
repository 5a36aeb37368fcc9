package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"kitei/internal/auth"
)

// bootstrapAdmin creates the first administrator on an empty store and
// prints its one-time password once, on stdout only (never to the log).
func bootstrapAdmin(ctx context.Context, env *Env, svc *auth.Service) error {
	pw, created, err := svc.Bootstrap(ctx)
	if err != nil || !created {
		return err
	}
	fmt.Fprintf(env.Stdout, "初期管理者 %s のワンタイムパスワード: %s\n", auth.FirstAdminLogin, pw)
	fmt.Fprintln(env.Stdout, "（この表示は一度だけです。最初のログインでパスワードの変更と2段階認証の設定を求められます。）")
	return nil
}

func runUser(ctx context.Context, env *Env, args []string) error {
	sub := map[string]func(context.Context, *Env, []string) error{
		"create":         userCreate,
		"disable":        userDisable,
		"enable":         userEnable,
		"reset-password": userResetPassword,
		"list":           userList,
		"token":          userToken,
		"reset-totp":     userResetTOTP,
	}
	if len(args) == 0 {
		return usageErr("kitei user create|disable|enable|reset-password|list|token …")
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown user command %q (create, disable, enable, reset-password, list, token)", args[0])
	}
	return f(ctx, env, args[1:])
}

// withAuth opens the store and runs fn with the sign-in service.
func withAuth(ctx context.Context, dsn string, fn func(*auth.Service) error) error {
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(authService(db))
}

func printOneTime(w io.Writer, login, pw string) {
	fmt.Fprintf(w, "%s のワンタイムパスワード: %s\n", login, pw)
	fmt.Fprintln(w, "（この表示は一度だけです。最初のログインで変更を求められます。）")
}

func userCreate(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "user create")
	dsn := dbFlag(fs, env)
	person := fs.String("person", "", "employee number of the person the account belongs to")
	name := fs.String("name", "", "display name for an account without a person")
	admin := fs.Bool("admin", false, "make the account a kitei administrator")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("kitei user create LOGIN [--person EMPLOYEE_NO] [--name NAME] [--admin]")
	}
	return withAuth(ctx, *dsn, func(svc *auth.Service) error {
		nu := auth.NewUser{Login: pos[0], Name: *name, IsAdmin: *admin}
		if *person != "" {
			id, err := svc.PersonByEmployeeNo(ctx, *person)
			if err != nil {
				return err
			}
			nu.PersonID = id
		}
		u, pw, err := svc.CreateUser(ctx, nu)
		if err != nil {
			return err
		}
		printOneTime(env.Stdout, u.Login, pw)
		return nil
	})
}

// userByLoginArg parses "kitei user VERB LOGIN" and runs fn on the account.
func userByLoginArg(ctx context.Context, env *Env, verb string, args []string, fn func(*auth.Service, auth.User) error) error {
	fs := flags(env, "user "+verb)
	dsn := dbFlag(fs, env)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("kitei user %s LOGIN", verb)
	}
	return withAuth(ctx, *dsn, func(svc *auth.Service) error {
		u, err := svc.UserByLogin(ctx, pos[0])
		if err != nil {
			return err
		}
		return fn(svc, u)
	})
}

func userDisable(ctx context.Context, env *Env, args []string) error {
	return userByLoginArg(ctx, env, "disable", args, func(svc *auth.Service, u auth.User) error {
		if err := svc.Disable(ctx, u.ID, "cli"); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s を無効にしました。\n", u.Login)
		return nil
	})
}

func userEnable(ctx context.Context, env *Env, args []string) error {
	return userByLoginArg(ctx, env, "enable", args, func(svc *auth.Service, u auth.User) error {
		if err := svc.Enable(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s を有効にしました。\n", u.Login)
		return nil
	})
}

func userResetPassword(ctx context.Context, env *Env, args []string) error {
	return userByLoginArg(ctx, env, "reset-password", args, func(svc *auth.Service, u auth.User) error {
		pw, err := svc.ResetPassword(ctx, u.ID)
		if err != nil {
			return err
		}
		printOneTime(env.Stdout, u.Login, pw)
		return nil
	})
}

// userJSON is the JSON shape of `kitei user list --json`.
type userJSON struct {
	ID                 int64   `json:"id"`
	Login              string  `json:"login"`
	Name               string  `json:"name"`
	EmployeeNo         string  `json:"employee_no,omitempty"`
	Admin              bool    `json:"admin"`
	Disabled           bool    `json:"disabled"`
	Locked             bool    `json:"locked"`
	MustChangePassword bool    `json:"must_change_password"`
	TOTP               bool    `json:"totp"`
	LastLoginAt        *string `json:"last_login_at"`
}

func userList(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "user list")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return withAuth(ctx, *dsn, func(svc *auth.Service) error {
		users, err := svc.Users(ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		out := make([]userJSON, 0, len(users))
		for _, u := range users {
			j := userJSON{ID: u.ID, Login: u.Login, Name: u.Name, EmployeeNo: u.EmployeeNo, Admin: u.IsAdmin,
				Disabled: u.Disabled(), Locked: u.Locked(now), MustChangePassword: u.MustChangePassword, TOTP: u.TOTPEnabled}
			if !u.LastLoginAt.IsZero() {
				s := u.LastLoginAt.UTC().Format(time.RFC3339)
				j.LastLoginAt = &s
			}
			out = append(out, j)
		}
		if *asJSON {
			return writeJSON(env.Stdout, out)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLOGIN\tNAME\tSTATE\tLAST LOGIN")
		for _, u := range out {
			state := "active"
			switch {
			case u.Disabled:
				state = "disabled"
			case u.Locked:
				state = "locked"
			case u.MustChangePassword:
				state = "must change password"
			}
			if u.Admin {
				state += ", admin"
			}
			last := "-"
			if u.LastLoginAt != nil {
				last = *u.LastLoginAt
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Login, u.Name, state, last)
		}
		return tw.Flush()
	})
}

// envBool reads a yes/no environment setting ("1", "true", "yes").
func envBool(env *Env, name string) bool {
	switch strings.ToLower(strings.TrimSpace(env.Getenv(name))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

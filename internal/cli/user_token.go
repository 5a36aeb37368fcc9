package cli

import (
	"context"
	"fmt"

	"kitei/internal/auth"
)

// userToken prints a new API token for an account, so scripts need not go
// through the web sign-in and TOTP first. Only the token's hash is kept; it
// is printed once, alone on stdout, so `TOKEN=$(kitei user token …)` works.
func userToken(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "user token")
	dsn := dbFlag(fs, env)
	name := fs.String("name", "", "what the token is for (shown in the account's token list)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *name == "" {
		return usageErr("kitei user token LOGIN --name NAME")
	}
	return withAuth(ctx, *dsn, func(svc *auth.Service) error {
		u, err := svc.UserByLogin(ctx, pos[0])
		if err != nil {
			return err
		}
		if u.Disabled() {
			return fmt.Errorf("account %s is disabled", u.Login)
		}
		token, _, err := svc.CreateToken(ctx, u.ID, *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, token)
		return nil
	})
}

// userResetTOTP removes an account's TOTP (it enrols again at its next
// sign-in) — also the way back in when the secrets key was lost.
func userResetTOTP(ctx context.Context, env *Env, args []string) error {
	return userByLoginArg(ctx, env, "reset-totp", args, func(svc *auth.Service, u auth.User) error {
		if err := svc.ResetTOTP(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s の2段階認証を解除しました。次回ログイン時に再設定が必要です。\n", u.Login)
		return nil
	})
}

package e2e

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

var firstAdmin = regexp.MustCompile(`初期管理者 admin のワンタイムパスワード: (\S+)`)

// signIn signs the browser in as the first administrator, whose one-time
// password serve printed on stdout: it changes the password and enrols
// TOTP, as the pages demand before anything else.
func signIn(t *testing.T, ctx context.Context, base string, stdout *bytes.Buffer) {
	t.Helper()
	m := firstAdmin.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("serve printed no one-time password: %q", stdout.String())
	}
	const pw = "E2e-Kitei-Passw0rd"
	do(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=login]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=login]`), "admin"),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), m[1]),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=current]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=current]`), m[1]),
		chromedp.SetValue(chromedp.CSS(`input[name=new]`), pw),
		chromedp.SetValue(chromedp.CSS(`input[name=confirm]`), pw),
		chromedp.Submit(chromedp.CSS(`input[name=confirm]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/account/totp"] input[name=code]`)),
	)
	secret := eval[string](t, ctx, `document.querySelector("dl.facts dd code").textContent`)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`input[name=code]`), code),
		chromedp.Submit(chromedp.CSS(`input[name=code]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
}

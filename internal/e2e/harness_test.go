package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kitei/internal/cli"
)

// kitei runs one CLI command in-process and fails the test on error.
func kitei(t testing.TB, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := cli.Main(context.Background(), env, args); code != 0 {
		t.Fatalf("kitei %v: exit %d: %s", args, code, errb.String())
	}
	return out.String()
}

// server starts `kitei serve` on a free loopback port and returns its base
// URL and what it printed on stdout; it stops when the test ends.
func server(t testing.TB, dsn string) (string, *bytes.Buffer) {
	t.Helper()
	return serverWith(t, dsn)
}

// serverWith is server with extra flags for `kitei serve`.
func serverWith(t testing.TB, dsn string, extra ...string) (string, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var out, errb bytes.Buffer
	env := &cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
		Ready: func(addr string) { ready <- addr }}
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, env, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--log-level", "warn"}, extra...))
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, errb.String())
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return "http://" + addr, &out
}

// browser returns a chromedp context on Debian's chromium, or skips when
// it is not installed (CI installs it).
func browser(t testing.TB) context.Context {
	t.Helper()
	return browserFor(t, 6*time.Minute) // a whole story on a loaded 2-core machine
}

// browserFor is browser whose context lasts d: the stories of several
// people keep their browsers open across many steps.
func browserFor(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (.ci/run installs it)")
		}
		t.Skip("chromium not installed: apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, d)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

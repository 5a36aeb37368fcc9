package e2e

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"kitei/internal/store/storetest"
)

// buildBinary builds cmd/kitei once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	bin := filepath.Join(t.TempDir(), "kitei")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/kitei")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var listening = regexp.MustCompile(`addr=http://(127\.0\.0\.1:\d+)`)

// TestServeBinary starts the real binary on each engine, checks /healthz and
// the Japanese and English home page, then stops it with SIGTERM.
func TestServeBinary(t *testing.T) {
	bin := buildBinary(t)
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
			cmd.Dir = t.TempDir()
			stderr, _ := cmd.StderrPipe()
			cmd.Stdout = io.Discard
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			addrc := make(chan string, 1)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					if m := listening.FindStringSubmatch(sc.Text()); m != nil {
						addrc <- m[1]
					}
				}
			}()
			var addr string
			select {
			case addr = <-addrc:
			case <-time.After(20 * time.Second):
				t.Fatal("server did not report its address")
			}
			base := "http://" + addr
			if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
				t.Fatalf("healthz = %d %q", code, body)
			}
			// Signed out, the home page leads to the sign-in page with the login banner.
			if code, body := get(t, base+"/"); code != 200 || !strings.Contains(body, `lang="ja"`) || !strings.Contains(body, `action="/login"`) {
				t.Fatalf("home = %d", code)
			}
			if _, body := get(t, base+"/?lang=en"); !strings.Contains(body, `lang="en"`) {
				t.Fatal("English page missing")
			}
			start := time.Now()
			cmd.Process.Signal(syscall.SIGTERM)
			errc := make(chan error, 1)
			go func() { errc <- cmd.Wait() }()
			select {
			case err := <-errc:
				if err != nil {
					t.Fatalf("exit after SIGTERM: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("did not stop within 5 s of SIGTERM")
			}
			t.Logf("%s: stopped %v after SIGTERM", engine, time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestServeRefusesBadStore: one clear line on stderr, non-zero exit, nothing created.
func TestServeRefusesBadStore(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	for _, dsn := range []string{"mysql://x", "postgres://root@127.0.0.1:1/x?sslmode=disable", "sqlite:" + filepath.Join(dir, "nope", "k.db")} {
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("%s: exit 0", dsn)
		}
		if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 {
			t.Errorf("%s: want one line, got %q", dsn, out)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files created: %v", ents)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

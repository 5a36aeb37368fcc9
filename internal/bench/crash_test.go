package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"kitei/internal/store/storetest"
)

// TestKillDuringRush starts the real binary, rushes answers at it, kills it
// with SIGKILL mid-rush, restarts it and checks through its API that every
// answer it acknowledged is there, on every engine.
func TestKillDuringRush(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(t.TempDir(), "kitei")
	build := exec.Command("go", "build", "-o", bin, "./cmd/kitei")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			out, err := exec.Command(bin, "bench", "selfcheck", "--prepare", "--db", dsn, "--people", "1000", "--items", "10").Output()
			if err != nil {
				t.Fatalf("prepare: %v", err)
			}
			var prep struct {
				CampaignID int64   `json:"campaign_id"`
				People     []int64 `json:"people"`
				Items      []int64 `json:"items"`
			}
			if err := json.Unmarshal(out, &prep); err != nil {
				t.Fatal(err)
			}
			people := make([]Person, len(prep.People))
			for i, id := range prep.People {
				people[i] = Person{ID: id}
			}

			base, srv := startBenchServer(t, bin, dsn)
			rush := &Rush{BaseURL: base, CampaignID: prep.CampaignID, People: people, ItemIDs: prep.Items, Clients: 32}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { rush.Run(ctx); close(done) }()
			// Kill once a few hundred saves are acknowledged: mid-rush
			// however fast this machine answers.
			for wait := time.Now(); rush.Acknowledged() < 300 && time.Since(wait) < time.Minute; {
				time.Sleep(5 * time.Millisecond)
			}
			if err := srv.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			srv.Wait()
			time.Sleep(100 * time.Millisecond)
			cancel()
			<-done
			acked := rush.Answered()
			if acked == 0 || acked == len(rush.Acked) {
				t.Fatalf("kill did not land mid-rush: %d of %d acknowledged", acked, len(rush.Acked))
			}

			base, srv = startBenchServer(t, bin, dsn)
			defer func() { srv.Process.Kill(); srv.Wait() }()
			lost := 0
			n := len(prep.Items)
			for pi, p := range people {
				any := false
				for ii := range prep.Items {
					any = any || rush.Acked[pi*n+ii]
				}
				if !any {
					continue
				}
				got := myAnswers(t, base, prep.CampaignID, p.ID)
				for ii, item := range prep.Items {
					if rush.Acked[pi*n+ii] && got[item] != AnswerValue(pi, ii).String() {
						lost++
					}
				}
			}
			t.Logf("%s: %d answers acknowledged before SIGKILL, %d lost", engine, acked, lost)
			if lost != 0 {
				t.Fatalf("%d acknowledged answers lost", lost)
			}
		})
	}
}

func startBenchServer(t *testing.T, bin, dsn string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(bin, "bench", "selfcheck", "--serve", "--db", dsn)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("server did not start: %v", err)
	}
	go io.Copy(io.Discard, stdout)
	return strings.TrimSpace(strings.TrimPrefix(line, "listening ")), cmd
}

func myAnswers(t *testing.T, base string, campaign, person int64) map[int64]string {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/selfcheck/campaigns/%d/my", base, campaign), nil)
	req.Header.Set(PersonHeader, strconv.FormatInt(person, 10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Items []struct {
			ItemID int64 `json:"item_id"`
			Answer *struct {
				Value string `json:"value"`
			} `json:"answer"`
		} `json:"items"`
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("my checklist: %d %s", resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for _, it := range doc.Items {
		if it.Answer != nil {
			out[it.ItemID] = it.Answer.Value
		}
	}
	return out
}

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kitei/internal/app"
	"kitei/internal/approval"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/bench"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// Two `kitei serve` replicas over one PostgreSQL store behind a
// round-robin proxy, as the README's deployment section runs them: a
// person signs in (the form posts land on both replicas), files a request
// that a decider approves through the other replica, the self-inspection
// rush goes through both with nothing acknowledged lost, and the jobs
// both replicas run deliver each notice once.
func TestTwoReplicas(t *testing.T) {
	dsn, ok := storetest.DSNs(t)["postgres"]
	if !ok {
		t.Skip("KITEI_TEST_POSTGRES not set: the replicas share a PostgreSQL store")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer a.Close()
	fx, err := bench.Generate(ctx, db, a.Selfcheck, bench.FixtureOptions{People: 60, Items: 8, PerUnit: 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Approval.EnsureBuiltinTypes(ctx); err != nil {
		t.Fatal(err)
	}
	// Tokens for the rush and for the decider; a sign-in account for the
	// person who files.
	filerAt := 0
	for i, p := range fx.People {
		if fx.Officers[p.UnitID] != p.ID {
			filerAt = i
			break
		}
	}
	tokens := map[int64]string{}
	for i, p := range fx.People {
		login := fmt.Sprintf("rep%03d", i)
		if i == filerAt {
			login = "rep-filer"
		}
		u, once, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: login, PersonID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		if i == filerAt {
			continue // signs in through the form below
		}
		// A token works once the one-time password has been replaced.
		if err := a.Auth.ChangePassword(ctx, u.ID, 0, once, "Token-Holder-Passw0rd"); err != nil {
			t.Fatal(err)
		}
		tok, _, err := a.Auth.CreateToken(ctx, u.ID, "replicas")
		if err != nil {
			t.Fatal(err)
		}
		tokens[p.ID] = tok
	}
	filer := fx.People[filerAt]
	deciderID := fx.Officers[filer.UnitID]
	deciderToken := tokens[deciderID]
	if deciderToken == "" { // the officer is not among the people who answer
		du, once, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: "rep-decider", PersonID: deciderID})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Auth.ChangePassword(ctx, du.ID, 0, once, "Token-Holder-Passw0rd"); err != nil {
			t.Fatal(err)
		}
		if deciderToken, _, err = a.Auth.CreateToken(ctx, du.ID, "replicas"); err != nil {
			t.Fatal(err)
		}
	}
	// A request filed a month ago still waits for its decision: both
	// replicas' jobs see it overdue as soon as they start.
	old := a.Approval
	old.SetClock(func() time.Time { return time.Now().AddDate(0, 0, -30) })
	second := fx.People[(filerAt+1)%len(fx.People)]
	path, grants, _, err := a.Org.Grants(ctx, second.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	stale, err := old.File(ctx, &authz.Principal{PersonID: second.ID, UnitPath: path, Grants: grants}, takeOut("古い持出し申請", -20), true)
	if err != nil {
		t.Fatal(err)
	}
	old.SetClock(time.Now)
	if stale.Status != approval.Submitted {
		t.Fatalf("stale request is %s, want submitted", stale.Status)
	}

	// Two replicas (the first prints the administrator's one-time
	// password; the second finds the store already set up) and the proxy.
	baseA, _ := server(t, dsn)
	baseB, _ := server(t, dsn)
	var hits [2]atomic.Int64
	var turn atomic.Int64
	proxies := [2]*httputil.ReverseProxy{}
	for i, base := range []string{baseA, baseB} {
		u, _ := url.Parse(base)
		proxies[i] = httputil.NewSingleHostReverseProxy(u)
	}
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(turn.Add(1) % 2)
		hits[i].Add(1)
		proxies[i].ServeHTTP(w, r)
	}))
	defer lb.Close()

	// Sign-in through both replicas: the one-time password, the forced
	// change, then the home page.
	pw, err := a.Auth.ResetPassword(ctx, mustUser(t, a, "rep-filer").ID)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	form(t, c, lb.URL+"/login", url.Values{"login": {"rep-filer"}, "password": {pw}}, "/account/password")
	const newPw = "Replica-Passw0rd-2026"
	form(t, c, lb.URL+"/account/password", url.Values{"current": {pw}, "new": {newPw}, "confirm": {newPw}}, "/account")
	for i := 0; i < 4; i++ { // the session answers on both replicas
		if code, body := getBody(t, c, lb.URL+"/"); code != 200 || !strings.Contains(body, "rep-filer") {
			t.Fatalf("home page through the proxy: %d", code)
		}
	}

	// File with the session, decide with the decider's token.
	var filed approval.Request
	apiJSON(t, c, "POST", lb.URL+"/api/v1/requests", "", map[string]any{"type": approval.TypeTakeOut,
		"values": takeOut("説明会資料の持出し", 2).Values, "submit": true}, &filed)
	if filed.ID == 0 || filed.Status != approval.Submitted || filed.DeciderID != deciderID {
		t.Fatalf("filed = %+v (decider want %d)", filed, deciderID)
	}
	var decided approval.Request
	apiJSON(t, http.DefaultClient, "POST", fmt.Sprintf("%s/api/v1/requests/%d/decide", lb.URL, filed.ID), deciderToken,
		map[string]string{"action": "approve"}, &decided)
	var shown struct {
		Request approval.Request `json:"request"`
	}
	apiJSON(t, c, "GET", fmt.Sprintf("%s/api/v1/requests/%d", lb.URL, filed.ID), "", nil, &shown)
	if shown.Request.Status != approval.Approved && shown.Request.Status != approval.InEffect {
		t.Fatalf("after the decision the request is %s", shown.Request.Status)
	}

	// The rush through both replicas.
	rush := &bench.Rush{BaseURL: lb.URL, CampaignID: fx.CampaignID, People: without(fx.People, filerAt), ItemIDs: fx.ItemIDs, Clients: 16, Tokens: tokens}
	rush.Run(ctx)
	if rush.Errors != 0 || rush.Answered() != len(rush.Acked) {
		t.Fatalf("rush: %d errors, %d of %d acknowledged", rush.Errors, rush.Answered(), len(rush.Acked))
	}
	if lost, err := rush.Lost(ctx, db); err != nil || lost != 0 {
		t.Fatalf("lost %d acknowledged answers (%v)", lost, err)
	}
	if hits[0].Load() < 50 || hits[1].Load() < 50 {
		t.Errorf("the proxy did not spread the load: %d / %d", hits[0].Load(), hits[1].Load())
	}

	// Both replicas ran their jobs at start: the decider was reminded of the
	// stale request once and the office told of the overdue list once.
	deadline := time.Now().Add(20 * time.Second)
	for {
		remind := countNotices(t, db, deciderID, "request.remind")
		overdue := countNotices(t, db, fx.ChiefISO, "request.overdue")
		if remind >= 1 && overdue >= 1 {
			time.Sleep(2 * time.Second) // room for a second delivery, which must not come
			if r, o := countNotices(t, db, deciderID, "request.remind"), countNotices(t, db, fx.ChiefISO, "request.overdue"); r != 1 || o != 1 {
				t.Fatalf("jobs delivered %d reminders and %d overdue reports, want 1 each", r, o)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs did not run: %d reminders, %d overdue reports", remind, overdue)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("replica A served %d requests, B %d; %d answers", hits[0].Load(), hits[1].Load(), rush.Answered())
}

func takeOut(title string, inDays int) approval.Input {
	day := time.Now().AddDate(0, 0, inDays).Format("2006-01-02")
	return approval.Input{TypeKey: approval.TypeTakeOut, Values: map[string]string{"title": title, "level": "機密性3",
		"information": "会議資料", "destination": "会場", "starts_on": day, "ends_on": day, "method": "暗号化"}}
}

func mustUser(t *testing.T, a *app.App, login string) auth.User {
	t.Helper()
	u, err := a.Auth.UserByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// form posts a form and checks where it redirects.
func form(t *testing.T, c *http.Client, target string, v url.Values, wantPath string) {
	t.Helper()
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := cc.PostForm(target, v)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != wantPath {
		t.Fatalf("POST %s: %d to %q, want a redirect to %s: %s", target, resp.StatusCode, resp.Header.Get("Location"), wantPath,
			regexp.MustCompile(`<[^>]+>`).ReplaceAllString(string(body), " "))
	}
}

func getBody(t *testing.T, c *http.Client, target string) (int, string) {
	t.Helper()
	resp, err := c.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// apiJSON sends a JSON request (with a bearer token when given) and decodes
// a 2xx answer into out.
func apiJSON(t *testing.T, c *http.Client, method, target, token string, in, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, target, body)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, target, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, target, err, b)
		}
	}
}

func countNotices(t *testing.T, db *store.DB, personID int64, kind string) int {
	t.Helper()
	var n int
	if err := db.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM notices WHERE person_id = $1 AND kind = $2`,
		personID, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func without(ps []bench.Person, i int) []bench.Person {
	return append(append([]bench.Person(nil), ps[:i]...), ps[i+1:]...)
}

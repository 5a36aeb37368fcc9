package training_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kitei/internal/app"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/training"
	"kitei/internal/web"
)

type httpWorld struct {
	t       *testing.T
	a       *app.App
	ts      *httptest.Server
	now     time.Time
	people  map[string]*authz.Principal
	unitA1  org.Unit
	staff   org.Person
	other   org.Person
	course  training.Course
	correct map[int][]int
}

const whoHeader = "X-Test-Principal"

func newHTTPWorld(t *testing.T) *httpWorld {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "k.db"), store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w := &httpWorld{t: t, a: a, now: time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC), people: map[string]*authz.Principal{}}
	a.Training.SetClock(func() time.Time { return w.now })
	srv, err := web.New(a.WebDeps(app.WebOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Org.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	root, _ := a.Org.CreateUnit(ctx, authz.System, org.Unit{Code: "R", Name: "本部"})
	w.unitA1, err = a.Org.CreateUnit(ctx, authz.System, org.Unit{Code: "A1", Name: "総務課", ParentID: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(no string) (org.Person, *authz.Principal) {
		p, err := a.Org.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, UnitID: w.unitA1.ID, Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		return p, &authz.Principal{PersonID: p.ID, Login: no, UnitPath: w.unitA1.Path,
			Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: w.unitA1.Path}}}
	}
	w.staff, w.people["staff"] = mk("S1")
	w.other, w.people["other"] = mk("S2")
	w.people["chief"] = &authz.Principal{Login: "chief", Grants: []authz.Grant{{Role: authz.RoleChiefISO}}}
	inner := srv.Handler()
	w.ts = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if p := w.people[r.Header.Get(whoHeader)]; p != nil {
			r = r.WithContext(authz.WithPrincipal(r.Context(), p))
		}
		inner.ServeHTTP(rw, r)
	}))
	t.Cleanup(w.ts.Close)
	return w
}

func (w *httpWorld) do(who, method, path string, body any) (int, []byte, http.Header) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, w.ts.URL+path, rd)
	req.Header.Set(whoHeader, who)
	req.Header.Set("Content-Type", "application/json")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b, res.Header
}

func (w *httpWorld) publish(c training.Course) training.Course {
	w.t.Helper()
	ctx := context.Background()
	c, err := w.a.Training.CreateCourse(ctx, authz.System, c)
	if err != nil {
		w.t.Fatal(err)
	}
	c, _, err = w.a.Training.Publish(ctx, authz.System, c.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func right(c training.Course) map[string][]int {
	out := map[string][]int{}
	for _, q := range c.Questions {
		for _, ch := range q.Choices {
			if ch.Correct {
				out[strconv.Itoa(q.ID)] = append(out[strconv.Itoa(q.ID)], ch.ID)
			}
		}
	}
	return out
}

// Must show 3 over HTTP: a client that posts the right answer ids is
// refused without the course open, after the period, or for someone else;
// a draft course is nobody's.
func TestAnswersRefusedOverHTTP(t *testing.T) {
	w := newHTTPWorld(t)
	qs := []training.Question{
		{Text: "パスワードは", Choices: []training.Choice{{Text: "共有する"}, {Text: "教えない", Correct: true}}},
		{Text: "不審メールは", Choices: []training.Choice{{Text: "報告する", Correct: true}, {Text: "開く"}}},
	}
	c := w.publish(training.Course{Title: "基本研修", Kind: training.KindELearning, Sections: []training.Section{{Body: "本文"}},
		Questions: qs, OpensOn: "2026-06-01", ClosesOn: "2026-06-30", Audience: training.Audience{All: true}})
	answers := map[string]any{"answers": right(c)}
	base := "/api/v1/training"

	// The course list a taker receives never says which choice is right.
	// Not opened yet: the test does not start.
	if code, b, _ := w.do("staff", "POST", base+"/courses/"+strconv.FormatInt(c.ID, 10)+"/attempts", nil); code != http.StatusConflict {
		t.Fatalf("start without opening: %d %s", code, b)
	}
	if code, _, _ := w.do("staff", "GET", base+"/courses/"+strconv.FormatInt(c.ID, 10), nil); code != 200 {
		t.Fatalf("open: %d", code)
	}
	code, b, _ := w.do("staff", "POST", base+"/courses/"+strconv.FormatInt(c.ID, 10)+"/attempts", nil)
	if code != 200 || strings.Contains(string(b), "correct") {
		t.Fatalf("start: %d %s", code, b)
	}
	var at training.AttemptView
	json.Unmarshal(b, &at)
	path := base + "/attempts/" + strconv.FormatInt(at.ID, 10) + "/answers"
	// Someone else posting the right ids to this attempt.
	if code, b, _ := w.do("other", "POST", path, answers); code != http.StatusNotFound {
		t.Fatalf("other person's attempt: %d %s", code, b)
	}
	if code, _, _ := w.do("other", "GET", base+"/attempts/"+strconv.FormatInt(at.ID, 10), nil); code != http.StatusNotFound {
		t.Fatalf("other person read the attempt: %d", code)
	}
	// Nobody signed in.
	if code, _, _ := w.do("", "POST", path, answers); code != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", code)
	}
	// After the period, even the owner's right answers are refused.
	w.now = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	if code, b, _ := w.do("staff", "POST", path, answers); code != http.StatusConflict || !strings.Contains(string(b), "training.err.closed") {
		t.Fatalf("after the period: %d %s", code, b)
	}
	// Within the period the owner's right answers pass.
	w.now = time.Date(2026, 6, 20, 9, 0, 0, 0, time.UTC)
	code, b, _ = w.do("staff", "POST", path, answers)
	var res training.Result
	json.Unmarshal(b, &res)
	if code != 200 || !res.Passed || res.Score != 100 {
		t.Fatalf("owner's answers: %d %s", code, b)
	}
	// The other person never opened the course: refused to start.
	if code, _, _ := w.do("other", "POST", base+"/courses/"+strconv.FormatInt(c.ID, 10)+"/attempts", nil); code != http.StatusConflict {
		t.Fatalf("other starts without opening: %d", code)
	}
	// A draft course is not there for takers.
	d, err := w.a.Training.CreateCourse(context.Background(), authz.System, training.Course{Title: "下書き", Questions: qs})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := w.do("staff", "GET", base+"/courses/"+strconv.FormatInt(d.ID, 10), nil); code != http.StatusNotFound {
		t.Fatalf("draft opened: %d", code)
	}
	// The page form refuses the same way: someone else's attempt is 404.
	code, _, _ = w.do("other", "POST", "/training/attempts/"+strconv.FormatInt(at.ID, 10), nil)
	if code != http.StatusNotFound {
		t.Fatalf("page post to someone else's attempt: %d", code)
	}
}

// Images are checked when uploaded and served as the picture they are,
// never as HTML.
func TestImageUploadTypeChecked(t *testing.T) {
	w := newHTTPWorld(t)
	c, err := w.a.Training.CreateCourse(context.Background(), authz.System, training.Course{Title: "画像"})
	if err != nil {
		t.Fatal(err)
	}
	upload := func(name string, data []byte) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequest("POST", w.ts.URL+"/training/courses/"+strconv.FormatInt(c.ID, 10)+"/images", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set(whoHeader, "chief")
		cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode, res.Header.Get("Location")
	}
	if code, _ := upload("x.png", []byte("<html><script>alert(1)</script></html>")); code != http.StatusUnprocessableEntity {
		t.Fatalf("HTML as png accepted: %d", code)
	}
	if code, _ := upload("x.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)); code != http.StatusUnprocessableEntity {
		t.Fatalf("SVG accepted: %d", code)
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
		"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
	code, loc := upload("dot.html", png)
	if code != http.StatusSeeOther || !strings.Contains(loc, "image=") {
		t.Fatalf("png upload: %d %q", code, loc)
	}
	id := loc[strings.Index(loc, "image=")+6:]
	if i := strings.IndexByte(id, '&'); i > 0 {
		id = id[:i]
	}
	code, body, h := w.do("staff", "GET", "/training/images/"+id, nil)
	if code != 200 || h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(body, png) {
		t.Fatalf("served image: %d %v", code, h)
	}
}

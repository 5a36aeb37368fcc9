package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"kitei/internal/app"
	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/policy"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// TestAckListsArePaged publishes a document to a unit of 130 people, 60
// of whom acknowledge it, and reads who has and has not acknowledged a
// page at a time: every person once, by employee number, the rates counted
// over everyone.
func TestAckListsArePaged(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := w.a.Policy
		const n, acking = 130, 60
		var people []*authz.Principal
		for i := range n {
			// Employee numbers out of the order of creation.
			no := fmt.Sprintf("Z%04d", (i*37)%n)
			p, err := w.a.Org.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員 " + no, UnitID: w.unitSoumu.ID, Status: "active"})
			if err != nil {
				t.Fatal(err)
			}
			people = append(people, &authz.Principal{PersonID: p.ID, Login: no, Grants: w.staff[0].Grants, UnitPath: w.staff[0].UnitPath})
		}
		d, err := svc.Create(ctx, w.chief, policy.CreateInput{Name: "基本方針", Title: "情報セキュリティ基本方針", Origin: policy.OriginEmpty, Note: "新規"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Apply(ctx, w.chief, d.ID, policy.Edit{Op: "add", Ref: "1", Text: "職員は規程を守る。", Note: "追加"}); err != nil {
			t.Fatal(err)
		}
		v, err := svc.Submit(ctx, w.chief, d.ID, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Decide(ctx, w.ciso, d.ID, v.Number, policy.Decision{Approve: true, Deliberation: "了承", EffectiveOn: svc.Today()}); err != nil {
			t.Fatal(err)
		}
		for _, p := range people[:acking] {
			if err := svc.Acknowledge(ctx, p, d.ID); err != nil {
				t.Fatal(err)
			}
		}
		walk := func(who *authz.Principal, unit int64, list string, limit int) []string {
			t.Helper()
			var nos []string
			pr := paging.Request{Limit: limit}
			for pages := 0; ; pages++ {
				st, err := svc.AckList(ctx, who, d.ID, unit, list, pr)
				if err != nil {
					t.Fatal(err)
				}
				rows, count := st.Missing, st.MissingCount
				if list == policy.ListAcked {
					rows, count = st.Acked, st.AckedCount
				}
				if len(rows) > limit || st.Next != "" && len(rows) != limit || pages > 20 {
					t.Fatalf("page %d: %d rows, next %q", pages, len(rows), st.Next)
				}
				for _, x := range rows {
					nos = append(nos, x.EmployeeNo)
				}
				if st.Next == "" {
					if len(nos) != count {
						t.Fatalf("%s: read %d, counted %d", list, len(nos), count)
					}
					return nos
				}
				if pr.After, err = paging.Parse(st.Next); err != nil {
					t.Fatal(err)
				}
			}
		}
		missing := walk(w.officer, w.unitSoumu.ID, policy.ListMissing, 50)
		acked := walk(w.officer, w.unitSoumu.ID, policy.ListAcked, 50)
		// 総務課 also holds the officer and three staff members.
		if len(missing) != n-acking+4 || len(acked) != acking || !slices.IsSorted(missing) || !slices.IsSorted(acked) {
			t.Fatalf("missing %d, acked %d", len(missing), len(acked))
		}
		all := append(slices.Clone(missing), acked...)
		slices.Sort(all)
		if len(slices.Compact(all)) != n+4 {
			t.Fatal("someone is on both lists or on one twice")
		}
		if got := walk(w.chief, 0, policy.ListMissing, 7); len(got) != n-acking+4+3 { // and 統括, the CISO and 事業部's member
			t.Fatalf("the whole organisation's missing: %d", len(got))
		}
		st, err := svc.Acks(ctx, w.chief, d.ID, 0)
		if err != nil || st.Total.People != n+7 || st.Total.Acked != acking || len(st.Missing) != policy.PageSize || st.MissingNext == "" || st.Next != "" {
			t.Fatalf("first pages: total %+v, %d missing, next %q/%q, %v", st.Total, len(st.Missing), st.MissingNext, st.Next, err)
		}
		if _, err := svc.AckList(ctx, w.chief, d.ID, 0, "everyone", paging.Request{}); !apperr.Is(err, apperr.BadRequest) {
			t.Fatalf("an unknown list: %v", err)
		}
		if db.Dialect != store.SQLite {
			return
		}

		srv, err := web.New(w.a.WebDeps(app.WebOptions{}))
		if err != nil {
			t.Fatal(err)
		}
		h := srv.Handler()
		get := func(path string) *httptest.ResponseRecorder {
			r := httptest.NewRequest("GET", path, nil).WithContext(authz.WithPrincipal(ctx, w.officer))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			return rec
		}
		base := fmt.Sprintf("/policies/%d/acks?unit=%d", d.ID, w.unitSoumu.ID)
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
		item := regexp.MustCompile(`<li>職員 (Z\d+) <span`)
		var shown []string
		path := base
		for pages := 0; path != "" && pages < 10; pages++ {
			rec := get(path)
			body := rec.Body.String()
			if rec.Code != 200 {
				t.Fatalf("%s: %d", path, rec.Code)
			}
			list := body[strings.Index(body, `id="pol-missing"`):]
			if i := strings.Index(list, `id="pol-acked"`); i >= 0 {
				list = list[:i] // the first page shows both lists
			}
			for _, m := range item.FindAllStringSubmatch(list, -1) {
				shown = append(shown, m[1])
			}
			path = ""
			if m := next.FindStringSubmatch(body); m != nil {
				path, _, _ = strings.Cut(html.UnescapeString(m[1]), "#")
				if !strings.Contains(path, "list=missing") || !strings.Contains(path, fmt.Sprintf("unit=%d", w.unitSoumu.ID)) {
					t.Fatalf("next link %s", path)
				}
			}
		}
		var want []string
		for _, no := range missing {
			if strings.HasPrefix(no, "Z") {
				want = append(want, no)
			}
		}
		if !slices.Equal(shown, want) {
			t.Fatalf("the pages show %d missing, want %d", len(shown), len(want))
		}
		for _, q := range []string{"&list=x", "&list=missing&after=%21", "&list=acked&limit=0"} {
			if rec := get(base + q); rec.Code != http.StatusBadRequest {
				t.Errorf("%s: %d", q, rec.Code)
			}
		}
		var api []string
		for path := fmt.Sprintf("/api/v1/policies/%d/acks?list=acked&limit=25", d.ID); path != ""; {
			rec := get(path)
			var st policy.AckStatus
			if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || rec.Code != 200 || st.Next != rec.Header().Get("X-Next-Cursor") || len(st.Missing) != 0 {
				t.Fatalf("%s: %d %v", path, rec.Code, err)
			}
			for _, x := range st.Acked {
				api = append(api, x.EmployeeNo)
			}
			path = ""
			if link := rec.Header().Get("Link"); link != "" {
				path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			}
		}
		if !slices.Equal(api, acked) {
			t.Fatalf("api acked %v, want %v", api, acked)
		}
	})
}

package incident_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/incident"
	"kitei/internal/paging"
	"kitei/internal/paging/pagingtest"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// TestIncidentListsArePaged files 120 reports, closes half of them with
// lessons learned, and reads the ledger, one's own reports and the lessons
// page by page: every row once, in the whole list's order, with the
// ledger's figures over the whole list.
func TestIncidentListsArePaged(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		svc := w.a.Incident
		reporter, csirt := w.principal(t, w.reporter), w.principal(t, w.csirt)
		const n = 120
		for i := range n {
			if _, err := svc.File(ctx, reporter, incident.Input{Title: fmt.Sprintf("不審なメール %d", i), What: "添付ファイルを開いた。",
				Personal: incident.PersonalNo}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.W.ExecContext(ctx, `UPDATE incidents SET status = 'closed', lessons = '添付を開く前に確認する' WHERE id % 2 = 0`); err != nil {
			t.Fatal(err)
		}
		id := func(x incident.Incident) string { return fmt.Sprint(x.ID) }
		all, err := svc.List(ctx, csirt, incident.Filter{Level: -2})
		if err != nil || len(all) != n {
			t.Fatalf("ledger: %d, %v", len(all), err)
		}
		var want []string
		for _, x := range all {
			want = append(want, id(x))
		}
		got := pagingtest.Walk(t, 50, func(pr paging.Request) (incident.Page[incident.Incident], error) {
			return svc.ListPage(ctx, csirt, incident.Filter{Level: -2}, pr)
		}, id)
		if !slices.Equal(got, want) {
			t.Fatalf("ledger pages %v, want %v", got, want)
		}
		closed := pagingtest.Walk(t, 7, func(pr paging.Request) (incident.Page[incident.Incident], error) {
			return svc.ListPage(ctx, csirt, incident.Filter{Level: -2, Open: "closed"}, pr)
		}, id)
		if len(closed) != n/2 {
			t.Fatalf("closed: %d", len(closed))
		}
		st, err := svc.LedgerStats(ctx, csirt, incident.Filter{Level: -2})
		if err != nil || st.Count != n || st.Open != n/2 {
			t.Fatalf("stats = %+v, %v", st, err)
		}
		lp, lst, err := svc.LedgerPage(ctx, csirt, incident.Filter{Level: -2, Open: "closed"}, paging.Request{Limit: 7})
		if err != nil || lst.Count != n/2 || lst.Open != 0 || lp.Total != n/2 || len(lp.Rows) != 7 || lp.Next == "" || id(lp.Rows[0]) != closed[0] {
			t.Fatalf("ledger page %d rows of %d, next %q, stats %+v, %v", len(lp.Rows), lp.Total, lp.Next, lst, err)
		}
		if _, _, err := svc.LedgerPage(ctx, reporter, incident.Filter{Level: -2}, paging.Request{}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a reporter's ledger page: %v", err)
		}
		mine := pagingtest.Walk(t, 50, func(pr paging.Request) (incident.Page[incident.StatusView], error) {
			return svc.MinePage(ctx, reporter, pr)
		}, func(v incident.StatusView) string { return fmt.Sprint(v.ID) })
		if !slices.Equal(mine, want) {
			t.Fatalf("mine %v", mine)
		}
		lessons := pagingtest.Walk(t, 50, func(pr paging.Request) (incident.Page[incident.Lesson], error) {
			return svc.LessonsPage(ctx, reporter, pr)
		}, func(l incident.Lesson) string { return l.Lessons })
		if len(lessons) != n/2 {
			t.Fatalf("lessons: %d", len(lessons))
		}
		if _, err := svc.ListPage(ctx, reporter, incident.Filter{Level: -2}, paging.Request{}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a reporter's ledger: %v", err)
		}
		if _, err := svc.ListPage(ctx, csirt, incident.Filter{Level: -2}, paging.Request{After: paging.Cursor{Key: "x", ID: 9}}); !apperr.Is(err, apperr.BadRequest) {
			t.Fatalf("another list's cursor: %v", err)
		}
		if db.Dialect != store.SQLite {
			return
		}

		// The pages: 50 rows, the filters in the next link; the API: the
		// next cursor in the body and the headers.
		ts := w.server(t)
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
		row := regexp.MustCompile(`<tr><td class="num"><a href="/incidents/(\d+)">`)
		var seen []string
		for path := "/incidents/ledger?state=closed"; path != ""; {
			code, body := get(t, ts, w.csirt.EmployeeNo, path)
			if code != 200 {
				t.Fatalf("%s: %d", path, code)
			}
			for _, m := range row.FindAllStringSubmatch(body, -1) {
				seen = append(seen, m[1])
			}
			path = ""
			if m := next.FindStringSubmatch(body); m != nil {
				path, _, _ = strings.Cut(html.UnescapeString(m[1]), "#")
				if !strings.Contains(path, "state=closed") || len(seen)%incident.PageSize != 0 {
					t.Fatalf("next %s after %d rows", path, len(seen))
				}
			}
		}
		if !slices.Equal(seen, closed) {
			t.Fatalf("ledger pages show %v, want %v", seen, closed)
		}
		if code, _ := get(t, ts, w.csirt.EmployeeNo, "/incidents/ledger?after=%21"); code != http.StatusBadRequest {
			t.Fatalf("a bad cursor: %d", code)
		}
		_, body := get(t, ts, w.reporter.EmployeeNo, "/incidents/lessons")
		if strings.Count(body, `class="card inc-lesson"`) != incident.PageSize || !next.MatchString(body) {
			t.Fatal("the lessons' first page")
		}
		_, body = get(t, ts, w.csirt.EmployeeNo, "/incidents")
		if !strings.Contains(body, `href="/incidents/ledger?state=open"`) {
			t.Fatal("the index does not lead to the rest of the open incidents")
		}
		var api []string
		for path := "/api/v1/incidents?limit=50"; path != ""; {
			req, _ := http.NewRequest("GET", ts.URL+path, nil)
			req.Header.Set("X-Test-Person", w.csirt.EmployeeNo)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var led incident.LedgerAnswer
			err = json.NewDecoder(resp.Body).Decode(&led)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || led.Stats.Count != n || led.Next != resp.Header.Get("X-Next-Cursor") {
				t.Fatalf("%s: %d %v, count %d, next %q", path, resp.StatusCode, err, led.Stats.Count, led.Next)
			}
			for _, x := range led.Incidents {
				api = append(api, id(x))
			}
			path = ""
			if led.Next != "" {
				path = "/api/v1/incidents?limit=50&after=" + led.Next
			}
		}
		if !slices.Equal(api, want) {
			t.Fatalf("api pages %v", api)
		}
		for _, q := range []string{"after=%21", "limit=0", "limit=5000"} {
			if code, _ := get(t, ts, w.csirt.EmployeeNo, "/api/v1/incidents?"+q); code != http.StatusBadRequest {
				t.Errorf("?%s: %d", q, code)
			}
		}
	})
}

// TestOwnTasksArePaged: a person's tasks on incidents grow with the year;
// /incidents shows them 50 a page (?tasks_after=, beside the reports'
// pager), unanswered first and newest first within each, every task once.
func TestOwnTasksArePaged(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		svc := w.a.Incident
		reporter, csirt := w.principal(t, w.reporter), w.principal(t, w.csirt)
		const n = 70
		for i := range n {
			x, err := svc.File(ctx, csirt, incident.Input{Title: fmt.Sprintf("不審なメール %d", i), What: "添付ファイルを開いた。", Personal: incident.PersonalNo})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.W.ExecContext(ctx, `UPDATE incidents SET status = 'handling' WHERE id = $1`, x.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.AssignTask(ctx, csirt, x.ID, w.reporter.ID, incident.TaskCheckSame, "同じメールが届いていないか確認する"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.W.ExecContext(ctx, `UPDATE incident_tasks SET answer = '確認済み', answered_at = '2026-06-01T00:00:00Z' WHERE id % 3 = 0`); err != nil {
			t.Fatal(err)
		}
		read := func(pr paging.Request) (incident.Page[incident.Task], error) {
			wk, err := svc.MyWork(ctx, reporter, pr)
			return incident.Page[incident.Task]{Rows: wk.Tasks, Next: wk.TasksNext, Total: wk.TasksTotal}, err
		}
		key := func(x incident.Task) string { return fmt.Sprintf("%d/%v", x.ID, x.AnsweredAt.IsZero()) }
		all := pagingtest.Walk(t, paging.Max, read, key)
		if len(all) != n {
			t.Fatalf("%d tasks", len(all))
		}
		if _, err := svc.MyWork(ctx, reporter, paging.Request{After: paging.Cursor{Key: "x", ID: 5}}); !apperr.Is(err, apperr.BadRequest) {
			t.Fatalf("a cursor whose key is not the task order's: %v", err)
		}
		answered := false
		var last int64 = 1 << 62
		for _, k := range all {
			var id int64
			var open bool
			fmt.Sscanf(strings.Replace(k, "/", " ", 1), "%d %t", &id, &open)
			if open && answered { // an open task after an answered one
				t.Fatalf("order %v", all)
			}
			if !open && !answered {
				answered, last = true, 1<<62
			}
			if id >= last {
				t.Fatalf("not newest first: %v", all)
			}
			last = id
		}
		for _, limit := range []int{50, 7} {
			if got := pagingtest.Walk(t, limit, read, key); !slices.Equal(got, all) {
				t.Fatalf("limit %d: %v\nwant %v", limit, got, all)
			}
		}
		if db.Dialect != store.SQLite {
			return
		}
		ts := w.server(t)
		next := regexp.MustCompile(`<a href="([^"]*tasks_after=[^"]*)" rel="next">`)
		row := regexp.MustCompile(`<tr><td><a href="/incidents/(\d+)">#\d+ [^<]*</a></td><td>`)
		pages, rows := 0, 0
		for path := "/incidents"; path != ""; pages++ {
			code, body := get(t, ts, w.reporter.EmployeeNo, path)
			if code != 200 || pages > 5 {
				t.Fatalf("%s: %d", path, code)
			}
			_, tasks, _ := strings.Cut(body, `id="mytasks"`)
			tasks, _, _ = strings.Cut(tasks, `</section>`)
			rows += len(row.FindAllString(tasks, -1))
			path = ""
			if m := next.FindStringSubmatch(body); m != nil {
				path, _, _ = strings.Cut(html.UnescapeString(m[1]), "#")
			}
		}
		if pages != 2 || rows != n {
			t.Fatalf("/incidents shows %d tasks on %d pages", rows, pages)
		}
		if code, _ := get(t, ts, w.reporter.EmployeeNo, "/incidents?tasks_after=%21"); code != http.StatusBadRequest {
			t.Fatalf("a bad cursor: %d", code)
		}
	})
}

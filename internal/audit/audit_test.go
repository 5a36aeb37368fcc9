package audit

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// memStore is an in-memory Store for testing the chain logic.
type memStore struct {
	events []Event
	head   Head
	noHead bool
}

func newMem() *memStore { return &memStore{head: Head{Hash: Genesis}} }

func (m *memStore) Append(ctx context.Context, ev *Event) error {
	if err := ev.Prepare(ctx, time.Now()); err != nil {
		return err
	}
	m.head = ev.Seal(m.head)
	m.events = append(m.events, *ev)
	return nil
}

func (m *memStore) List(ctx context.Context, f Filter) ([]Event, error) { return nil, nil }
func (m *memStore) Count(ctx context.Context, f Filter) (int64, error) {
	return int64(len(m.events)), nil
}

func (m *memStore) Iterate(ctx context.Context, fn func(Event) error) (Head, error) {
	if m.noHead {
		return Head{}, ErrNoHead
	}
	evs := append([]Event(nil), m.events...)
	sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	for _, e := range evs {
		if err := fn(e); err != nil {
			return m.head, err
		}
	}
	return m.head, nil
}

func filled(t *testing.T, n int) *memStore {
	t.Helper()
	m := newMem()
	ctx := WithActor(context.Background(), Actor{ID: 7, Login: "tanaka", IP: "192.0.2.1"})
	for i := 1; i <= n; i++ {
		ev := Event{Action: ActionCatalogImport, ObjectType: "catalog", ObjectID: fmt.Sprint(i),
			Detail: Details(map[string]any{"name": "統一基準", "n": i})}
		if err := m.Append(ctx, &ev); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestEncodingIsStable(t *testing.T) {
	e := Event{Seq: 3, At: time.Date(2026, 4, 1, 9, 0, 0, 123456789, time.FixedZone("JST", 9*3600)),
		Actor: "tanaka", ActorID: 7, Action: "auth.login", ObjectType: "user", ObjectID: "7", UnitID: 2,
		IP: "192.0.2.1", Detail: `{"a":"日本"}`, PrevHash: Genesis}
	want := "kitei-audit-v1\nseq=1:3\nat=27:2026-04-01T00:00:00.123456Z\nactor=6:tanaka\nactor_id=1:7\n" +
		"action=10:auth.login\nobject_type=4:user\nobject_id=1:7\nunit_id=1:2\nip=9:192.0.2.1\n" +
		"detail=14:{\"a\":\"日本\"}\nprev_hash=64:" + Genesis + "\n"
	if got := string(e.Encode()); got != want {
		t.Fatalf("encoding changed:\n got %q\nwant %q", got, want)
	}
	// The hash is part of the stored record: changing it breaks every trail.
	// Computed independently (Python hashlib over the string above).
	if got := e.ComputeHash(); got != "d8230305192bb605175b121f3049ade2091ff3f4d6b3a79136bb6e95a55fd5ee" {
		t.Fatalf("hash changed: %s", got)
	}
	f := e
	f.Actor, f.ActorID = "tanaka\nactor_id=1:7", 0
	if f.ComputeHash() == e.ComputeHash() {
		t.Fatal("different fields gave the same hash")
	}
}

func TestPrepareDefaults(t *testing.T) {
	var e Event
	e.Action = "user.create"
	now := time.Date(2026, 1, 2, 3, 4, 5, 6789, time.Local)
	if err := e.Prepare(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	if e.Actor != SystemActor || e.Detail != "{}" || e.At.Location() != time.UTC || e.At.Nanosecond() != 6000 {
		t.Fatalf("defaults not applied: %+v", e)
	}
	ctx := WithActor(context.Background(), Actor{ID: 3, Login: "sato", IP: "10.0.0.1"})
	e = Event{Action: "x.y", Detail: "{ \"k\" : 1 }"}
	if err := e.Prepare(ctx, now); err != nil {
		t.Fatal(err)
	}
	if e.Actor != "sato" || e.ActorID != 3 || e.IP != "10.0.0.1" || e.Detail != `{"k":1}` {
		t.Fatalf("actor or detail wrong: %+v", e)
	}
	for _, bad := range []Event{{}, {Action: "a", Detail: "[1]"}, {Action: "a", Detail: "{"}} {
		if err := bad.Prepare(ctx, now); err == nil {
			t.Errorf("Prepare accepted %+v", bad)
		}
	}
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, m *memStore, ok bool, seq int64, p Problem) Result {
		t.Helper()
		res, err := Verify(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if res.OK != ok || res.Seq != seq || res.Problem != p {
			t.Fatalf("got %v (ok=%v seq=%d problem=%q), want ok=%v seq=%d problem=%q", res, res.OK, res.Seq, res.Problem, ok, seq, p)
		}
		return res
	}
	t.Run("intact", func(t *testing.T) {
		res := check(t, filled(t, 10), true, 0, "")
		if res.Entries != 10 || res.Head.Seq != 10 {
			t.Fatalf("%+v", res)
		}
		check(t, newMem(), true, 0, "")
	})
	t.Run("edited", func(t *testing.T) {
		m := filled(t, 10)
		m.events[3].Detail = `{"name":"改ざん"}`
		check(t, m, false, 4, Edited)
	})
	t.Run("rehashed", func(t *testing.T) {
		m := filled(t, 10)
		m.events[3].Actor = "someone"
		m.events[3].Hash = m.events[3].ComputeHash()
		check(t, m, false, 5, Relinked)
	})
	t.Run("deleted middle", func(t *testing.T) {
		m := filled(t, 10)
		m.events = append(m.events[:4], m.events[6:]...)
		res := check(t, m, false, 5, Deleted)
		if res.LastMissing != 6 {
			t.Fatalf("missing range %d–%d", res.Seq, res.LastMissing)
		}
	})
	t.Run("deleted first", func(t *testing.T) {
		m := filled(t, 3)
		m.events = m.events[1:]
		check(t, m, false, 1, Deleted)
	})
	t.Run("deleted last", func(t *testing.T) {
		m := filled(t, 10)
		m.events = m.events[:9]
		check(t, m, false, 10, Truncated)
	})
	t.Run("all deleted", func(t *testing.T) {
		m := filled(t, 3)
		m.events = nil
		check(t, m, false, 1, Truncated)
	})
	t.Run("swapped", func(t *testing.T) {
		m := filled(t, 10)
		m.events[2].Seq, m.events[4].Seq = 5, 3
		res := check(t, m, false, 3, Reordered)
		if res.WrittenAs != 5 {
			t.Fatalf("written as %d, want 5", res.WrittenAs)
		}
	})
	t.Run("appended outside", func(t *testing.T) {
		m := filled(t, 3)
		head := m.head
		extra := Event{Action: "x.y", Actor: "x", Detail: "{}"}
		extra.Seal(head)
		m.events = append(m.events, extra)
		check(t, m, false, 4, Unrecorded)
	})
	t.Run("last replaced", func(t *testing.T) {
		m := filled(t, 3)
		last := &m.events[2]
		last.Actor = "other"
		last.Hash = last.ComputeHash()
		check(t, m, false, 3, HeadMismatch)
	})
	t.Run("no head", func(t *testing.T) {
		m := filled(t, 3)
		m.noHead = true
		check(t, m, false, 0, NoHead)
	})
}

func TestRecorderUsesContextActor(t *testing.T) {
	m := newMem()
	r := &Recorder{Store: m, Now: func() time.Time { return time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) }}
	ctx := WithActor(context.Background(), Actor{ID: 9, Login: "suzuki", IP: "198.51.100.4"})
	if err := r.Record(ctx, Event{Action: ActionLoginFailed}); err != nil {
		t.Fatal(err)
	}
	e := m.events[0]
	if e.Actor != "suzuki" || e.IP != "198.51.100.4" || e.Seq != 1 || e.PrevHash != Genesis || e.At.Month() != 5 {
		t.Fatalf("%+v", e)
	}
	if ActorFrom(context.Background()).Login != SystemActor {
		t.Fatal("default actor is not system")
	}
}

func TestCSV(t *testing.T) {
	m := filled(t, 2)
	m.events[1].Actor = "=HYPERLINK(\"x\")"
	var buf bytes.Buffer
	w, err := NewCSVWriter(&buf, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.events {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\uFEFFseq,at,actor,") {
		t.Fatalf("no BOM or header: %q", out[:20])
	}
	if !strings.Contains(out, `"'=HYPERLINK(""x"")"`) || !strings.Contains(out, "統一基準") {
		t.Fatalf("csv:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Fatalf("%d lines", n)
	}
}

func TestMarshalJSONKeepsDetailAsObject(t *testing.T) {
	m := filled(t, 1)
	b, err := m.events[0].MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"detail":{"n":1,"name":"統一基準"}`) {
		t.Fatalf("%s", b)
	}
}

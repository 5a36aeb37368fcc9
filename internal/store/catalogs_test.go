package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// lineParser turns "REF|PARENT|TEXT" lines into nodes, so these tests
// exercise the service and the store without depending on a real importer.
func lineParser(data []byte) (*catalog.Parsed, error) {
	if strings.HasPrefix(string(data), "FAIL") {
		return nil, errors.New("cannot parse")
	}
	p := &catalog.Parsed{Format: "test", Style: "lines", Encoding: "utf-8"}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.SplitN(l, "|", 3)
		if len(f) != 3 {
			continue
		}
		p.Nodes = append(p.Nodes, catalog.Node{Ref: f[0], Parent: f[1], Kind: catalog.KindItem, Text: f[2],
			Requirement: strings.HasSuffix(f[2], "こと。"), Subject: subjectOf(f[2])})
	}
	return p, nil
}

func subjectOf(s string) string {
	if i := strings.Index(s, "は、"); i > 0 {
		return s[:i]
	}
	return ""
}

func newService(db *store.DB) *catalog.Service {
	return catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": lineParser})
}

const doc1 = "1||総則\n1(1)|1|統括情報セキュリティ責任者は、例外措置の手続を定めること。\n1(2)|1|ＣＳＩＲＴを置くこと。\n"

func TestCatalogImportEditionsAndDuplicates(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(db)
		r1, err := svc.Import(ctx, catalog.ImportRequest{SourceName: "/x/規程.txt", Data: []byte(doc1)})
		if err != nil {
			t.Fatal(err)
		}
		if r1.Catalog.Name != "規程" || r1.Edition.Number != 1 || r1.Edition.Nodes != 3 || r1.Edition.Requirements != 2 {
			t.Fatalf("first import: %+v", r1)
		}
		// Same content again: detected, nothing new.
		r2, err := svc.Import(ctx, catalog.ImportRequest{SourceName: "other.txt", Name: "別名", Data: []byte(doc1)})
		if err != nil {
			t.Fatal(err)
		}
		if !r2.Duplicate || r2.Edition.ID != r1.Edition.ID {
			t.Fatalf("duplicate not detected: %+v", r2)
		}
		cats, _ := svc.List(ctx)
		if len(cats) != 1 {
			t.Fatalf("catalogs after duplicate = %d", len(cats))
		}
		// Changed content under the same name: a second edition.
		doc2 := doc1 + "1(3)|1|情報システムセキュリティ責任者は、台帳を整備すること。\n"
		r3, err := svc.Import(ctx, catalog.ImportRequest{SourceName: "規程.txt", Name: "規程", Data: []byte(doc2)})
		if err != nil {
			t.Fatal(err)
		}
		if r3.Duplicate || r3.Catalog.ID != r1.Catalog.ID || r3.Edition.Number != 2 {
			t.Fatalf("new edition: %+v", r3)
		}
		c, err := svc.Get(ctx, r1.Catalog.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Latest.Number != 2 || c.Latest.Requirements != 3 {
			t.Fatalf("latest = %+v", c.Latest)
		}
		eds, err := svc.Editions(ctx, c.ID)
		if err != nil || len(eds) != 2 || eds[0].Number != 2 {
			t.Fatalf("editions = %+v, %v", eds, err)
		}
		nodes, err := svc.Nodes(ctx, eds[1].ID)
		if err != nil || len(nodes) != 3 {
			t.Fatalf("old edition nodes = %d, %v", len(nodes), err)
		}
		n, err := svc.Node(ctx, c.Latest.ID, "1(1)")
		if err != nil || n.Subject != "統括情報セキュリティ責任者" || n.Parent != "1" {
			t.Fatalf("node = %+v, %v", n, err)
		}
		kids, _ := svc.Children(ctx, c.Latest.ID, "1")
		if len(kids) != 3 {
			t.Fatalf("children = %d", len(kids))
		}
		anc, _ := svc.Ancestors(ctx, c.Latest.ID, "1(3)")
		if len(anc) != 1 || anc[0].Ref != "1" {
			t.Fatalf("ancestors = %+v", anc)
		}
		if _, err := svc.Get(ctx, 999); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown id: %v", err)
		}
	})
}

func TestCatalogSearch(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(db)
		if _, err := svc.Import(ctx, catalog.ImportRequest{SourceName: "a.txt", Data: []byte(doc1)}); err != nil {
			t.Fatal(err)
		}
		res, err := svc.Search(ctx, catalog.SearchQuery{Text: "例外措置"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || res.Hits[0].Node.Ref != "1(1)" {
			t.Fatalf("search 例外措置: %+v", res)
		}
		var marked string
		for _, s := range res.Hits[0].Text {
			if s.Match {
				marked += s.Text
			}
		}
		if marked != "例外措置" {
			t.Fatalf("highlighted %q", marked)
		}
		// Half-width query finds full-width text, and the highlight covers the original characters.
		res, _ = svc.Search(ctx, catalog.SearchQuery{Text: "csirt"})
		if res.Total != 1 || res.Hits[0].Text[0].Text != "ＣＳＩＲＴ" || !res.Hits[0].Text[0].Match {
			t.Fatalf("width-folded search: %+v", res)
		}
		// Every word must appear.
		if res, _ = svc.Search(ctx, catalog.SearchQuery{Text: "例外措置 ＣＳＩＲＴ"}); res.Total != 0 {
			t.Fatalf("AND search found %d", res.Total)
		}
		if res, _ = svc.Search(ctx, catalog.SearchQuery{Text: "こと", Subject: "統括情報セキュリティ責任者"}); res.Total != 1 {
			t.Fatalf("subject filter found %d", res.Total)
		}
		subs, _ := svc.Subjects(ctx)
		if len(subs) != 1 || subs[0] != "統括情報セキュリティ責任者" {
			t.Fatalf("subjects = %v", subs)
		}
	})
}

func TestCatalogImportRejectsBadInputAndChangesNothing(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(db)
		bad := []catalog.ImportRequest{
			{SourceName: "empty.txt", Data: nil},
			{SourceName: "fail.txt", Data: []byte("FAIL")},
			{SourceName: "nothing.txt", Data: []byte("no nodes here")},
			{SourceName: "dup.txt", Data: []byte("1||a\n1||b\n")},
			{SourceName: "orphan.txt", Data: []byte("1(1)|1|a\n")},
			{SourceName: "x.txt", Format: "nosuch", Data: []byte("1||a\n")},
			{SourceName: "big.txt", Data: make([]byte, catalog.MaxImportSize+1)},
		}
		for _, req := range bad {
			_, err := svc.Import(ctx, req)
			if err == nil {
				t.Errorf("%s: accepted", req.SourceName)
				continue
			}
			if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.TooLarge {
				t.Errorf("%s: code %s (%v)", req.SourceName, c, err)
			}
		}
		cats, err := svc.List(ctx)
		if err != nil || len(cats) != 0 {
			t.Fatalf("store changed by bad imports: %d catalogs, %v", len(cats), err)
		}
		var n int
		db.R.QueryRow("SELECT COUNT(*) FROM nodes").Scan(&n)
		if n != 0 {
			t.Fatalf("%d nodes left behind", n)
		}
	})
}

package policy

import (
	"context"
	"fmt"

	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/catalog"
)

// matrix builds, as the System actor, a document derived from a small
// parent catalog, published, with a revision task opened by a second
// edition of the parent; every guarded route points at it. The
// acknowledgment status is unit-scoped: it names unit A1 (own) or B
// (foreign).
func (s *Service) matrix(ctx context.Context, f *capability.MatrixFixture) (map[string]capability.Target, error) {
	const parentName = "matrix-policy-parent"
	imp := func(text string) (catalog.ImportResult, error) {
		return s.catalogs.Import(ctx, catalog.ImportRequest{Name: parentName, SourceName: "parent.txt", Format: "jptext", Data: []byte(text)})
	}
	res, err := imp("第1部 規程\n1 管理\n(1) 管理体制\n(a) 統括情報セキュリティ責任者は、規程を定めること。\n(b) 職員は、規程を遵守すること。\n")
	if err != nil {
		return nil, err
	}
	nodes, err := s.catalogs.Nodes(ctx, res.Edition.ID)
	if err != nil {
		return nil, err
	}
	secs := Sections(nodes)
	if len(secs) == 0 {
		return nil, fmt.Errorf("policy matrix: no section in the parent")
	}
	d, err := s.Create(ctx, authz.System, CreateInput{Name: "matrix-policy", Title: "情報セキュリティ対策基準", Origin: OriginDerived,
		Catalog: res.Catalog.ID, Sections: []string{secs[0].Ref}, Note: "matrix"})
	if err != nil {
		return nil, err
	}
	if _, err := s.Submit(ctx, authz.System, d.ID, 0, "matrix"); err != nil {
		return nil, err
	}
	if _, err := s.Decide(ctx, authz.System, d.ID, 1, Decision{Approve: true, Deliberation: "委員会で審議", EffectiveOn: s.Today()}); err != nil {
		return nil, err
	}
	if _, err := imp("第1部 規程\n1 管理\n(1) 管理体制\n(a) 統括情報セキュリティ責任者は、規程を定め、毎年見直すこと。\n(b) 職員は、規程を遵守すること。\n"); err != nil {
		return nil, err
	}
	if d, err = s.store.Doc(ctx, d.ID); err != nil {
		return nil, err
	}
	if _, err := s.checkParent(ctx, d); err != nil {
		return nil, err
	}
	tasks, err := s.store.Tasks(ctx, d.ID)
	if err != nil || len(tasks) == 0 {
		return nil, fmt.Errorf("policy matrix: no revision task (%v)", err)
	}
	p := func(format string, args ...any) capability.Target {
		return capability.Fixed(fmt.Sprintf(format, args...))
	}
	id := d.ID
	acks := func(prefix string) capability.Target {
		return capability.OwnForeign(f, fmt.Sprintf("%s/policies/%d/acks?unit=%d", prefix, id, f.UnitA1.ID),
			fmt.Sprintf("%s/policies/%d/acks?unit=%d", prefix, id, f.UnitB.ID))
	}
	return map[string]capability.Target{
		"GET /policies":                                    p("/policies"),
		"GET /policies/new":                                p("/policies/new?origin=derived&catalog=%d", res.Catalog.ID),
		"POST /policies":                                   p("/policies"),
		"GET /policies/mine":                               p("/policies/mine"),
		"GET /policies/{id}":                               p("/policies/%d", id),
		"GET /policies/{id}/edit":                          p("/policies/%d/edit?ref=%s", id, secs[0].Ref),
		"POST /policies/{id}/edit":                         p("/policies/%d/edit", id),
		"POST /policies/{id}/submit":                       p("/policies/%d/submit", id),
		"POST /policies/{id}/revise":                       p("/policies/%d/revise", id),
		"GET /policies/{id}/diff":                          p("/policies/%d/diff?old=parent&new=1", id),
		"GET /policies/{id}/diff.xlsx":                     p("/policies/%d/diff.xlsx?old=parent&new=1", id),
		"GET /policies/{id}/versions/{n}":                  p("/policies/%d/versions/1", id),
		"POST /policies/{id}/versions/{n}/comments":        p("/policies/%d/versions/1/comments", id),
		"POST /policies/{id}/versions/{n}/decide":          p("/policies/%d/versions/1/decide", id),
		"GET /policies/{id}/export":                        p("/policies/%d/export?format=json&version=1", id),
		"POST /policies/{id}/tasks/{task}/close":           p("/policies/%d/tasks/%d/close", id, tasks[0].ID),
		"GET /policies/{id}/read":                          p("/policies/%d/read", id),
		"POST /policies/{id}/ack":                          p("/policies/%d/ack", id),
		"GET /policies/{id}/acks":                          acks(""),
		"GET /api/v1/policies":                             p("/api/v1/policies"),
		"POST /api/v1/policies":                            p("/api/v1/policies"),
		"GET /api/v1/policies/{id}":                        p("/api/v1/policies/%d", id),
		"POST /api/v1/policies/{id}/edits":                 p("/api/v1/policies/%d/edits", id),
		"POST /api/v1/policies/{id}/submit":                p("/api/v1/policies/%d/submit", id),
		"GET /api/v1/policies/{id}/diff":                   p("/api/v1/policies/%d/diff?old=parent&new=1", id),
		"GET /api/v1/policies/{id}/versions/{n}":           p("/api/v1/policies/%d/versions/1", id),
		"POST /api/v1/policies/{id}/versions/{n}/comments": p("/api/v1/policies/%d/versions/1/comments", id),
		"POST /api/v1/policies/{id}/versions/{n}/decide":   p("/api/v1/policies/%d/versions/1/decide", id),
		"POST /api/v1/policies/{id}/ack":                   p("/api/v1/policies/%d/ack", id),
		"GET /api/v1/policies/{id}/acks":                   acks("/api/v1"),
	}, nil
}

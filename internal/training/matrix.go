package training

import (
	"context"
	"fmt"

	"kitei/internal/authz"
	"kitei/internal/capability"
)

// onePixelPNG is a valid 1×1 PNG for the matrix's image route.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

// matrix builds courses, attempts and plans on the fixture: an open course
// for everyone with attempts of the principals' own person (A1) and of the
// person of unit B, a course only unit B takes, a draft, a classroom
// course and a drill, and two plans.
func (w *Web) matrix(ctx context.Context, f *capability.MatrixFixture) (map[string]capability.Target, error) {
	s := w.svc
	sys := authz.System
	today := s.today()
	opens, closes := s.now().AddDate(0, 0, -1).Format(DateLayout), s.now().AddDate(0, 0, 30).Format(DateLayout)
	q := []Question{{Text: "パスワードを他人に教えてよいか", Choices: []Choice{{Text: "よい"}, {Text: "教えてはならない", Correct: true}}}}
	mk := func(c Course, publish bool) (Course, error) {
		c.OpensOn, c.ClosesOn = opens, closes
		c, err := s.CreateCourse(ctx, sys, c)
		if err != nil || !publish {
			return c, err
		}
		c, _, err = s.Publish(ctx, sys, c.ID)
		return c, err
	}
	all, err := mk(Course{Title: "情報セキュリティ研修", Kind: KindELearning, Sections: []Section{{Heading: "基本", Body: "- 施錠"}},
		Questions: q, Audience: Audience{All: true}}, true)
	if err != nil {
		return nil, err
	}
	onlyB, err := mk(Course{Title: "事業部研修", Kind: KindELearning, Sections: []Section{{Body: "B"}}, Questions: q,
		Audience: Audience{Units: []int64{f.UnitB.ID}}}, true)
	if err != nil {
		return nil, err
	}
	draft, err := mk(Course{Title: "下書き", Kind: KindELearning}, false)
	if err != nil {
		return nil, err
	}
	classroom, err := mk(Course{Title: "集合研修", Kind: KindClassroom, Audience: Audience{All: true}}, true)
	if err != nil {
		return nil, err
	}
	drill, err := mk(Course{Title: "標的型メール訓練", Kind: KindDrill, Audience: Audience{All: true}}, true)
	if err != nil {
		return nil, err
	}
	img, err := s.AddImage(ctx, sys, draft.ID, "dot.png", onePixelPNG)
	if err != nil {
		return nil, err
	}
	own := f.Principal(authz.RoleStaff)
	other := &authz.Principal{PersonID: f.PersonB, Login: "matrix-b", UnitPath: f.UnitB.Path,
		Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: f.UnitB.Path}}}
	attempt := func(p *authz.Principal) (int64, error) {
		if _, err := s.OpenCourse(ctx, p, all.ID); err != nil {
			return 0, err
		}
		v, err := s.StartAttempt(ctx, p, all.ID)
		return v.ID, err
	}
	ownAttempt, err := attempt(own)
	if err != nil {
		return nil, err
	}
	otherAttempt, err := attempt(other)
	if err != nil {
		return nil, err
	}
	ownAsg, err := s.store.Current(ctx, all.ID, f.PersonA1)
	if err != nil {
		return nil, err
	}
	otherAsg, err := s.store.Current(ctx, all.ID, f.PersonB)
	if err != nil {
		return nil, err
	}
	year := FiscalYear(today)
	draftPlan, err := s.CreatePlan(ctx, sys, Plan{FiscalYear: year, Title: "教育実施計画"})
	if err != nil {
		return nil, err
	}
	sent, err := s.CreatePlan(ctx, sys, Plan{FiscalYear: year, Title: "教育実施計画（承認待ち）"})
	if err != nil {
		return nil, err
	}
	if _, err := s.SubmitPlan(ctx, sys, sent.ID, ""); err != nil {
		return nil, err
	}

	fixed := capability.Fixed
	// Taking is one's own: the principals' person is PersonA1; the
	// foreign case is PersonB's course or attempt, refused to everyone.
	mine := func(ownPath, otherPath string) capability.Target {
		return capability.Target{
			Path: func(o bool) (string, string) {
				if o {
					return ownPath, ""
				}
				return otherPath, ""
			},
			Want: func(p *authz.Principal, o bool) bool { return o && p.Can(Take) },
		}
	}
	course := func(format string) capability.Target {
		return mine(fmt.Sprintf(format, all.ID), fmt.Sprintf(format, onlyB.ID))
	}
	att := func(format string) capability.Target {
		return mine(fmt.Sprintf(format, ownAttempt), fmt.Sprintf(format, otherAttempt))
	}
	remind := func(base string) capability.Target {
		return capability.OwnForeign(f, fmt.Sprintf("%s?course=%d&unit=%d", base, all.ID, f.UnitA1.ID),
			fmt.Sprintf("%s?course=%d&unit=%d", base, all.ID, f.UnitB.ID))
	}
	id := func(format string, v int64) capability.Target { return fixed(fmt.Sprintf(format, v)) }
	return map[string]capability.Target{
		"GET /training":                          fixed("/training"),
		"GET /training/courses/{id}":             course("/training/courses/%d"),
		"POST /training/courses/{id}/attempts":   course("/training/courses/%d/attempts"),
		"GET /training/attempts/{id}":            att("/training/attempts/%d"),
		"POST /training/attempts/{id}":           att("/training/attempts/%d"),
		"GET /training/images/{id}":              id("/training/images/%d", img.ID),
		"GET /training/admin":                    fixed("/training/admin"),
		"POST /training/plans":                   fixed("/training/plans"),
		"GET /training/plans/{id}":               id("/training/plans/%d", draftPlan.ID),
		"POST /training/plans/{id}/submit":       id("/training/plans/%d/submit", draftPlan.ID),
		"POST /training/plans/{id}/decide":       id("/training/plans/%d/decide", sent.ID),
		"POST /training/courses":                 fixed("/training/courses"),
		"GET /training/courses/{id}/edit":        id("/training/courses/%d/edit", draft.ID),
		"POST /training/courses/{id}/edit":       id("/training/courses/%d/edit", draft.ID),
		"POST /training/courses/{id}/images":     id("/training/courses/%d/images", draft.ID),
		"POST /training/courses/{id}/publish":    id("/training/courses/%d/publish", draft.ID),
		"POST /training/courses/{id}/drill":      id("/training/courses/%d/drill", drill.ID),
		"POST /training/assignments/{id}/decide": id("/training/assignments/%d/decide", ownAsg.ID),
		"POST /training/employment":              fixed("/training/employment"),
		"GET /training/follow":                   fixed("/training/follow"),
		"POST /training/follow/remind":           remind("/training/follow/remind"),
		"POST /training/assignments/{id}/excuse": capability.OwnForeign(f, fmt.Sprintf("/training/assignments/%d/excuse", ownAsg.ID), fmt.Sprintf("/training/assignments/%d/excuse", otherAsg.ID)),
		"POST /training/courses/{id}/attendance": id("/training/courses/%d/attendance", classroom.ID),
		"GET /training/results":                  fixed("/training/results"),
		"GET /training/results.xlsx":             fixed("/training/results.xlsx"),
		"GET /training/report":                   fixed("/training/report"),

		"GET /api/v1/training/my":                          fixed("/api/v1/training/my"),
		"GET /api/v1/training/courses/{id}":                course("/api/v1/training/courses/%d"),
		"POST /api/v1/training/courses/{id}/attempts":      course("/api/v1/training/courses/%d/attempts"),
		"GET /api/v1/training/attempts/{id}":               att("/api/v1/training/attempts/%d"),
		"POST /api/v1/training/attempts/{id}/answers":      att("/api/v1/training/attempts/%d/answers"),
		"GET /api/v1/training/admin/courses":               fixed("/api/v1/training/admin/courses"),
		"POST /api/v1/training/admin/courses":              fixed("/api/v1/training/admin/courses"),
		"GET /api/v1/training/admin/courses/{id}":          id("/api/v1/training/admin/courses/%d", draft.ID),
		"PUT /api/v1/training/admin/courses/{id}":          id("/api/v1/training/admin/courses/%d", draft.ID),
		"POST /api/v1/training/admin/courses/{id}/publish": id("/api/v1/training/admin/courses/%d/publish", draft.ID),
		"GET /api/v1/training/plans":                       fixed("/api/v1/training/plans"),
		"POST /api/v1/training/plans":                      fixed("/api/v1/training/plans"),
		"POST /api/v1/training/plans/{id}/submit":          id("/api/v1/training/plans/%d/submit", draftPlan.ID),
		"POST /api/v1/training/plans/{id}/decide":          id("/api/v1/training/plans/%d/decide", sent.ID),
		"GET /api/v1/training/follow":                      fixed("/api/v1/training/follow"),
		"POST /api/v1/training/follow/remind":              remind("/api/v1/training/follow/remind"),
		"GET /api/v1/training/results":                     fixed("/api/v1/training/results"),
	}, nil
}

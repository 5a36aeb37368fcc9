package training

import (
	"context"
	"html/template"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/org"
)

// Units is what the service needs of the organisation.
type Units interface {
	Unit(ctx context.Context, id int64) (org.Unit, error)
	UnitByCode(ctx context.Context, code string) (org.Unit, error)
}

// Service is the training capability. Every method takes the actor and
// checks permission and unit scope itself.
type Service struct {
	store  Store
	units  Units
	now    func() time.Time
	Mailer notify.Mailer
	Logf   func(msg string, args ...any)
	// RemindDays is how many days before the due date the automatic
	// reminder goes out (default 7).
	RemindDays int

	mu       sync.Mutex
	assigned map[int64]string // course → last day its audience was assigned by the jobs
}

// NewService returns the service over st.
func NewService(st Store, units Units) *Service {
	return &Service{store: st, units: units, now: time.Now, RemindDays: 7}
}

// SetClock injects the clock (tests, jobs).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

func (s *Service) today() string { return s.now().Format(DateLayout) }

// FiscalYear is the Japanese fiscal year (April–March) of day.
func FiscalYear(day string) int {
	t, err := time.Parse(DateLayout, day)
	if err != nil {
		return 0
	}
	if t.Month() < time.April {
		return t.Year() - 1
	}
	return t.Year()
}

// AddMonths is day plus n months (YYYY-MM-DD).
func AddMonths(day string, n int) string {
	t, err := time.Parse(DateLayout, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, n, 0).Format(DateLayout)
}

func msg(key string, args ...any) string { return i18n.T(i18n.Ja, key, args...) }

func (s *Service) mail(ctx context.Context, ns []Notice) {
	if s.Mailer == nil {
		return
	}
	for _, n := range ns {
		if n.Email == "" {
			continue
		}
		if err := s.Mailer.Send(ctx, n.Email, n.Subject, n.Message); err != nil && s.Logf != nil {
			s.Logf("training: mail failed", "to", n.Email, "err", err)
		}
	}
}

// ---- plans

// CreatePlan stores a draft plan.
func (s *Service) CreatePlan(ctx context.Context, p *authz.Principal, pl Plan) (Plan, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return pl, err
	}
	pl.Title = strings.TrimSpace(pl.Title)
	if pl.Title == "" || tooLong(pl.Title, 200) || tooLong(pl.Body, 50000) {
		return pl, invalid("training.err.title")
	}
	if pl.FiscalYear < 2000 || pl.FiscalYear > 2100 {
		return pl, invalid("training.err.fiscal_year")
	}
	now := s.now()
	pl.Status, pl.CreatedBy, pl.CreatedAt, pl.UpdatedAt = PlanDraft, p.PersonID, now, now
	return s.store.CreatePlan(ctx, pl, PlanEvent{Action: "create", ActorID: p.PersonID, At: now})
}

// SubmitPlan sends a draft (or returned) plan to the CISO.
func (s *Service) SubmitPlan(ctx context.Context, p *authz.Principal, id int64, comment string) (Plan, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return Plan{}, err
	}
	pl, err := s.store.Plan(ctx, id)
	if err != nil {
		return pl, err
	}
	now := s.now()
	holders, err := s.store.RoleHolders(ctx, authz.RoleCISO, s.today())
	if err != nil {
		return pl, err
	}
	var ns []Notice
	for _, h := range holders {
		ns = append(ns, Notice{PersonID: h.PersonID, Email: h.Email, Kind: "training.plan_submitted",
			Ref: "training_plan:" + strconv.FormatInt(id, 10), Subject: msg("training.mail.plan_subject"),
			Message: msg("training.notice.plan_submitted", pl.FiscalYear, pl.Title), CreatedAt: now})
	}
	out, err := s.store.MovePlan(ctx, id, []string{PlanDraft, PlanReturned}, PlanSubmitted,
		PlanEvent{Action: "submit", ActorID: p.PersonID, Comment: strings.TrimSpace(comment), At: now}, ns)
	if err == nil {
		s.mail(ctx, ns)
	}
	return out, err
}

// DecidePlan approves or returns a submitted plan (CISO).
func (s *Service) DecidePlan(ctx context.Context, p *authz.Principal, id int64, approve bool, comment string) (Plan, error) {
	if err := authz.RequireIn(p, Approve, ""); err != nil {
		return Plan{}, err
	}
	pl, err := s.store.Plan(ctx, id)
	if err != nil {
		return pl, err
	}
	comment = strings.TrimSpace(comment)
	to, action := PlanApproved, "approve"
	if !approve {
		to, action = PlanReturned, "return"
		if comment == "" {
			return pl, invalid("training.err.comment")
		}
	}
	now := s.now()
	var ns []Notice
	if pl.CreatedBy > 0 {
		ns = append(ns, Notice{PersonID: pl.CreatedBy, Kind: "training.plan_" + action,
			Ref: "training_plan:" + strconv.FormatInt(id, 10), Message: msg("training.notice.plan_"+action, pl.FiscalYear, pl.Title),
			CreatedAt: now})
	}
	return s.store.MovePlan(ctx, id, []string{PlanSubmitted}, to, PlanEvent{Action: action, ActorID: p.PersonID, Comment: comment, At: now}, ns)
}

// Plans lists every plan.
func (s *Service) Plans(ctx context.Context, p *authz.Principal) ([]Plan, error) {
	if err := authz.RequireIn(p, Report, ""); err != nil {
		return nil, err
	}
	return s.store.Plans(ctx)
}

// Plan is one plan with its history.
func (s *Service) Plan(ctx context.Context, p *authz.Principal, id int64) (Plan, []PlanEvent, error) {
	if err := authz.RequireIn(p, Report, ""); err != nil {
		return Plan{}, nil, err
	}
	pl, err := s.store.Plan(ctx, id)
	if err != nil {
		return pl, nil, err
	}
	evs, err := s.store.PlanEvents(ctx, id)
	return pl, evs, err
}

// ---- courses

// CreateCourse stores a draft course.
func (s *Service) CreateCourse(ctx context.Context, p *authz.Principal, c Course) (Course, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	if c.PlanID > 0 {
		if _, err := s.store.Plan(ctx, c.PlanID); err != nil {
			return c, err
		}
	}
	now := s.now()
	c.Status, c.CreatedAt, c.UpdatedAt = CourseDraft, now, now
	return s.store.CreateCourse(ctx, c, p.PersonID)
}

// SaveCourse changes a course. Once published its test is fixed (people
// may have taken it); the text, period and audience may still change.
func (s *Service) SaveCourse(ctx context.Context, p *authz.Principal, c Course) (Course, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return c, err
	}
	old, err := s.store.Course(ctx, c.ID)
	if err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	if old.Status != CourseDraft && !sameTest(old, c) {
		return c, apperr.E(apperr.Conflict, "training.err.test_fixed")
	}
	c.UpdatedAt = s.now()
	return s.store.SaveCourse(ctx, c, p.PersonID)
}

func sameTest(a, b Course) bool {
	if len(a.Questions) != len(b.Questions) || a.PassMark != b.PassMark {
		return false
	}
	for i := range a.Questions {
		qa, qb := a.Questions[i], b.Questions[i]
		if qa.ID != qb.ID || qa.Multiple != qb.Multiple || len(qa.Choices) != len(qb.Choices) {
			return false
		}
		for j := range qa.Choices {
			if qa.Choices[j].ID != qb.Choices[j].ID || qa.Choices[j].Correct != qb.Choices[j].Correct {
				return false
			}
		}
	}
	return true
}

// Course is a course with its answers (for the editor).
func (s *Service) Course(ctx context.Context, p *authz.Principal, id int64) (Course, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return Course{}, err
	}
	return s.store.Course(ctx, id)
}

// Courses lists every course (the office).
func (s *Service) Courses(ctx context.Context, p *authz.Principal) ([]Course, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return nil, err
	}
	return s.store.Courses(ctx)
}

// PublishedCourses lists the courses that have been published (for
// following and results, which everyone with Follow or Report may see).
func (s *Service) PublishedCourses(ctx context.Context, p *authz.Principal) ([]Course, error) {
	if !p.Can(Follow) && !p.Can(Report) {
		return nil, authz.Require(p, Follow)
	}
	all, err := s.store.Courses(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if c.Status != CourseDraft {
			out = append(out, c)
		}
	}
	return out, nil
}

// Publish opens a draft course and assigns it to its audience as the
// organisation stands today, due on the last day of the period.
func (s *Service) Publish(ctx context.Context, p *authz.Principal, id int64) (Course, int, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return Course{}, 0, err
	}
	c, err := s.store.Course(ctx, id)
	if err != nil {
		return c, 0, err
	}
	if c.Kind == KindELearning && len(c.Questions) == 0 && len(c.Sections) == 0 {
		return c, 0, invalid("training.err.empty_course")
	}
	if c, err = s.store.PublishCourse(ctx, id, p.PersonID, s.now()); err != nil {
		return c, 0, err
	}
	n, err := s.assign(ctx, c)
	return c, n, err
}

func (s *Service) assign(ctx context.Context, c Course) (int, error) {
	if c.Audience.Empty() {
		return 0, nil
	}
	return s.store.Assign(ctx, c, s.today(), c.ClosesOn, s.now())
}

// AddImage stores a picture for a course after checking what it is.
func (s *Service) AddImage(ctx context.Context, p *authz.Principal, courseID int64, name string, data []byte) (Image, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return Image{}, err
	}
	if _, err := s.store.Course(ctx, courseID); err != nil {
		return Image{}, err
	}
	if len(data) == 0 || len(data) > MaxImageSize {
		return Image{}, invalid("training.err.image_size", MaxImageSize>>20)
	}
	ct, ok := SniffImage(data)
	if !ok {
		return Image{}, invalid("training.err.image_type")
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return s.store.AddImage(ctx, Image{CourseID: courseID, Name: name, ContentType: ct, Data: data, CreatedAt: s.now()}, p.PersonID)
}

// Image is a course picture (anyone who takes training may see one).
func (s *Service) Image(ctx context.Context, p *authz.Principal, id int64) (Image, error) {
	if err := authz.Require(p, Take); err != nil {
		return Image{}, err
	}
	return s.store.Image(ctx, id)
}

// ---- taking a course

// My lists the actor's own assignments.
func (s *Service) My(ctx context.Context, p *authz.Principal) ([]Assignment, error) {
	if err := authz.Require(p, Take); err != nil {
		return nil, err
	}
	if p.PersonID == 0 {
		return nil, nil
	}
	return s.store.Assignments(ctx, AssignmentFilter{PersonID: p.PersonID, Scope: authz.Everywhere})
}

// PublicQuestion is a question as a person taking the test sees it: no
// correctness, choices in the order of the attempt.
type PublicQuestion struct {
	ID       int            `json:"id"`
	Text     string         `json:"text"`
	Multiple bool           `json:"multiple"`
	Choices  []PublicChoice `json:"choices"`
}

// PublicChoice is a choice without its correctness.
type PublicChoice struct {
	ID   int    `json:"id"`
	Text string `json:"text"`
}

// RenderedSection is a section with its safe HTML.
type RenderedSection struct {
	Heading string        `json:"heading"`
	HTML    template.HTML `json:"html"`
}

// CourseView is what a person taking a course reads.
type CourseView struct {
	ID          int64             `json:"id"`
	Title       string            `json:"title"`
	Kind        string            `json:"kind"`
	Summary     string            `json:"summary"`
	Sections    []RenderedSection `json:"sections"`
	Questions   int               `json:"questions"`
	PassMark    int               `json:"pass_mark"`
	MaxAttempts int               `json:"max_attempts"`
	OpensOn     string            `json:"opens_on"`
	ClosesOn    string            `json:"closes_on"`
	Open        bool              `json:"open"`
	Assignment  Assignment        `json:"assignment"`
	OpenAttempt int64             `json:"open_attempt,omitempty"`
}

// own is the actor's assignment of a published course; anything else is
// NotFound (a course one does not have to take names nothing).
func (s *Service) own(ctx context.Context, p *authz.Principal, courseID int64) (Course, Assignment, error) {
	if err := authz.Require(p, Take); err != nil {
		return Course{}, Assignment{}, err
	}
	if p.PersonID == 0 {
		return Course{}, Assignment{}, notFoundCourse(courseID)
	}
	c, err := s.store.Course(ctx, courseID)
	if err != nil {
		return c, Assignment{}, err
	}
	if c.Status == CourseDraft {
		return c, Assignment{}, notFoundCourse(courseID)
	}
	a, err := s.store.Current(ctx, courseID, p.PersonID)
	if err != nil {
		return c, a, notFoundCourse(courseID)
	}
	return c, a, nil
}

func notFoundCourse(id int64) error { return apperr.E(apperr.NotFound, "training.err.no_course", id) }

// OpenCourse shows the actor their course and records that they opened
// it (the test can be started only after that).
func (s *Service) OpenCourse(ctx context.Context, p *authz.Principal, courseID int64) (CourseView, error) {
	c, a, err := s.own(ctx, p, courseID)
	if err != nil {
		return CourseView{}, err
	}
	open := c.OpenOn(s.today())
	if open && a.OpenedAt.IsZero() {
		if err := s.store.MarkOpened(ctx, a.ID, s.now()); err != nil {
			return CourseView{}, err
		}
		a.OpenedAt = s.now()
	}
	v := CourseView{ID: c.ID, Title: c.Title, Kind: c.Kind, Summary: c.Summary, Questions: len(c.Questions), PassMark: c.PassMark,
		MaxAttempts: c.MaxAttempts, OpensOn: c.OpensOn, ClosesOn: c.ClosesOn, Open: open, Assignment: a}
	for _, sec := range c.Sections {
		v.Sections = append(v.Sections, RenderedSection{Heading: sec.Heading, HTML: RenderMarkdown(sec.Body)})
	}
	if at, ok, err := s.store.OpenAttempt(ctx, a.ID); err != nil {
		return v, err
	} else if ok {
		v.OpenAttempt = at.ID
	}
	return v, nil
}

// AttemptView is an attempt as its person sees it.
type AttemptView struct {
	ID          int64            `json:"id"`
	CourseID    int64            `json:"course_id"`
	CourseTitle string           `json:"course_title"`
	PassMark    int              `json:"pass_mark"`
	Questions   []PublicQuestion `json:"questions"`
	Submitted   bool             `json:"submitted"`
	Score       int              `json:"score"`
	Passed      bool             `json:"passed"`
}

// StartAttempt begins a test for the actor: only their own assignment,
// only while the course is open, only after they opened it, only while
// retries remain. An attempt already under way is returned instead.
func (s *Service) StartAttempt(ctx context.Context, p *authz.Principal, courseID int64) (AttemptView, error) {
	c, a, err := s.own(ctx, p, courseID)
	if err != nil {
		return AttemptView{}, err
	}
	if !c.HasTest() {
		return AttemptView{}, invalid("training.err.no_test")
	}
	if !c.OpenOn(s.today()) {
		return AttemptView{}, apperr.E(apperr.Conflict, "training.err.closed")
	}
	switch a.Status {
	case StatusCompleted:
		return AttemptView{}, apperr.E(apperr.Conflict, "training.err.done")
	case StatusExcused:
		return AttemptView{}, apperr.E(apperr.Conflict, "training.err.excused")
	}
	if a.OpenedAt.IsZero() {
		return AttemptView{}, apperr.E(apperr.Conflict, "training.err.not_opened")
	}
	if at, ok, err := s.store.OpenAttempt(ctx, a.ID); err != nil {
		return AttemptView{}, err
	} else if ok {
		return attemptView(c, at), nil
	}
	if c.MaxAttempts > 0 && a.Attempts >= c.MaxAttempts {
		return AttemptView{}, apperr.E(apperr.Conflict, "training.err.no_retries", c.MaxAttempts)
	}
	at := Attempt{AssignmentID: a.ID, CourseID: c.ID, PersonID: p.PersonID, StartedAt: s.now(), ChoiceOrder: map[int][]int{}}
	for _, i := range rand.Perm(len(c.Questions)) {
		q := c.Questions[i]
		at.Order = append(at.Order, q.ID)
		var ids []int
		for _, j := range rand.Perm(len(q.Choices)) {
			ids = append(ids, q.Choices[j].ID)
		}
		at.ChoiceOrder[q.ID] = ids
	}
	at, err = s.store.StartAttempt(ctx, at)
	if err != nil {
		return AttemptView{}, err
	}
	return attemptView(c, at), nil
}

func attemptView(c Course, at Attempt) AttemptView {
	v := AttemptView{ID: at.ID, CourseID: c.ID, CourseTitle: c.Title, PassMark: c.PassMark, Submitted: !at.SubmittedAt.IsZero(),
		Score: at.Score, Passed: at.Passed}
	byID := map[int]Question{}
	for _, q := range c.Questions {
		byID[q.ID] = q
	}
	for _, qid := range at.Order {
		q, ok := byID[qid]
		if !ok {
			continue
		}
		texts := map[int]string{}
		for _, ch := range q.Choices {
			texts[ch.ID] = ch.Text
		}
		pq := PublicQuestion{ID: q.ID, Text: q.Text, Multiple: q.Multiple}
		for _, cid := range at.ChoiceOrder[qid] {
			pq.Choices = append(pq.Choices, PublicChoice{ID: cid, Text: texts[cid]})
		}
		v.Questions = append(v.Questions, pq)
	}
	return v
}

// ownAttempt is the actor's attempt; someone else's is NotFound.
func (s *Service) ownAttempt(ctx context.Context, p *authz.Principal, id int64) (Attempt, Course, error) {
	if err := authz.Require(p, Take); err != nil {
		return Attempt{}, Course{}, err
	}
	at, err := s.store.Attempt(ctx, id)
	if err != nil {
		return at, Course{}, err
	}
	if p.PersonID == 0 || at.PersonID != p.PersonID {
		return Attempt{}, Course{}, apperr.E(apperr.NotFound, "training.err.no_attempt", id)
	}
	c, err := s.store.Course(ctx, at.CourseID)
	return at, c, err
}

// CheckAttempt fails unless the attempt is the actor's (NotFound for
// someone else's), without reading more.
func (s *Service) CheckAttempt(ctx context.Context, p *authz.Principal, id int64) error {
	if err := authz.Require(p, Take); err != nil {
		return err
	}
	at, err := s.store.Attempt(ctx, id)
	if err != nil {
		return err
	}
	if p.PersonID == 0 || at.PersonID != p.PersonID {
		return apperr.E(apperr.NotFound, "training.err.no_attempt", id)
	}
	return nil
}

// Attempt shows the actor's attempt.
func (s *Service) Attempt(ctx context.Context, p *authz.Principal, id int64) (AttemptView, error) {
	at, c, err := s.ownAttempt(ctx, p, id)
	if err != nil {
		return AttemptView{}, err
	}
	return attemptView(c, at), nil
}

// Result is what submitting a test returns.
type Result struct {
	AttemptID int64  `json:"attempt_id"`
	CourseID  int64  `json:"course_id"`
	Score     int    `json:"score"`
	PassMark  int    `json:"pass_mark"`
	Passed    bool   `json:"passed"`
	Correct   int    `json:"correct"`
	Questions int    `json:"questions"`
	Attempts  int    `json:"attempts"`
	Left      int    `json:"attempts_left"` // -1: unlimited
	Status    string `json:"status"`
}

// Submit checks the actor's answers on the server: only their own attempt,
// not yet submitted, while the course is open. A question counts when the
// chosen set equals the correct set exactly.
func (s *Service) Submit(ctx context.Context, p *authz.Principal, attemptID int64, answers map[int][]int) (Result, error) {
	return s.SubmitFrom(ctx, p, attemptID, func() (map[int][]int, error) { return answers, nil })
}

// SubmitFrom is Submit with the answers read by read, called only once the
// attempt is known to be the actor's (a request body is not even read for
// someone else's attempt).
func (s *Service) SubmitFrom(ctx context.Context, p *authz.Principal, attemptID int64, read func() (map[int][]int, error)) (Result, error) {
	at, c, err := s.ownAttempt(ctx, p, attemptID)
	if err != nil {
		return Result{}, err
	}
	answers, err := read()
	if err != nil {
		return Result{}, err
	}
	if !at.SubmittedAt.IsZero() {
		return Result{}, apperr.E(apperr.Conflict, "training.err.submitted")
	}
	if !c.OpenOn(s.today()) {
		return Result{}, apperr.E(apperr.Conflict, "training.err.closed")
	}
	shown := map[int]bool{}
	for _, id := range at.Order {
		shown[id] = true
	}
	for qid := range answers {
		if !shown[qid] {
			return Result{}, invalid("training.err.answer")
		}
	}
	correct := 0
	clean := map[int][]int{}
	for _, q := range c.Questions {
		if !shown[q.ID] {
			continue
		}
		got := slices.Clone(answers[q.ID])
		slices.Sort(got)
		got = slices.Compact(got)
		if !q.Multiple && len(got) > 1 {
			return Result{}, invalid("training.err.single")
		}
		var want []int
		valid := map[int]bool{}
		for _, ch := range q.Choices {
			valid[ch.ID] = true
			if ch.Correct {
				want = append(want, ch.ID)
			}
		}
		for _, g := range got {
			if !valid[g] {
				return Result{}, invalid("training.err.answer")
			}
		}
		slices.Sort(want)
		if slices.Equal(got, want) {
			correct++
		}
		clean[q.ID] = got
	}
	total := len(at.Order)
	score := 0
	if total > 0 {
		score = correct * 100 / total
	}
	at.Answers, at.Score, at.Passed, at.SubmittedAt = clean, score, score >= c.PassMark, s.now()
	a, err := s.store.SubmitAttempt(ctx, at)
	if err != nil {
		return Result{}, err
	}
	left := -1
	if c.MaxAttempts > 0 {
		left = max(0, c.MaxAttempts-a.Attempts)
	}
	return Result{AttemptID: at.ID, CourseID: c.ID, Score: score, PassMark: c.PassMark, Passed: at.Passed, Correct: correct,
		Questions: total, Attempts: a.Attempts, Left: left, Status: a.Status}, nil
}

package selfcheck

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/catalog"
)

// CatalogReader gives the nodes of a catalog edition (catalog.Service).
type CatalogReader interface {
	Nodes(ctx context.Context, editionID int64) ([]catalog.Node, error)
}

// Service is the self-inspection capability. Methods that show results
// take the actor and limit what they show to FollowScope(actor); the
// routes check the permission (authz.SelfcheckAdmin, SelfcheckFollow,
// SelfcheckAnswer); answering takes the person from the signed-in
// principal, so nobody can answer for someone else.
type Service struct {
	store    Store
	catalogs CatalogReader
	// Now gives the current time (time.Now when nil); the day in the
	// server's time zone decides whether a campaign is open.
	Now func() time.Time
	// Mailer, when set, also sends reminders by e-mail.
	Mailer Mailer

	writer *groupWriter

	mu         sync.RWMutex
	campaigns  map[int64]cachedCampaign     // published or closed campaigns, re-read after campaignTTL
	profiles   map[int64]map[int64]*Profile // campaign → profile id → profile
	checklists map[[2]int64]Checklist       // (campaign, person) → checklist, fixed fields only
}

// MaxBatch is the most answers one group commit holds.
const MaxBatch = 512

// NewService returns the capability over st, reading requirements from cat.
func NewService(st Store, cat CatalogReader) *Service {
	return &Service{store: st, catalogs: cat, writer: newGroupWriter(st, MaxBatch),
		campaigns: map[int64]cachedCampaign{}, profiles: map[int64]map[int64]*Profile{},
		checklists: map[[2]int64]Checklist{}}
}

// Close stops taking answers and waits until the queued ones are committed.
func (s *Service) Close() { s.writer.close() }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Today is the current day in the server's time zone.
func (s *Service) Today() string { return s.now().Format(DateLayout) }

// CreateCampaign stores a new draft campaign.
func (s *Service) CreateCampaign(ctx context.Context, c Campaign) (Campaign, error) {
	c.Status = Draft
	c.PublishedOn = ""
	if err := c.Validate(); err != nil {
		return c, err
	}
	c.CreatedAt = s.now().UTC()
	return s.store.CreateCampaign(ctx, c)
}

// UpdateCampaign changes name, year, dates and reminder days. The dates of
// a published campaign may move (e.g. to extend the deadline).
func (s *Service) UpdateCampaign(ctx context.Context, c Campaign) (Campaign, error) {
	old, err := s.store.Campaign(ctx, c.ID)
	if err != nil {
		return c, err
	}
	c.Status, c.PublishedOn, c.CreatedAt = old.Status, old.PublishedOn, old.CreatedAt
	if err := c.Validate(); err != nil {
		return c, err
	}
	out, err := s.store.UpdateCampaign(ctx, c)
	s.forget(c.ID)
	return out, err
}

// Campaign returns one campaign.
func (s *Service) Campaign(ctx context.Context, id int64) (Campaign, error) {
	return s.store.Campaign(ctx, id)
}

// Campaigns lists every campaign, newest first.
func (s *Service) Campaigns(ctx context.Context) ([]Campaign, error) { return s.store.Campaigns(ctx) }

// Close ends answering for a published campaign.
func (s *Service) CloseCampaign(ctx context.Context, id int64) error {
	c, err := s.store.Campaign(ctx, id)
	if err != nil {
		return err
	}
	if c.Status != Published {
		return apperr.E(apperr.Conflict, "selfcheck.err.published_campaign_closed_one", c.Status)
	}
	err = s.store.SetStatus(ctx, id, Closed)
	s.forget(id)
	return err
}

// ReopenCampaign lets a closed campaign take answers again.
func (s *Service) ReopenCampaign(ctx context.Context, id int64) error {
	c, err := s.store.Campaign(ctx, id)
	if err != nil {
		return err
	}
	if c.Status != Closed {
		return apperr.E(apperr.Conflict, "selfcheck.err.closed_campaign_reopened")
	}
	err = s.store.SetStatus(ctx, id, Published)
	s.forget(id)
	return err
}

func (s *Service) forget(id int64) {
	s.mu.Lock()
	delete(s.campaigns, id)
	s.mu.Unlock()
}

// RoleMapper returns a mapper over the organisation's role catalogue (the
// built-in one while the organisation has none).
func (s *Service) RoleMapper(ctx context.Context) (*RoleMapper, error) {
	names, err := s.store.RoleNames(ctx)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		names = BuiltinRoleNames()
	}
	return NewRoleMapper(names, nil), nil
}

// RoleNames lists the roles an item can be given.
func (s *Service) RoleNames(ctx context.Context) ([]RoleName, error) {
	names, err := s.store.RoleNames(ctx)
	if err == nil && len(names) == 0 {
		names = BuiltinRoleNames()
	}
	return names, err
}

// AddItems adds requirements of an edition to a draft campaign: the nodes
// named by refs (a section or other non-requirement node brings every
// requirement below it), or every requirement when refs is empty. Each
// item's roles are pre-filled from its subject; its section is the
// ancestor at the edition's first level with more than one branch.
func (s *Service) AddItems(ctx context.Context, campaignID, editionID int64, refs []string) ([]Item, error) {
	c, err := s.store.Campaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	if c.Status != Draft {
		return nil, apperr.E(apperr.Conflict, "selfcheck.err.items_added_while_campaign_draft")
	}
	nodes, err := s.catalogs.Nodes(ctx, editionID)
	if err != nil {
		return nil, err
	}
	tree := newNodeTree(nodes)
	var picked []int
	if len(refs) == 0 {
		for i := range nodes {
			if nodes[i].Requirement {
				picked = append(picked, i)
			}
		}
	} else {
		seen := map[int]bool{}
		for _, ref := range refs {
			ref = strings.TrimSpace(ref)
			if ref == "" {
				continue
			}
			i, ok := tree.byRef[ref]
			if !ok {
				return nil, apperr.E(apperr.NotFound, "selfcheck.err.requirement_catalog_edition", ref)
			}
			for _, j := range tree.requirementsUnder(i) {
				if !seen[j] {
					seen[j] = true
					picked = append(picked, j)
				}
			}
		}
		sort.Ints(picked)
	}
	if len(picked) == 0 {
		return nil, apperr.E(apperr.Invalid, "selfcheck.err.requirement_items_found_add")
	}
	mapper, err := s.RoleMapper(ctx)
	if err != nil {
		return nil, err
	}
	items := make([]Item, 0, len(picked))
	for _, i := range picked {
		n := nodes[i]
		sec := nodes[tree.section(i)]
		title := sec.Title
		if title == "" {
			title = short(sec.Text, 40)
		}
		it := Item{CampaignID: campaignID, EditionID: editionID, NodeRef: n.Ref,
			SectionRef: sec.Ref, SectionTitle: title, Subject: n.Subject, Text: n.Text, Question: n.Text,
			Roles: mapper.Map(n.Subject)}
		if it.Text == "" {
			it.Text, it.Question = n.Title, n.Title
		}
		if err := it.Validate(); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return s.store.AddItems(ctx, campaignID, items)
}

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// nodeTree indexes an edition's nodes for picking and sectioning.
type nodeTree struct {
	nodes    []catalog.Node
	byRef    map[string]int
	parent   []int // -1 at the top
	depth    []int
	children [][]int
	level    int // depth of the roll-up sections
}

func newNodeTree(nodes []catalog.Node) *nodeTree {
	t := &nodeTree{nodes: nodes, byRef: make(map[string]int, len(nodes)),
		parent: make([]int, len(nodes)), depth: make([]int, len(nodes)), children: make([][]int, len(nodes))}
	for i, n := range nodes {
		t.byRef[n.Ref] = i
		t.parent[i] = -1
		if p, ok := t.byRef[n.Parent]; ok && n.Parent != "" {
			t.parent[i] = p
			t.depth[i] = t.depth[p] + 1
			t.children[p] = append(t.children[p], i)
		}
	}
	// The section level is the first depth with more than one branch that
	// holds requirements, so a single root (a document title) is skipped.
	for level := 0; level < 6; level++ {
		n := 0
		for i := range nodes {
			if t.depth[i] == level && len(t.requirementsUnder(i)) > 0 {
				n++
			}
		}
		if n != 1 {
			t.level = level
			break
		}
		t.level = level + 1
	}
	return t
}

// requirementsUnder returns i itself when it is a requirement, else the
// requirements below it, in document order.
func (t *nodeTree) requirementsUnder(i int) []int {
	if t.nodes[i].Requirement {
		return []int{i}
	}
	var out []int
	for _, c := range t.children[i] {
		out = append(out, t.requirementsUnder(c)...)
	}
	return out
}

// section returns the ancestor of i at the section level (i itself when
// it is not that deep).
func (t *nodeTree) section(i int) int {
	for t.depth[i] > t.level && t.parent[i] >= 0 {
		i = t.parent[i]
	}
	return i
}

// Items lists a campaign's items in order.
func (s *Service) Items(ctx context.Context, campaignID int64) ([]Item, error) {
	return s.store.Items(ctx, campaignID)
}

// UpdateItem changes an item's question (allowed until the campaign
// closes) and roles (only in a draft, since checklists follow them).
func (s *Service) UpdateItem(ctx context.Context, it Item) error {
	c, err := s.store.Campaign(ctx, it.CampaignID)
	if err != nil {
		return err
	}
	items, err := s.store.Items(ctx, it.CampaignID)
	if err != nil {
		return err
	}
	var old *Item
	for i := range items {
		if items[i].ID == it.ID {
			old = &items[i]
		}
	}
	if old == nil {
		return apperr.E(apperr.NotFound, "selfcheck.err.item_campaign", it.ID, c.Name)
	}
	if it.Roles == nil {
		it.Roles = old.Roles
	}
	it.NodeRef, it.Text = old.NodeRef, old.Text
	if err := it.Validate(); err != nil {
		return err
	}
	switch {
	case c.Status == Closed:
		return apperr.E(apperr.Conflict, "selfcheck.err.campaign_closed", c.Name)
	case c.Status == Published && !sameRoles(it.Roles, old.Roles):
		return apperr.E(apperr.Conflict, "selfcheck.err.roles_cannot_change_after_publishing")
	}
	for _, r := range it.Roles {
		if !validRoleKey(r) {
			return apperr.E(apperr.Invalid, "selfcheck.err.role_key", r)
		}
	}
	return s.store.UpdateItem(ctx, it)
}

func validRoleKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func sameRoles(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// RemoveItem takes an item out of a draft campaign.
func (s *Service) RemoveItem(ctx context.Context, campaignID, itemID int64) error {
	c, err := s.store.Campaign(ctx, campaignID)
	if err != nil {
		return err
	}
	if c.Status != Draft {
		return apperr.E(apperr.Conflict, "selfcheck.err.items_removed_while_campaign_draft")
	}
	return s.store.RemoveItem(ctx, campaignID, itemID)
}

// PublishResult says what publishing made.
type PublishResult struct {
	Checklists int `json:"checklists"`
	Profiles   int `json:"profiles"`
	Questions  int `json:"questions"` // checklist rows to answer in all
}

// Publish makes every active person's checklist from the roles they hold
// on day (staff is held by everyone) and opens the campaign.
func (s *Service) Publish(ctx context.Context, campaignID int64, day string) (PublishResult, error) {
	var res PublishResult
	if _, err := time.Parse(DateLayout, day); err != nil {
		return res, apperr.E(apperr.Invalid, "selfcheck.err.publish_day_date_like", day)
	}
	c, err := s.store.Campaign(ctx, campaignID)
	if err != nil {
		return res, err
	}
	if c.Status != Draft {
		return res, apperr.E(apperr.Conflict, "selfcheck.err.campaign_already", c.Name, c.Status)
	}
	items, err := s.store.Items(ctx, campaignID)
	if err != nil {
		return res, err
	}
	if len(items) == 0 {
		return res, apperr.E(apperr.Invalid, "selfcheck.err.campaign_has_items_add_requirements", c.Name)
	}
	var unmapped []string
	for _, it := range items {
		if len(it.Roles) == 0 {
			unmapped = append(unmapped, it.NodeRef)
		}
	}
	if len(unmapped) > 0 {
		if len(unmapped) > 10 {
			unmapped = append(unmapped[:10], "…")
		}
		return res, apperr.E(apperr.Invalid, "selfcheck.err.these_items_have_role_answer", strings.Join(unmapped, ", "))
	}
	holders, err := s.store.Holders(ctx, day)
	if err != nil {
		return res, err
	}
	byKey := map[string]int{}
	var profiles []Profile
	checklists := make([]Checklist, 0, len(holders))
	for _, h := range holders {
		roles := append([]string{authz.RoleStaff}, h.Roles...)
		sort.Strings(roles)
		roles = dedupe(roles)
		key := strings.Join(roles, " ")
		idx, ok := byKey[key]
		if !ok {
			p := Profile{Roles: roles}
			for i := range items {
				if items[i].AnsweredBy(roles) {
					p.ItemIDs = append(p.ItemIDs, items[i].ID)
				}
			}
			idx = len(profiles)
			byKey[key] = idx
			profiles = append(profiles, p)
		}
		total := len(profiles[idx].ItemIDs)
		if total == 0 {
			continue
		}
		checklists = append(checklists, Checklist{CampaignID: campaignID, PersonID: h.PersonID, UnitID: h.UnitID,
			ProfileID: int64(idx), Roles: roles, Status: NotStarted, Total: total})
		res.Questions += total
	}
	if len(checklists) == 0 {
		return res, apperr.E(apperr.Invalid, "selfcheck.err.nobody_holds_role_answers_these", day)
	}
	if err := s.store.Publish(ctx, campaignID, day, profiles, checklists); err != nil {
		return res, err
	}
	s.forget(campaignID)
	res.Checklists, res.Profiles = len(checklists), len(profiles)
	return res, nil
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, r := range sorted {
		if i == 0 || r != sorted[i-1] {
			out = append(out, r)
		}
	}
	return out
}

// campaignTTL bounds how long a campaign read from the store is trusted:
// another replica may close it or move its dates, and this one must
// notice within that time.
const campaignTTL = 2 * time.Second

type cachedCampaign struct {
	c  Campaign
	at time.Time
	// reading is set while one caller re-reads the expired entry; the
	// others go on with the entry they have meanwhile.
	reading bool
}

// openCampaign returns a published campaign, from the cache while it is
// fresh (see campaignTTL). When the entry expires, one caller re-reads it
// and the others keep using it until that read is back: during the rush
// hundreds of saves are in flight at the moment of expiry, and each of
// them reading the campaign at once held up the single writer behind them
// every campaignTTL. The store checks the campaign's status again in the
// transaction that saves the answers, so a stale read is never written.
func (s *Service) openCampaign(ctx context.Context, id int64) (Campaign, error) {
	s.mu.RLock()
	e, ok := s.campaigns[id]
	s.mu.RUnlock()
	if ok && time.Since(e.at) < campaignTTL {
		return e.c, nil
	}
	if ok {
		s.mu.Lock()
		e, ok = s.campaigns[id]
		switch {
		case ok && (e.reading || time.Since(e.at) < campaignTTL):
			s.mu.Unlock()
			return e.c, nil
		case ok:
			e.reading = true
			s.campaigns[id] = e
		}
		s.mu.Unlock()
	}
	c, err := s.store.Campaign(ctx, id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if e, ok := s.campaigns[id]; ok && e.reading {
			e.reading = false
			s.campaigns[id] = e
		}
		return c, err
	}
	if c.Status != Draft {
		s.campaigns[id] = cachedCampaign{c: c, at: time.Now()}
	} else {
		delete(s.campaigns, id)
	}
	return c, nil
}

func (s *Service) profile(ctx context.Context, campaignID, profileID int64) (*Profile, error) {
	s.mu.RLock()
	p := s.profiles[campaignID][profileID]
	s.mu.RUnlock()
	if p != nil {
		return p, nil
	}
	ps, err := s.store.Profiles(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]*Profile, len(ps))
	for i := range ps {
		m[ps[i].ID] = &ps[i]
	}
	s.mu.Lock()
	s.profiles[campaignID] = m
	s.mu.Unlock()
	if p = m[profileID]; p == nil {
		return nil, apperr.E(apperr.NotFound, "selfcheck.err.checklist_profile_missing", profileID)
	}
	return p, nil
}

// checklistOf returns the person's checklist (fixed fields from the cache).
func (s *Service) checklistOf(ctx context.Context, c Campaign, personID int64) (Checklist, error) {
	key := [2]int64{c.ID, personID}
	s.mu.RLock()
	cl, ok := s.checklists[key]
	s.mu.RUnlock()
	if ok {
		return cl, nil
	}
	cl, err := s.store.ChecklistOf(ctx, c.ID, personID)
	if apperr.Is(err, apperr.NotFound) {
		return cl, apperr.E(apperr.NotFound, "selfcheck.err.you_have_checklist_campaign", c.Name)
	}
	if err != nil {
		return cl, err
	}
	s.mu.Lock()
	s.checklists[key] = cl
	s.mu.Unlock()
	return cl, nil
}

// SaveAnswer stores the person's answer to one item of their checklist. It
// returns once the answer is committed; it refuses (apperr) a campaign
// that is not open, an item not on the person's checklist, an invalid
// value, a missing comment for 一部実施 or 実施していない, and a submitted
// checklist.
func (s *Service) SaveAnswer(ctx context.Context, campaignID, personID, itemID int64, v Value, comment string) (Answer, error) {
	comment, err := CheckAnswer(v, comment)
	if err != nil {
		return Answer{}, err
	}
	if personID <= 0 {
		return Answer{}, apperr.E(apperr.Forbidden, "selfcheck.err.account_tied_person_has_checklist")
	}
	c, err := s.openCampaign(ctx, campaignID)
	if err != nil {
		return Answer{}, err
	}
	now := s.now()
	if err := c.AcceptsOn(now.Format(DateLayout)); err != nil {
		return Answer{}, err
	}
	cl, err := s.checklistOf(ctx, c, personID)
	if err != nil {
		return Answer{}, err
	}
	p, err := s.profile(ctx, campaignID, cl.ProfileID)
	if err != nil {
		return Answer{}, err
	}
	if !p.Has(itemID) {
		return Answer{}, apperr.E(apperr.NotFound, "selfcheck.err.item_on_your_checklist_campaign", itemID, c.Name)
	}
	a := Answer{ItemID: itemID, Value: v, Comment: comment, AnsweredAt: now.UTC()}
	err = s.writer.save(ctx, AnswerWrite{CampaignID: campaignID, ChecklistID: cl.ID, UnitID: cl.UnitID,
		ItemID: itemID, Value: v, Comment: comment, At: a.AnsweredAt})
	return a, err
}

// Submit marks the person's checklist submitted once every item is answered.
func (s *Service) Submit(ctx context.Context, campaignID, personID int64) error {
	c, err := s.openCampaign(ctx, campaignID)
	if err != nil {
		return err
	}
	if err := c.AcceptsOn(s.Today()); err != nil {
		return err
	}
	if _, err := s.checklistOf(ctx, c, personID); err != nil {
		return err
	}
	cl, err := s.store.ChecklistOf(ctx, campaignID, personID)
	if err != nil {
		return err
	}
	if cl.Status == Submitted {
		return apperr.E(apperr.Conflict, "selfcheck.err.checklist_already_submitted")
	}
	if cl.Answered < cl.Total {
		return apperr.E(apperr.Conflict, "selfcheck.err.items_are_answered_yet_answer", cl.Total-cl.Answered, cl.Total)
	}
	return s.store.Submit(ctx, cl.ID, s.now().UTC())
}

// ChecklistView is a person's checklist with its items and answers.
type ChecklistView struct {
	Campaign  Campaign
	Checklist Checklist
	Items     []ItemAnswer
	// First is the position on the checklist of Items[0] (from 1); Items
	// may be one page of the checklist (MyChecklistPage).
	First  int
	Open   bool   // answers are taken today
	Closed string // why not, when not open
}

// ItemAnswer is an item with the person's answer (nil when unanswered).
type ItemAnswer struct {
	Item
	Answer *Answer
}

// MyChecklist returns the person's checklist in a campaign. Only the
// person's own checklist can be read this way.
func (s *Service) MyChecklist(ctx context.Context, campaignID, personID int64) (*ChecklistView, error) {
	c, err := s.store.Campaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	if c.Status == Draft {
		return nil, apperr.E(apperr.NotFound, "selfcheck.err.campaign_published", c.Name)
	}
	cl, err := s.store.ChecklistOf(ctx, campaignID, personID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.E(apperr.NotFound, "selfcheck.err.you_have_checklist_campaign", c.Name)
	}
	if err != nil {
		return nil, err
	}
	return s.view(ctx, c, cl)
}

func (s *Service) view(ctx context.Context, c Campaign, cl Checklist) (*ChecklistView, error) {
	p, err := s.profile(ctx, c.ID, cl.ProfileID)
	if err != nil {
		return nil, err
	}
	items, err := s.store.Items(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	answers, err := s.store.Answers(ctx, cl.ID)
	if err != nil {
		return nil, err
	}
	byItem := make(map[int64]*Answer, len(answers))
	for i := range answers {
		byItem[answers[i].ItemID] = &answers[i]
	}
	v := &ChecklistView{Campaign: c, Checklist: cl, Open: true, First: 1}
	if err := c.AcceptsOn(s.Today()); err != nil {
		v.Open, v.Closed = false, err.Error()
	}
	for _, it := range items {
		if p.Has(it.ID) {
			v.Items = append(v.Items, ItemAnswer{Item: it, Answer: byItem[it.ID]})
		}
	}
	return v, nil
}

// MyChecklists lists the person's checklists with their campaigns.
func (s *Service) MyChecklists(ctx context.Context, personID int64) ([]Checklist, map[int64]Campaign, error) {
	cls, err := s.store.ChecklistsOf(ctx, personID)
	if err != nil {
		return nil, nil, err
	}
	cs := map[int64]Campaign{}
	for _, cl := range cls {
		if _, ok := cs[cl.CampaignID]; ok {
			continue
		}
		c, err := s.store.Campaign(ctx, cl.CampaignID)
		if err != nil {
			return nil, nil, err
		}
		cs[c.ID] = c
	}
	return cls, cs, nil
}

// Notices returns the person's newest in-app notices.
func (s *Service) Notices(ctx context.Context, personID int64) ([]Notice, error) {
	return s.store.Notices(ctx, personID, 20)
}

// Unmapped lists the campaign's items that no role answers yet.
func Unmapped(items []Item) []Item {
	var out []Item
	for _, it := range items {
		if len(it.Roles) == 0 {
			out = append(out, it)
		}
	}
	return out
}

// AssignUnmapped gives role to every item of a draft campaign that no role
// answers yet (the one-click fix for requirements whose subject was not
// recognised), and returns how many items it changed.
func (s *Service) AssignUnmapped(ctx context.Context, campaignID int64, role string) (int, error) {
	if !validRoleKey(role) {
		return 0, apperr.E(apperr.Invalid, "selfcheck.err.role_key", role)
	}
	names, err := s.RoleNames(ctx)
	if err != nil {
		return 0, err
	}
	known := false
	for _, n := range names {
		known = known || n.Key == role
	}
	if !known {
		return 0, apperr.E(apperr.Invalid, "selfcheck.err.role_key", role)
	}
	c, err := s.store.Campaign(ctx, campaignID)
	if err != nil {
		return 0, err
	}
	if c.Status != Draft {
		return 0, apperr.E(apperr.Conflict, "selfcheck.err.roles_cannot_change_after_publishing")
	}
	items, err := s.store.Items(ctx, campaignID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range Unmapped(items) {
		it.Roles = []string{role}
		if err := s.store.UpdateItem(ctx, it); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

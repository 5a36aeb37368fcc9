package incident

import (
	_ "embed"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/i18n"
)

// Config is the organisation's incident settings: the levels and their
// criteria, the categories and the rules that say which authority notices
// an incident needs and by when. It is stored; the defaults below come
// from the rulebooks and the 個人情報保護法 guidance (速報 promptly, 確報
// within 30 days, 60 days for unauthorised access).
type Config struct {
	Levels          []Level    `json:"levels"`
	Categories      []Category `json:"categories"`
	Rules           []Rule     `json:"rules"`
	ExternalPerHour int        `json:"external_per_hour"` // external reports accepted per client address per hour
}

// Level is one incident level with its criteria.
type Level struct {
	Level    int    `json:"level"`
	Name     string `json:"name"`
	NameEn   string `json:"name_en"`
	Criteria string `json:"criteria"`
}

// Category of incident.
type Category struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	NameEn      string `json:"name_en"`
	Cyberattack bool   `json:"cyberattack,omitempty"` // police rules apply
}

// Rule says which notice an incident needs: it applies when the incident
// is at MinLevel or above, and (when set) has personal data, is of one of
// Categories, or is a cyberattack. The notice is due DueHours after the
// incident was noticed, or DueHoursByCategory[category] when given.
type Rule struct {
	Key                string         `json:"key"`
	Authority          string         `json:"authority"`
	AuthorityEn        string         `json:"authority_en"`
	Kind               string         `json:"kind"`
	KindEn             string         `json:"kind_en"`
	MinLevel           int            `json:"min_level"`
	Personal           bool           `json:"personal,omitempty"`
	Cyberattack        bool           `json:"cyberattack,omitempty"`
	Categories         []string       `json:"categories,omitempty"`
	DueHours           int            `json:"due_hours"`
	DueHoursByCategory map[string]int `json:"due_hours_by_category,omitempty"`
}

//go:embed defaults.json
var defaultsJSON []byte

// Defaults is the configuration a new organisation starts with.
func Defaults() Config {
	var c Config
	if err := json.Unmarshal(defaultsJSON, &c); err != nil {
		panic("incident: defaults.json: " + err.Error())
	}
	return c
}

// Validate checks the configuration is usable.
func (c Config) Validate() error {
	if len(c.Levels) == 0 {
		return apperr.E(apperr.Invalid, "incident.err.config_levels")
	}
	if len(c.Categories) == 0 {
		return apperr.E(apperr.Invalid, "incident.err.config_categories")
	}
	seen := map[string]bool{}
	for _, k := range c.Categories {
		if k.Key == "" || k.Name == "" || seen[k.Key] {
			return apperr.E(apperr.Invalid, "incident.err.config_category", k.Key)
		}
		seen[k.Key] = true
	}
	rules := map[string]bool{}
	for _, r := range c.Rules {
		if r.Key == "" || r.Authority == "" || r.Kind == "" || r.DueHours <= 0 || rules[r.Key] {
			return apperr.E(apperr.Invalid, "incident.err.config_rule", r.Key)
		}
		rules[r.Key] = true
		for _, cat := range r.Categories {
			if !seen[cat] {
				return apperr.E(apperr.Invalid, "incident.err.config_rule", r.Key)
			}
		}
	}
	if c.ExternalPerHour < 1 {
		return apperr.E(apperr.Invalid, "incident.err.config_limit")
	}
	sort.SliceStable(c.Levels, func(i, j int) bool { return c.Levels[i].Level < c.Levels[j].Level })
	return nil
}

// Category returns the category with key.
func (c Config) Category(key string) (Category, bool) {
	for _, k := range c.Categories {
		if k.Key == key {
			return k, true
		}
	}
	return Category{}, false
}

// HasLevel reports whether level is configured.
func (c Config) HasLevel(level int) bool {
	for _, l := range c.Levels {
		if l.Level == level {
			return true
		}
	}
	return false
}

// CategoryName is the category's name in lang (the key when unknown).
func (c Config) CategoryName(key string, lang i18n.Lang) string {
	k, ok := c.Category(key)
	if !ok {
		return key
	}
	if lang == i18n.En && k.NameEn != "" {
		return k.NameEn
	}
	return k.Name
}

// LevelName is the level's name in lang.
func (c Config) LevelName(level int, lang i18n.Lang) string {
	for _, l := range c.Levels {
		if l.Level == level {
			if lang == i18n.En && l.NameEn != "" {
				return l.NameEn
			}
			return l.Name
		}
	}
	if level < 0 {
		return ""
	}
	return i18n.T(lang, "incident.level.n", level)
}

// Notices are the authority notices an incident needs under the rules,
// each with its due time counted from when the incident was noticed.
func (c Config) Notices(in Incident) []AuthorityNotice {
	cat, _ := c.Category(in.Category)
	var out []AuthorityNotice
	for _, r := range c.Rules {
		if in.Level < r.MinLevel {
			continue
		}
		if r.Personal && in.Personal != PersonalYes {
			continue
		}
		if r.Cyberattack && !cat.Cyberattack {
			continue
		}
		if len(r.Categories) > 0 && !contains(r.Categories, in.Category) {
			continue
		}
		hours := r.DueHours
		if h, ok := r.DueHoursByCategory[in.Category]; ok && h > 0 {
			hours = h
		}
		start := in.NoticedAt
		if start.IsZero() {
			start = in.ReportedAt
		}
		out = append(out, AuthorityNotice{IncidentID: in.ID, RuleKey: r.Key, Authority: r.Authority, Kind: r.Kind,
			DueAt: start.Add(time.Duration(hours) * time.Hour)})
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// ParseConfig reads a configuration from JSON and validates it.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, apperr.WrapE(apperr.Invalid, err, "incident.err.config_json")
	}
	return c, c.Validate()
}

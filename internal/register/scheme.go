// Package register keeps the registers the rulebooks make the hub of daily
// work: the information assets (情報資産管理台帳) with their 格付 and
// 取扱制限, the information systems (情報システム台帳) through their
// lifecycle, and the cloud services and outsourcing contracts they use.
//
// The classification scheme is configuration, not code: the axes and their
// levels, the level names an organisation prefers (極秘, 社外秘, 公開
// instead of 機密性3/2/1), the handling restrictions and the risk scales are
// stored in the database and edited by the security office. Levels are kept
// as numbers, so renaming a level never touches the records.
//
// Visibility. Every read takes a Viewer; the store filters by it in the
// query itself, so lists, detail pages, the API, search and exports all see
// the same rows: an asset at or above Scheme.NamedFrom (機密性3 by default)
// is visible only to its named people and its 決定者, whatever the viewer's
// other rights.
//
// Reclassification. Only the 決定者 of an asset or a superior of the 決定者
// for the asset's unit may change its C/I/A levels (seed 000 3.1.1, seed 001
// Art. 44-3). A refused attempt is written to the audit trail.
package register

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"kitei/internal/apperr"
)

// Axis keys.
const (
	AxisC = "c" // 機密性
	AxisI = "i" // 完全性
	AxisA = "a" // 可用性
)

// Level is one step of an axis. Value is what records store; Name is what
// people read and may be renamed freely.
type Level struct {
	Value       int    `json:"value"`
	Name        string `json:"name"`
	Short       string `json:"short,omitempty"` // a label used in reports and other names, e.g. 要機密情報
	Description string `json:"description,omitempty"`
}

// Axis is one dimension of the classification.
type Axis struct {
	Key         string  `json:"key"`
	Name        string  `json:"name"`
	Description string  `json:"description,omitempty"`
	Levels      []Level `json:"levels"` // lowest first
	// Paper says whether the axis applies to paper (書面). Integrity and
	// availability do not: a paper asset carries confidentiality only.
	Paper bool `json:"paper"`
}

// Restriction is a handling restriction (取扱制限) of the scheme. Records
// store its Key; a restriction outside the scheme is stored as its text.
type Restriction struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Risk configures the IPA-style risk value of an asset: importance (重要度)
// derived from the C/I/A levels, times the likelihood (被害発生可能性)
// chosen on the asset.
type Risk struct {
	// Importance is "max" (the highest of the three levels, the IPA sheet's
	// rule) or "sum".
	Importance string  `json:"importance"`
	Likelihood []Level `json:"likelihood"`
	// Threshold: a risk value at or above it needs treatment (0: none set).
	Threshold int `json:"threshold"`
}

// Scheme is the organisation's classification scheme.
type Scheme struct {
	Axes         []Axis        `json:"axes"` // c, i, a
	Restrictions []Restriction `json:"restrictions"`
	Risk         Risk          `json:"risk"`
	// NamedFrom is the confidentiality level from which an asset is
	// visible only to its named people and its 決定者 (3: 機密性3).
	NamedFrom int `json:"named_from"`
}

// DefaultScheme is the scheme of the government-style seed rulebooks.
func DefaultScheme() Scheme {
	return Scheme{
		Axes: []Axis{
			{Key: AxisC, Name: "機密性", Paper: true,
				Description: "漏えいした場合の影響の大きさによる区分",
				Levels: []Level{
					{1, "機密性1", "", "機密性2・3以外の情報"},
					{2, "機密性2", "要機密情報", "公開すると業務や権利利益に支障を及ぼすおそれがあり、非開示相当の情報（機密性3を除く）"},
					{3, "機密性3", "要機密情報", "秘密文書として取り扱うべき情報。指名された者と決定者だけが閲覧できる"},
				}},
			{Key: AxisI, Name: "完全性",
				Description: "改ざん・誤り・破損による影響の大きさによる区分（書面を除く）",
				Levels: []Level{
					{1, "完全性1", "", "完全性2以外の情報"},
					{2, "完全性2", "要保全情報", "改ざん等により権利利益の侵害や業務の的確な遂行に支障を及ぼすおそれがある情報"},
				}},
			{Key: AxisA, Name: "可用性",
				Description: "滅失・利用不能による影響の大きさによる区分（書面を除く）",
				Levels: []Level{
					{1, "可用性1", "", "可用性2以外の情報"},
					{2, "可用性2", "要安定情報", "滅失や利用不能により権利利益の侵害や業務の安定的な遂行に支障を及ぼすおそれがある情報"},
				}},
		},
		Restrictions: []Restriction{
			{Key: "no_copy", Name: "複製禁止"},
			{Key: "no_takeout", Name: "持出禁止"},
			{Key: "no_distribution", Name: "配付禁止"},
			{Key: "encrypt", Name: "暗号化必須"},
			{Key: "destroy_after_reading", Name: "読後廃棄"},
		},
		Risk: Risk{Importance: "max", Threshold: 6, Likelihood: []Level{
			{1, "低", "", "脅威が起こりにくく、対策も十分"},
			{2, "中", "", "脅威または脆弱性のいずれかが懸念される"},
			{3, "高", "", "脅威が起こりやすく、対策が不十分"},
		}},
		NamedFrom: 3,
	}
}

// Axis returns the axis with key (nil when absent).
func (s *Scheme) Axis(key string) *Axis {
	for i := range s.Axes {
		if s.Axes[i].Key == key {
			return &s.Axes[i]
		}
	}
	return nil
}

// Max is the highest level of the axis (0 when absent).
func (a *Axis) Max() int {
	m := 0
	for _, l := range a.Levels {
		m = max(m, l.Value)
	}
	return m
}

// Level returns the level of value v.
func (a *Axis) Level(v int) (Level, bool) {
	for _, l := range a.Levels {
		if l.Value == v {
			return l, true
		}
	}
	return Level{}, false
}

// LevelName is the display name of v on axis key ("" for 0, the value
// itself when the scheme lacks it).
func (s *Scheme) LevelName(key string, v int) string {
	if v == 0 {
		return ""
	}
	if a := s.Axis(key); a != nil {
		if l, ok := a.Level(v); ok {
			return l.Name
		}
	}
	return strconv.Itoa(v)
}

// ParseLevel reads a level of axis key written as its value ("3"), its
// name ("機密性3", "極秘"), or the axis letter and value ("C3"). Empty text
// is level 0 (not classified on that axis).
func (s *Scheme) ParseLevel(key, text string) (int, bool) {
	t := strings.TrimSpace(norm.NFKC.String(text))
	if t == "" {
		return 0, true
	}
	a := s.Axis(key)
	if a == nil {
		return 0, false
	}
	for _, l := range a.Levels {
		if t == l.Name || strings.EqualFold(t, strings.ToUpper(key)+strconv.Itoa(l.Value)) || t == strconv.Itoa(l.Value) {
			return l.Value, true
		}
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil { // a number cell read raw: "3.0"
		if _, ok := a.Level(int(f)); ok && f == float64(int(f)) {
			return int(f), true
		}
	}
	return 0, false
}

// RestrictionName is the display text of a stored restriction.
func (s *Scheme) RestrictionName(stored string) string {
	for _, r := range s.Restrictions {
		if r.Key == stored {
			return r.Name
		}
	}
	return stored
}

// ParseRestriction maps a restriction written as a key or a name to what is
// stored: the key of a scheme restriction, else the text itself (a free
// restriction). ok is false for text that cannot be a restriction.
func (s *Scheme) ParseRestriction(text string) (string, bool) {
	t := strings.TrimSpace(norm.NFKC.String(text))
	if t == "" {
		return "", false
	}
	for _, r := range s.Restrictions {
		if t == r.Key || t == norm.NFKC.String(r.Name) {
			return r.Key, true
		}
	}
	if utf8.RuneCountInString(t) > 40 || strings.ContainsAny(t, ";；\x00\r\n\t") {
		return "", false
	}
	return t, true
}

// Importance is the 重要度 of the levels c, i, a.
func (s *Scheme) Importance(c, i, a int) int {
	if s.Risk.Importance == "sum" {
		return c + i + a
	}
	return max(c, i, a)
}

// RiskValue is importance × likelihood (0 when the likelihood is not rated).
func (s *Scheme) RiskValue(c, i, a, likelihood int) int {
	return s.Importance(c, i, a) * likelihood
}

// LikelihoodName is the display name of a likelihood value.
func (s *Scheme) LikelihoodName(v int) string {
	for _, l := range s.Risk.Likelihood {
		if l.Value == v {
			return l.Name
		}
	}
	if v == 0 {
		return ""
	}
	return strconv.Itoa(v)
}

// ParseLikelihood reads a likelihood written as its value or name.
func (s *Scheme) ParseLikelihood(text string) (int, bool) {
	t := strings.TrimSpace(norm.NFKC.String(text))
	if t == "" {
		return 0, true
	}
	for _, l := range s.Risk.Likelihood {
		if t == l.Name || t == strconv.Itoa(l.Value) {
			return l.Value, true
		}
	}
	return 0, false
}

// Validate checks a scheme before it is stored: the three axes with
// distinct positive levels and names, restriction keys unique, risk rule
// known.
func (s *Scheme) Validate() error {
	for _, key := range []string{AxisC, AxisI, AxisA} {
		a := s.Axis(key)
		if a == nil {
			return invalid("register.err.scheme_needs_axis", key)
		}
		if err := checkText("axis name", a.Name, true, 40); err != nil {
			return err
		}
		if utf8.RuneCountInString(a.Description) > 1000 {
			return invalid("register.err.description_longer_than_characters", a.Name)
		}
		if len(a.Levels) == 0 {
			return invalid("register.err.axis_has_levels", a.Name)
		}
		if err := checkLevels(a.Name, a.Levels); err != nil {
			return err
		}
	}
	if len(s.Axes) != 3 {
		return invalid("register.err.scheme_has_exactly_axes_c")
	}
	seen := map[string]bool{}
	for _, r := range s.Restrictions {
		if !keyRe(r.Key) {
			return invalid("register.err.restriction_key_lower_case_letters", r.Key)
		}
		if err := checkText("restriction name", r.Name, true, 40); err != nil {
			return err
		}
		if seen[r.Key] || seen["n:"+r.Name] {
			return invalid("register.err.restriction_appears_twice", r.Name)
		}
		seen[r.Key], seen["n:"+r.Name] = true, true
	}
	if s.Risk.Importance != "max" && s.Risk.Importance != "sum" {
		return invalid("register.err.importance_max_sum", s.Risk.Importance)
	}
	if err := checkLevels("likelihood", s.Risk.Likelihood); err != nil {
		return err
	}
	if s.Risk.Threshold < 0 {
		return invalid("register.err.risk_threshold_cannot_negative")
	}
	c := s.Axis(AxisC)
	if _, ok := c.Level(s.NamedFrom); !ok {
		return invalid("register.err.named_people_level_confidentiality_level", s.NamedFrom)
	}
	return nil
}

func checkLevels(axis string, ls []Level) error {
	values, names := map[int]bool{}, map[string]bool{}
	for _, l := range ls {
		if l.Value < 1 || l.Value > 9 {
			return invalid("register.err.level_values_are", axis, l.Value)
		}
		if err := checkText(axis+" level name", l.Name, true, 40); err != nil {
			return err
		}
		if values[l.Value] || names[l.Name] {
			return invalid("register.err.level_appears_twice", axis, l.Value, l.Name)
		}
		if utf8.RuneCountInString(l.Description) > 1000 || utf8.RuneCountInString(l.Short) > 40 {
			return invalid("register.err.description_level_too_long", axis, l.Name)
		}
		values[l.Value], names[l.Name] = true, true
	}
	return nil
}

func keyRe(k string) bool {
	if k == "" || len(k) > 40 || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// EncodeScheme and DecodeScheme store a scheme as JSON.
func EncodeScheme(s Scheme) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

// DecodeScheme reads a stored scheme.
func DecodeScheme(text string) (Scheme, error) {
	var s Scheme
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		return s, fmt.Errorf("stored classification scheme: %w", err)
	}
	return s, nil
}

// invalid is a validation error with a message key of the catalogs.
func invalid(key string, args ...any) error { return apperr.E(apperr.Invalid, key, args...) }

func checkText(field, v string, required bool, max int) error {
	if required && strings.TrimSpace(v) == "" {
		return invalid("register.err.required", field)
	}
	if utf8.RuneCountInString(v) > max {
		return invalid("register.err.longer_than_characters", field, max)
	}
	if strings.ContainsAny(v, "\x00\r\n\t") {
		return invalid("register.err.contains_control_characters", field)
	}
	return nil
}

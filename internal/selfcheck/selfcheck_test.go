package selfcheck

import (
	"bufio"
	"context"
	"encoding/base64"
	"net"
	"strings"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/authz"
)

func TestRoleMapper(t *testing.T) {
	m := NewRoleMapper(BuiltinRoleNames(), nil)
	for subject, want := range map[string]string{
		"統括情報セキュリティ責任者":    authz.RoleChiefISO,
		"情報セキュリティ責任者":      authz.RoleISO,
		"課室情報セキュリティ責任者":    authz.RoleDivisionISO,
		"業務従事者":            authz.RoleStaff,
		"行政事務従事者":          authz.RoleStaff,
		"役職員等":             authz.RoleStaff,
		"最高情報セキュリティ責任者":    authz.RoleCISO,
		"情報システムセキュリティ責任者":  authz.RoleISSO,
		"各情報システムセキュリティ責任者": authz.RoleISSO,
		"統括情報セキュリティ責任者及び情報セキュリティ責任者": authz.RoleChiefISO + " " + authz.RoleISO,
		"許可権限者": "",
	} {
		if got := strings.Join(m.Map(subject), " "); got != want {
			t.Errorf("%s → %q, want %q", subject, got, want)
		}
	}
}

func TestAnswerRules(t *testing.T) {
	for _, s := range []string{"yes", "partial", "no", "na", "実施している", "一部実施", "実施していない", "該当なし"} {
		if _, err := ParseValue(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := ParseValue("たぶん"); !apperr.Is(err, apperr.Invalid) {
		t.Error("bad value accepted")
	}
	if _, err := CheckAnswer(No, ""); !apperr.Is(err, apperr.Invalid) {
		t.Error("no without comment accepted")
	}
	if _, err := CheckAnswer(NA, ""); err != nil {
		t.Error(err)
	}
	c := Campaign{Name: "x", Status: Published, OpensOn: "2026-10-01", ClosesOn: "2026-10-31"}
	if c.AcceptsOn("2026-10-31") != nil || c.AcceptsOn("2026-11-01") == nil || c.AcceptsOn("2026-09-30") == nil {
		t.Error("open window wrong")
	}
}

// smtpSink is a tiny SMTP server that keeps the messages it receives.
func smtpSink(t *testing.T) (addr string, got chan string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan string, 4)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				say := func(s string) { conn.Write([]byte(s + "\r\n")) }
				say("220 sink ESMTP")
				var data strings.Builder
				inData := false
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if inData {
						if line == ".\r\n" {
							inData = false
							got <- data.String()
							say("250 queued")
							continue
						}
						data.WriteString(line)
						continue
					}
					cmd := strings.ToUpper(strings.TrimSpace(line))
					switch {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						say("250 sink")
					case strings.HasPrefix(cmd, "DATA"):
						inData = true
						say("354 go ahead")
					case strings.HasPrefix(cmd, "QUIT"):
						say("221 bye")
						return
					default:
						say("250 ok")
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), got
}

func TestSMTPMailer(t *testing.T) {
	addr, got := smtpSink(t)
	m := &SMTPMailer{Addr: addr, From: "kitei@example.jp"}
	if err := m.Send(context.Background(), "taro@example.jp", "【自己点検】回答期限", "未回答の項目があります。\n"); err != nil {
		t.Fatal(err)
	}
	msg := <-got
	if !strings.Contains(msg, "To: taro@example.jp") || !strings.Contains(msg, "=?UTF-8?b?") {
		t.Fatalf("message:\n%s", msg)
	}
	body := msg[strings.Index(msg, "\r\n\r\n")+4:]
	dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(strings.TrimSpace(body), "\r\n", ""))
	if err != nil || !strings.Contains(string(dec), "未回答") {
		t.Fatalf("body %q: %v", dec, err)
	}
	if err := m.Send(context.Background(), "bad\r\nBcc: x@example.jp", "s", "b"); err == nil {
		t.Error("header injection accepted")
	}
}

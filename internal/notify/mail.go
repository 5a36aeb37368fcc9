// Package notify sends the e-mail copies of kitei's notices. The in-app
// notices themselves live in the shared notices table and are written by
// each capability's store in the transaction of the change they report.
package notify

import (
	"context"
	"encoding/base64"
	"fmt"
	"mime"
	"net/smtp"
	"strings"
	"time"
)

// Mailer sends one plain-text e-mail.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// SMTPMailer sends through an SMTP relay with net/smtp (STARTTLS when the
// server offers it; PLAIN authentication when Username is set).
type SMTPMailer struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
}

// FromEnv returns the SMTP mailer configured by KITEI_SMTP_ADDR and
// KITEI_SMTP_FROM (KITEI_SMTP_USER and KITEI_SMTP_PASSWORD for PLAIN
// authentication), or nil when either of the first two is unset.
func FromEnv(getenv func(string) string) *SMTPMailer {
	addr, from := getenv("KITEI_SMTP_ADDR"), getenv("KITEI_SMTP_FROM")
	if addr == "" || from == "" {
		return nil
	}
	return &SMTPMailer{Addr: addr, From: from, Username: getenv("KITEI_SMTP_USER"), Password: getenv("KITEI_SMTP_PASSWORD")}
}

// Send implements Mailer.
func (m *SMTPMailer) Send(ctx context.Context, to, subject, body string) error {
	if strings.ContainsAny(to, "\r\n") || strings.ContainsAny(m.From, "\r\n") {
		return fmt.Errorf("smtp: bad address")
	}
	var auth smtp.Auth
	if m.Username != "" {
		host := m.Addr
		if i := strings.LastIndex(host, ":"); i >= 0 {
			host = host[:i]
		}
		auth = smtp.PlainAuth("", m.Username, m.Password, host)
	}
	return smtp.SendMail(m.Addr, auth, m.From, []string{to}, message(m.From, to, subject, body, time.Now()))
}

// message builds a UTF-8 message with a MIME-encoded subject and a
// base64 body (Japanese text survives every relay).
func message(from, to, subject, body string, at time.Time) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", from, to,
		mime.BEncoding.Encode("UTF-8", subject), at.Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}

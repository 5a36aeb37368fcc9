package selfcheck

import "context"

// Mailer sends one plain-text e-mail (notify.SMTPMailer in kitei serve).
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

package notify

import (
	"bufio"
	"context"
	"encoding/base64"
	"net"
	"strings"
	"testing"
)

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

func TestFromEnv(t *testing.T) {
	env := map[string]string{"KITEI_SMTP_ADDR": "127.0.0.1:25"}
	if m := FromEnv(func(k string) string { return env[k] }); m != nil {
		t.Fatalf("configured without a sender: %+v", m)
	}
	env["KITEI_SMTP_FROM"], env["KITEI_SMTP_USER"] = "kitei@example.jp", "u"
	if m := FromEnv(func(k string) string { return env[k] }); m == nil || m.From != "kitei@example.jp" || m.Username != "u" {
		t.Fatalf("FromEnv: %+v", m)
	}
}

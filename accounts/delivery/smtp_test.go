package delivery_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/delivery"
)

const (
	testUser     = "alertes@demo.tournee.test"
	testPassword = "s3cret-Pa55-do-not-leak"
	lambdaAlert  = "Alerte : LAMBDA SARL — CA en baisse de 11,5 %"
)

// lambdaMail is the e-mail of design.md's first example.
func lambdaMail(to string) accounts.Delivery {
	return accounts.Delivery{
		Key:       accounts.DeliveryKey("rule:1:account:42:2025-04-24", accounts.ChannelEmail, to),
		Channel:   accounts.ChannelEmail,
		Recipient: to,
		Subject:   lambdaAlert,
		Body: "Le chiffre d'affaires de mars de LAMBDA SARL est inférieur de 11,5 % à celui de mars dernier.\n" +
			"Dernière visite : 25 septembre. Potentiel : 40 000 €/mois.\n" +
			".Une ligne qui commence par un point\n" +
			"From une ligne piège\n" +
			strings.Repeat("Une très longue ligne sans retour à la ligne, ", 5) + "fin.\n",
	}
}

func smtpConfig(s *smtpServer) delivery.SMTPConfig {
	return delivery.SMTPConfig{
		Host:     s.Host,
		Port:     s.Port,
		Security: delivery.SecurityNone,
		Username: testUser,
		Password: testPassword,
		From:     "Tournée <alertes@demo.tournee.test>",
		Timeout:  watchdog,
		Now:      func() time.Time { return t0 },
	}
}

func newSMTP(t *testing.T, cfg delivery.SMTPConfig) *delivery.SMTP {
	t.Helper()
	s, err := delivery.NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return s
}

// TestSMTPMessage proves that an alert arrives as a well-formed RFC 5322
// message: UTF-8 subject and body intact, dot-stuffing undone, Message-ID
// derived from the key, lines within limits, after AUTH PLAIN.
func TestSMTPMessage(t *testing.T) {
	srv := startSMTP(t, smtpOptions{users: map[string]string{testUser: testPassword}})
	d := lambdaMail("Rep Un <rep1@demo.tournee.test>")
	if err := newSMTP(t, smtpConfig(srv)).Send(context.Background(), d); err != nil {
		t.Fatalf("Send: %v", err)
	}

	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	r := got[0]
	if r.User != testUser || r.From != "alertes@demo.tournee.test" || len(r.To) != 1 || r.To[0] != "rep1@demo.tournee.test" {
		t.Errorf("envelope: user %q, from %q, to %q; want %q, alertes@demo.tournee.test, [rep1@demo.tournee.test]", r.User, r.From, r.To, testUser)
	}
	checkLines(t, r.Data)
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != lambdaAlert {
		t.Errorf("Subject = %q (%v), want %q", subject, err, lambdaAlert)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Tournée" || from[0].Address != "alertes@demo.tournee.test" {
		t.Errorf("From = %v (%v), want Tournée <alertes@demo.tournee.test>", from, err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Rep Un" || to[0].Address != "rep1@demo.tournee.test" {
		t.Errorf("To = %v (%v), want Rep Un <rep1@demo.tournee.test>", to, err)
	}
	if date, err := msg.Header.Date(); err != nil || !date.Equal(t0) {
		t.Errorf("Date = %v (%v), want %v", date, err, t0)
	}
	if got, want := msg.Header.Get("Message-ID"), delivery.MessageID(d.Key, "demo.tournee.test"); got != want {
		t.Errorf("Message-ID = %q, want %q", got, want)
	}
	if got := msg.Header.Get("Content-Type"); got != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := msg.Header.Get("X-Tournee-Delivery"); got != d.Key {
		t.Errorf("X-Tournee-Delivery = %q, want %q", got, d.Key)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("quoted-printable body: %v", err)
	}
	if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != d.Body {
		t.Errorf("body = %q, want %q", got, d.Body)
	}
}

// checkLines checks the line limits of a raw message: 998 bytes anywhere
// (RFC 5322), 75 per encoded word (RFC 2047) and 76 in the quoted-printable
// body (RFC 2045).
func checkLines(t *testing.T, data []byte) {
	t.Helper()
	head, text, ok := strings.Cut(string(data), "\r\n\r\n")
	if !ok {
		t.Fatalf("no blank line between header and body in %q", data)
	}
	for _, line := range strings.Split(head, "\r\n") {
		if len(line) > 998 {
			t.Errorf("header line is %d bytes long: %q", len(line), line)
		}
		for _, word := range strings.Fields(line) {
			if strings.HasPrefix(word, "=?") && len(word) > 75 {
				t.Errorf("encoded word is %d bytes long: %q", len(word), word)
			}
		}
	}
	for _, line := range strings.Split(text, "\r\n") {
		if len(line) > 76 {
			t.Errorf("body line is %d bytes long, want at most 76: %q", len(line), line)
		}
	}
}

// TestSMTPLongSubject proves that a subject longer than one encoded word
// is split, folded and still arrives intact.
func TestSMTPLongSubject(t *testing.T) {
	srv := startSMTP(t, smtpOptions{})
	cfg := smtpConfig(srv)
	cfg.Username, cfg.Password = "", ""
	d := lambdaMail("rep1@demo.tournee.test")
	d.Subject = strings.Repeat(lambdaAlert+" · ", 4)
	if err := newSMTP(t, cfg).Send(context.Background(), d); err != nil {
		t.Fatalf("Send: %v", err)
	}
	data := srv.received()[0].Data
	checkLines(t, data)
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || got != d.Subject {
		t.Errorf("Subject = %q (%v), want %q", got, err, d.Subject)
	}
}

// TestSMTPHeaderInjection proves that a subject carrying a line break
// cannot add a header.
func TestSMTPHeaderInjection(t *testing.T) {
	srv := startSMTP(t, smtpOptions{})
	cfg := smtpConfig(srv)
	cfg.Username, cfg.Password = "", ""
	d := lambdaMail("rep1@demo.tournee.test")
	d.Subject = "Alerte\r\nBcc: victim@example.com"
	if err := newSMTP(t, cfg).Send(context.Background(), d); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(srv.received()[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("Bcc"); got != "" {
		t.Errorf("Bcc header %q was injected", got)
	}
	if got, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); got != d.Subject {
		t.Errorf("Subject = %q, want %q", got, d.Subject)
	}
}

// TestSMTPSecurity proves each security mode against servers with and
// without TLS: STARTTLS required never sends in clear, opportunistic
// upgrades when it can, implicit TLS works, and an untrusted certificate
// stops the send.
func TestSMTPSecurity(t *testing.T) {
	serverTLS, roots := selfSigned(t)
	trusted := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	untrusted := &tls.Config{RootCAs: x509.NewCertPool(), MinVersion: tls.VersionTLS12}
	users := map[string]string{testUser: testPassword}
	tests := []struct {
		name     string
		server   smtpOptions
		security delivery.Security
		client   *tls.Config
		wantTLS  bool
		wantErr  bool
	}{
		{"starttls offered", smtpOptions{users: users, startTLS: serverTLS}, delivery.SecurityStartTLS, trusted, true, false},
		{"starttls not offered", smtpOptions{users: users}, delivery.SecurityStartTLS, trusted, false, true},
		{"starttls untrusted certificate", smtpOptions{users: users, startTLS: serverTLS}, delivery.SecurityStartTLS, untrusted, false, true},
		{"opportunistic offered", smtpOptions{users: users, startTLS: serverTLS}, delivery.SecurityOpportunistic, trusted, true, false},
		{"opportunistic not offered", smtpOptions{users: users}, delivery.SecurityOpportunistic, trusted, false, false},
		{"none although offered", smtpOptions{users: users, startTLS: serverTLS}, delivery.SecurityNone, trusted, false, false},
		{"implicit tls", smtpOptions{users: users, implicit: serverTLS}, delivery.SecurityTLS, trusted, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSMTP(t, tt.server)
			cfg := smtpConfig(srv)
			cfg.Security, cfg.TLS = tt.security, tt.client
			err := newSMTP(t, cfg).Send(context.Background(), lambdaMail("rep1@demo.tournee.test"))
			got := srv.received()
			if tt.wantErr {
				if err == nil {
					t.Fatal("Send succeeded, want an error")
				}
				if delivery.IsPermanent(err) {
					t.Errorf("error %v is permanent; a TLS problem is the server's and should be retried", err)
				}
				if len(got) != 0 {
					t.Errorf("server received %d messages, want none", len(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if len(got) != 1 {
				t.Fatalf("server received %d messages, want 1", len(got))
			}
			if got[0].TLS != tt.wantTLS || got[0].User != testUser {
				t.Errorf("received over TLS %v as %q, want TLS %v as %q", got[0].TLS, got[0].User, tt.wantTLS, testUser)
			}
		})
	}
}

// TestSMTPFailures proves how failures are classified: temporary ones
// (451, connection refused, a stalled server, refused credentials) are
// retried, refusals of the recipient or message (550, 552) are permanent,
// and no error reveals the password.
func TestSMTPFailures(t *testing.T) {
	users := map[string]string{testUser: testPassword}
	tests := []struct {
		name          string
		setup         func(t *testing.T) delivery.SMTPConfig
		recipient     string
		wantPermanent bool
		wantIn        string
	}{
		{"rcpt 451", func(t *testing.T) delivery.SMTPConfig {
			srv := startSMTP(t, smtpOptions{users: users})
			srv.refuseRcpt(451)
			return smtpConfig(srv)
		}, "rep1@demo.tournee.test", false, "451"},
		{"rcpt 550", func(t *testing.T) delivery.SMTPConfig {
			srv := startSMTP(t, smtpOptions{users: users})
			srv.refuseRcpt(550)
			return smtpConfig(srv)
		}, "rep1@demo.tournee.test", true, "550"},
		{"data 451", func(t *testing.T) delivery.SMTPConfig {
			srv := startSMTP(t, smtpOptions{users: users})
			srv.refuseData(451)
			return smtpConfig(srv)
		}, "rep1@demo.tournee.test", false, "451"},
		{"data 552", func(t *testing.T) delivery.SMTPConfig {
			srv := startSMTP(t, smtpOptions{users: users})
			srv.refuseData(552)
			return smtpConfig(srv)
		}, "rep1@demo.tournee.test", true, "552"},
		{"wrong password", func(t *testing.T) delivery.SMTPConfig {
			srv := startSMTP(t, smtpOptions{users: map[string]string{testUser: "another"}})
			return smtpConfig(srv)
		}, "rep1@demo.tournee.test", false, "535"},
		{"connection refused", func(t *testing.T) delivery.SMTPConfig {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := l.Addr().(*net.TCPAddr).Port
			l.Close()
			return delivery.SMTPConfig{Host: "127.0.0.1", Port: port, Security: delivery.SecurityNone,
				Username: testUser, Password: testPassword, From: testUser}
		}, "rep1@demo.tournee.test", false, "connect"},
		{"server never greets", func(t *testing.T) delivery.SMTPConfig {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			go func() {
				// Accept and say nothing, as a stalled server does.
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					t.Cleanup(func() { c.Close() })
				}
			}()
			return delivery.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port,
				Security: delivery.SecurityNone, From: testUser, Timeout: 50 * time.Millisecond}
		}, "rep1@demo.tournee.test", false, "timeout"},
		{"malformed recipient", func(t *testing.T) delivery.SMTPConfig {
			return delivery.SMTPConfig{Host: "127.0.0.1", Port: 1, From: testUser}
		}, "not an address", true, "recipient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newSMTP(t, tt.setup(t)).Send(context.Background(), lambdaMail(tt.recipient))
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if got := delivery.IsPermanent(err); got != tt.wantPermanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.wantPermanent)
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not mention %q", err, tt.wantIn)
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Errorf("error %q reveals the password", err)
			}
		})
	}
}

// TestSMTPCancel proves that cancelling the context ends a conversation
// with a stalled server at once, whatever the configured timeout.
func TestSMTPCancel(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			accepted <- c
		}
	}()
	s := newSMTP(t, delivery.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port,
		Security: delivery.SecurityNone, From: testUser, Timeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Send(ctx, lambdaMail("rep1@demo.tournee.test")) }()
	c := <-accepted // connected, waiting for a greeting that never comes
	defer c.Close()
	cancel()
	select {
	case err := <-errc:
		if err == nil || delivery.IsPermanent(err) {
			t.Errorf("Send after cancel = %v, want a temporary error", err)
		}
	case <-time.After(watchdog):
		t.Fatal("Send ignored the cancellation")
	}
}

// TestSMTPConfigHidesPassword proves that printing or logging the
// configuration, as start-up does, never shows the password.
func TestSMTPConfigHidesPassword(t *testing.T) {
	cfg := delivery.SMTPConfig{Host: "smtp.example.com", Username: testUser, Password: testPassword, From: testUser}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("start", "smtp", cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%v", &cfg), logged.String()} {
		if strings.Contains(out, testPassword) {
			t.Errorf("password shown in %s", out)
		}
		if !strings.Contains(out, "smtp.example.com") {
			t.Errorf("host missing from %s", out)
		}
	}
}

// TestNewSMTPInvalid proves that a configuration that can never send is
// refused at start-up rather than at the first alert.
func TestNewSMTPInvalid(t *testing.T) {
	tests := []struct {
		name string
		cfg  delivery.SMTPConfig
	}{
		{"no host", delivery.SMTPConfig{From: testUser}},
		{"bad port", delivery.SMTPConfig{Host: "h", Port: 70000, From: testUser}},
		{"bad from", delivery.SMTPConfig{Host: "h", From: "nobody"}},
		{"bad security", delivery.SMTPConfig{Host: "h", From: testUser, Security: "ssl3"}},
		{"password without user", delivery.SMTPConfig{Host: "h", From: testUser, Password: "p"}},
		{"credentials in clear to a remote host", delivery.SMTPConfig{Host: "smtp.example.com", From: testUser,
			Security: delivery.SecurityNone, Username: testUser, Password: testPassword}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := delivery.NewSMTP(tt.cfg)
			if !errors.Is(err, accounts.ErrInvalid) {
				t.Errorf("NewSMTP = %v, want ErrInvalid", err)
			}
		})
	}
}

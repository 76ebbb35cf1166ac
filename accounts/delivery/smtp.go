package delivery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/tournee/tournee/accounts"
)

// Security is how an SMTP connection is protected.
type Security string

const (
	// SecurityStartTLS upgrades the connection with STARTTLS and refuses to
	// send if the server does not offer it: the default, because credentials
	// and alerts about clients must not cross the network in clear.
	SecurityStartTLS Security = "starttls"
	// SecurityOpportunistic upgrades when the server offers STARTTLS and
	// sends in clear otherwise, for relays inside a trusted network. A
	// failed handshake is an error, never a silent downgrade.
	SecurityOpportunistic Security = "opportunistic"
	// SecurityNone never upgrades: a local relay on the same host.
	SecurityNone Security = "none"
	// SecurityTLS speaks TLS from the first byte (port 465, "implicit TLS").
	SecurityTLS Security = "tls"
)

// SMTPConfig configures the e-mail sender.
type SMTPConfig struct {
	Host     string
	Port     int      // 587 when zero, 465 with SecurityTLS
	Security Security // SecurityStartTLS when empty
	// Username and Password authenticate with AUTH PLAIN when Username is
	// set. PLAIN is refused over a connection that is neither TLS nor to
	// localhost, so that a misconfigured relay cannot leak the password.
	Username string
	Password string
	// From is the sender, with or without a display name:
	// "Tournée <alerts@example.com>". Its domain also names Message-IDs.
	From string
	// HelloName is sent with EHLO; "localhost" when empty.
	HelloName string
	// TLS sets roots, versions and the like; ServerName defaults to Host.
	TLS *tls.Config
	// DialTimeout bounds connecting (10 s when zero) and Timeout the whole
	// conversation of one message (1 min when zero), so that a server that
	// accepts and then stalls cannot hold the worker.
	DialTimeout time.Duration
	Timeout     time.Duration
	// Now stamps the Date header; time.Now when nil.
	Now func() time.Time
}

// String shows the configuration with the password masked, so that
// printing it at start-up or in an error is safe.
func (c SMTPConfig) String() string {
	return fmt.Sprintf("smtp{host=%s port=%d security=%s username=%q password=%s from=%q}",
		c.Host, c.port(), c.security(), c.Username, mask(c.Password), c.From)
}

// LogValue keeps the password out of structured logs.
func (c SMTPConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.port()),
		slog.String("security", string(c.security())),
		slog.String("username", c.Username),
		slog.String("password", mask(c.Password)),
		slog.String("from", c.From),
	)
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "***"
}

func (c SMTPConfig) security() Security {
	if c.Security == "" {
		return SecurityStartTLS
	}
	return c.Security
}

func (c SMTPConfig) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.security() == SecurityTLS:
		return 465
	default:
		return 587
	}
}

// SMTP sends e-mail deliveries through one SMTP server, one connection per
// message: alerts are few, and a fresh connection leaves no half-broken
// session behind a failure.
type SMTP struct {
	cfg  SMTPConfig
	from *mail.Address
}

var _ Sender = (*SMTP)(nil)

// NewSMTP checks cfg and returns a sender.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, fmt.Errorf("%w: smtp host is required", accounts.ErrInvalid)
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("%w: smtp port must be between 1 and 65535", accounts.ErrInvalid)
	}
	switch cfg.security() {
	case SecurityStartTLS, SecurityOpportunistic, SecurityNone, SecurityTLS:
	default:
		return nil, fmt.Errorf("%w: smtp security must be %q, %q, %q or %q", accounts.ErrInvalid,
			SecurityStartTLS, SecurityOpportunistic, SecurityNone, SecurityTLS)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("%w: smtp from %q: %v", accounts.ErrInvalid, cfg.From, err)
	}
	if cfg.Username == "" && cfg.Password != "" {
		return nil, fmt.Errorf("%w: smtp password given without a username", accounts.ErrInvalid)
	}
	if cfg.Username != "" && cfg.security() == SecurityNone && !loopback(cfg.Host) {
		// PLAIN would send the password in clear; refuse now rather than
		// fail every delivery later.
		return nil, fmt.Errorf("%w: smtp credentials need TLS (security %q, %q or %q) unless the host is local",
			accounts.ErrInvalid, SecurityStartTLS, SecurityOpportunistic, SecurityTLS)
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &SMTP{cfg: cfg, from: from}, nil
}

// loopback reports whether host is this machine, the only place PLAIN may
// go without TLS.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// MessageID derives the Message-ID of a delivery from its key and the
// sender's domain. Every attempt of a delivery gets the same one, which is
// how mail clients fold the copy that a resend after a crash may produce.
// The key is hashed because it may hold characters a Message-ID may not.
func MessageID(key, domain string) string {
	sum := sha256.Sum256([]byte(key))
	return "<" + hex.EncodeToString(sum[:16]) + "@" + domain + ">"
}

// Send delivers d as a plain-text e-mail. Replies 5xx to RCPT and DATA are
// permanent (this recipient or this message is refused); everything else,
// including 5xx at connection, EHLO, AUTH or MAIL, is retried, because it
// concerns the server or our configuration rather than this message, and
// an admin's fix should still let the alert through.
func (s *SMTP) Send(ctx context.Context, d accounts.Delivery) error {
	to, err := mail.ParseAddress(d.Recipient)
	if err != nil {
		return Permanent(fmt.Errorf("smtp: recipient %q: %w", d.Recipient, err))
	}
	msg, err := s.message(d, to)
	if err != nil {
		return Permanent(err)
	}

	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	conn, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("smtp: connect: %w", err)
	}
	// net/smtp knows no context: a deadline on the connection bounds the
	// conversation, and cancelling moves it to the past to unblock a read.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return fmt.Errorf("smtp: ehlo: %w", err)
	}
	if sec := s.cfg.security(); sec == SecurityStartTLS || sec == SecurityOpportunistic {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("smtp: starttls: %w", err)
			}
		} else if sec == SecurityStartTLS {
			return errors.New("smtp: starttls: server does not offer STARTTLS and security is " + string(SecurityStartTLS))
		}
	}
	if s.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("smtp: auth: server does not offer AUTH")
		}
		// The error of a refused AUTH names the reply, never the password.
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return fmt.Errorf("smtp: auth: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("smtp: mail from: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return replyError("rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return replyError("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp: data: %w", err)
	}
	// Close sends the final dot and reads the reply that decides
	// acceptance.
	if err := w.Close(); err != nil {
		return replyError("data", err)
	}
	// The message is accepted: a failed QUIT must not turn into a resend.
	_ = c.Quit()
	return nil
}

// replyError wraps err from stage, permanent for a 5xx reply.
func replyError(stage string, err error) error {
	err = fmt.Errorf("smtp: %s: %w", stage, err)
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return Permanent(err)
	}
	return err
}

func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.port()))
	nd := &net.Dialer{Timeout: s.cfg.DialTimeout}
	if s.cfg.security() == SecurityTLS {
		td := &tls.Dialer{NetDialer: nd, Config: s.tlsConfig()}
		return td.DialContext(ctx, "tcp", addr)
	}
	return nd.DialContext(ctx, "tcp", addr)
}

func (s *SMTP) tlsConfig() *tls.Config {
	var cfg *tls.Config
	if s.cfg.TLS != nil {
		cfg = s.cfg.TLS.Clone()
	} else {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.cfg.Host
	}
	return cfg
}

// message writes d as an RFC 5322 message with a quoted-printable UTF-8
// body: quoted-printable rather than 8bit because it survives any relay,
// including one that does not announce 8BITMIME, and keeps lines short.
func (s *SMTP) message(d accounts.Delivery, to *mail.Address) ([]byte, error) {
	domain := s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteString("\r\n")
	}
	header("Date", s.cfg.Now().Format(time.RFC1123Z))
	header("From", s.from.String())
	header("To", to.String())
	header("Subject", encodeHeader(d.Subject))
	header("Message-ID", MessageID(d.Key, domain))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// Automatic mail: out-of-office replies must not answer it (RFC 3834).
	header("Auto-Submitted", "auto-generated")
	header("X-Tournee-Delivery", d.Key)
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(d.Body)); err != nil {
		return nil, fmt.Errorf("smtp: body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("smtp: body: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// encodeHeader encodes a header value as RFC 2047 words when it is not
// plain ASCII (which also neutralises a CR or LF that would inject a
// header) and folds between the words, so that a long subject stays within
// the line length mail servers accept.
func encodeHeader(v string) string {
	enc := mime.QEncoding.Encode("UTF-8", v)
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

package delivery_test

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/delivery"
)

// t0 is the fixed start of every test clock: 2 May, the day the rep of
// LAMBDA SARL is reminded of the retiring buyer.
var t0 = time.Date(2025, 5, 2, 7, 30, 0, 0, time.UTC)

// memOutbox is an in-memory accounts.Outbox for the worker's tests. The
// real outboxes are the SQLite and PostgreSQL stores, tested against the
// shared conformance suite; this one keeps the same contract (claims under
// a lease, attempts counted at claim, marks fenced by attempt, keys unique)
// so that the worker is tested against that contract and nothing looser.
type memOutbox struct {
	mu     sync.Mutex
	rows   []*accounts.Delivery // in id order
	claims []int                // size of every non-empty claim
	// failClaims makes the next claims fail, as a store that is down.
	failClaims int
	// loseSent makes the next MarkSent calls fail without recording, as a
	// process that dies between sending and marking.
	loseSent int
}

var _ accounts.Outbox = (*memOutbox)(nil)

// add enqueues d as a store would: validated, pending, due now unless
// NextAt says otherwise, and ignored when its key is already there.
func (o *memOutbox) add(t *testing.T, d accounts.Delivery) int64 {
	t.Helper()
	if err := d.Validate(); err != nil {
		t.Fatalf("Validate(%+v): %v", d, err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.rows {
		if r.Key == d.Key {
			return r.ID
		}
	}
	d.ID = int64(len(o.rows) + 1)
	d.State = accounts.DeliveryPending
	if d.NextAt.IsZero() {
		d.NextAt = t0
	}
	o.rows = append(o.rows, &d)
	return d.ID
}

func (o *memOutbox) get(id int64) accounts.Delivery {
	o.mu.Lock()
	defer o.mu.Unlock()
	return *o.rows[id-1]
}

// settled reports whether no delivery is pending any more.
func (o *memOutbox) settled() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.rows {
		if r.State == accounts.DeliveryPending {
			return false
		}
	}
	return true
}

func (o *memOutbox) ClaimDeliveries(_ context.Context, now time.Time, lease time.Duration, limit int) ([]accounts.Delivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failClaims > 0 {
		o.failClaims--
		return nil, errors.New("database is locked")
	}
	var due []*accounts.Delivery
	for _, r := range o.rows {
		if r.State == accounts.DeliveryPending && !r.NextAt.After(now) {
			due = append(due, r)
		}
	}
	slices.SortStableFunc(due, func(a, b *accounts.Delivery) int {
		return cmp.Or(a.NextAt.Compare(b.NextAt), cmp.Compare(a.ID, b.ID))
	})
	due = due[:min(len(due), limit)]
	out := make([]accounts.Delivery, len(due))
	for i, r := range due {
		r.NextAt = now.Add(lease)
		r.Attempts++
		out[i] = *r
	}
	if len(out) > 0 {
		o.claims = append(o.claims, len(out))
	}
	return out, nil
}

func (o *memOutbox) NextDeliveryAt(context.Context) (time.Time, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var next time.Time
	found := false
	for _, r := range o.rows {
		if r.State == accounts.DeliveryPending && (!found || r.NextAt.Before(next)) {
			next, found = r.NextAt, true
		}
	}
	return next, found, nil
}

// fenced returns the row id if it is still pending at attempt.
func (o *memOutbox) fenced(id int64, attempt int) (*accounts.Delivery, error) {
	if id < 1 || int(id) > len(o.rows) {
		return nil, accounts.NotFound("delivery", id)
	}
	r := o.rows[id-1]
	if r.State != accounts.DeliveryPending || r.Attempts != attempt {
		return nil, fmt.Errorf("%w: delivery %d is %s at attempt %d", accounts.ErrConflict, id, r.State, r.Attempts)
	}
	return r, nil
}

func (o *memOutbox) MarkSent(_ context.Context, id int64, attempt int, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.loseSent > 0 {
		o.loseSent--
		return errors.New("process died before the mark was committed")
	}
	r, err := o.fenced(id, attempt)
	if err != nil {
		return err
	}
	r.State, r.SentAt, r.LastError = accounts.DeliverySent, at, ""
	return nil
}

func (o *memOutbox) MarkFailed(_ context.Context, id int64, attempt int, nextAt time.Time, lastErr string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.fenced(id, attempt)
	if err != nil {
		return err
	}
	r.NextAt, r.LastError = nextAt, lastErr
	return nil
}

func (o *memOutbox) MarkDead(_ context.Context, id int64, attempt int, _ time.Time, lastErr string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.fenced(id, attempt)
	if err != nil {
		return err
	}
	r.State, r.LastError = accounts.DeliveryDead, lastErr
	return nil
}

// fakeClock is a delivery.Clock that moves only when told. Every After
// call is announced on sleeping with its deadline: the worker calls After
// only when it is about to block, so a test that reads sleeping knows the
// worker is idle and its effects are visible.
type fakeClock struct {
	mu       sync.Mutex
	now      time.Time
	timers   []fakeTimer
	sleeping chan time.Time
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: t0, sleeping: make(chan time.Time, 1000)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	ch := make(chan time.Time, 1)
	at := c.now.Add(d)
	if d <= 0 {
		ch <- c.now
	} else {
		c.timers = append(c.timers, fakeTimer{at: at, ch: ch})
	}
	c.mu.Unlock()
	c.sleeping <- at
	return ch
}

// set moves the clock to t (never back) and fires the timers due by then.
func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(c.now) {
			tm.ch <- c.now
		} else {
			kept = append(kept, tm)
		}
	}
	c.timers = kept
}

// watchdog bounds how long a test waits for the worker to reach its next
// sleep; it is a failure deadline, not a delay anything relies on.
const watchdog = 10 * time.Second

// drive runs w until done holds at one of its sleeps, moving the clock to
// each wake-up time in between, so that hours of backoff take no time.
func drive(t *testing.T, w *delivery.Worker, clock *fakeClock, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- w.Run(ctx) }()
	for sleeps := 0; ; sleeps++ {
		select {
		case at := <-clock.sleeping:
			if done() {
				cancel()
				if err := <-errc; err != nil {
					t.Fatalf("Run: %v", err)
				}
				return
			}
			if sleeps > 1000 {
				t.Fatal("worker still busy after 1000 sleeps")
			}
			clock.set(at)
		case err := <-errc:
			t.Fatalf("Run returned early: %v", err)
		case <-time.After(watchdog):
			t.Fatal("worker neither slept nor finished")
		}
	}
}

// received is one message accepted by the test SMTP server.
type received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

// smtpServer is a real SMTP server in-process that records what it
// accepts and can be told to refuse first.
type smtpServer struct {
	Host string
	Port int

	mu       sync.Mutex
	messages []received
	rcpts    int     // RCPT commands seen
	rcptErrs []error // returned by the next RCPT commands, in order
	dataErrs []error // returned by the next DATA commands, in order
}

type smtpOptions struct {
	users    map[string]string // AUTH PLAIN accounts; none: no AUTH required
	startTLS *tls.Config       // offer STARTTLS with this configuration
	implicit *tls.Config       // speak TLS from the first byte
}

func startSMTP(t *testing.T, opt smtpOptions) *smtpServer {
	t.Helper()
	s := &smtpServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: s, conn: c, users: opt.users}, nil
	}))
	srv.Domain = "mx.test"
	// AUTH PLAIN without TLS is allowed so that the plain-text case can
	// authenticate too; the client refuses it unless the host is local.
	srv.AllowInsecureAuth = true
	srv.TLSConfig = opt.startTLS
	srv.ReadTimeout = watchdog
	srv.WriteTimeout = watchdog
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opt.implicit != nil {
		l = tls.NewListener(l, opt.implicit)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	host, port, _ := net.SplitHostPort(l.Addr().String())
	s.Host = host
	s.Port, _ = strconv.Atoi(port)
	return s
}

// refuseRcpt queues SMTP replies for the next RCPT commands.
func (s *smtpServer) refuseRcpt(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range codes {
		s.rcptErrs = append(s.rcptErrs, smtpErr(c))
	}
}

// refuseData queues SMTP replies for the next DATA commands.
func (s *smtpServer) refuseData(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range codes {
		s.dataErrs = append(s.dataErrs, smtpErr(c))
	}
}

func smtpErr(code int) error {
	return &smtp.SMTPError{
		Code:         code,
		EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0},
		Message:      "refused by the test server",
	}
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

func (s *smtpServer) rcptCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcpts
}

type smtpSession struct {
	srv   *smtpServer
	conn  *smtp.Conn
	users map[string]string
	user  string
	from  string
	to    []string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if want, ok := s.users[username]; !ok || want != password {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if len(s.users) > 0 && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.rcpts++
	if len(s.srv.rcptErrs) > 0 {
		err := s.srv.rcptErrs[0]
		s.srv.rcptErrs = s.srv.rcptErrs[1:]
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if len(s.srv.dataErrs) > 0 {
		err := s.srv.dataErrs[0]
		s.srv.dataErrs = s.srv.dataErrs[1:]
		return err
	}
	s.srv.messages = append(s.srv.messages, received{From: s.from, To: s.to, Data: data, TLS: isTLS, User: s.user})
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// selfSigned returns a server TLS configuration for 127.0.0.1 with a
// certificate made for this test, and a pool that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now() // certificate validity is checked against the real clock
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tournee test"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion:   tls.VersionTLS12,
	}, pool
}

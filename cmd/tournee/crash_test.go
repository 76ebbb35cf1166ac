package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/delivery"
	"github.com/tournee/tournee/accounts/demo"
	"github.com/tournee/tournee/accounts/postgres"
	"github.com/tournee/tournee/accounts/sqlite"
)

// The brief's rules and reminders examples (design.md §7), end to end
// through a real store, a real SMTP server and a process that dies: on 24
// April the demo's rules decide their alerts in a child process, which is
// killed while its delivery worker is in the middle of the first e-mail;
// after a restart every alert arrives once, the LAMBDA SARL one with its
// copy to the rep's manager; on 2 May the retiring buyer's rule asks the
// rep to meet the successor.

// crashChildEnv makes the test binary a child that decides and sends (see
// TestMain).
const crashChildEnv = "TOURNEE_TEST_CRASH_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		if err := crashChild(context.Background(), os.Getenv, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild is the process that dies: it opens the store named by the
// environment, evaluates the rules at TOURNEE_TEST_NOW with e-mail on,
// prints how many firings it recorded, then runs the delivery worker
// against the SMTP server at TOURNEE_SMTP_HOST/PORT until it is killed.
func crashChild(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg := configFromEnv(getenv)
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	now, err := time.Parse(time.RFC3339, getenv("TOURNEE_TEST_NOW"))
	if err != nil {
		return err
	}
	svc := accounts.NewService(st)
	svc.Rules = &accounts.Rules{Now: func() time.Time { return now }, Email: true}
	run, err := svc.EvaluateRules(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "decided %d\n", run.Fired)
	sc, err := cfg.smtpConfig()
	if err != nil {
		return err
	}
	smtp, err := delivery.NewSMTP(*sc)
	if err != nil {
		return err
	}
	w := &delivery.Worker{Outbox: st, Senders: map[accounts.Channel]delivery.Sender{accounts.ChannelEmail: smtp}}
	return w.Run(ctx)
}

func TestAlertsSurviveACrash(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tournee.db")
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		testAlertsSurviveACrash(t, db, "TOURNEE_DB="+path)
	})
	t.Run("postgres", func(t *testing.T) {
		db := postgres.OpenTest(t)
		testAlertsSurviveACrash(t, db, "DATABASE_URL="+db.Pool().Config().ConnString())
	})
}

func testAlertsSurviveACrash(t *testing.T, st accounts.Store, storeEnv string) {
	ctx := context.Background()
	april24 := time.Date(2026, 4, 24, 7, 0, 0, 0, time.UTC)
	sum, err := demo.Seed(ctx, accounts.NewService(st), demo.Options{Seed: 1, Now: april24, Accounts: 1000, Reps: 5})
	if err != nil {
		t.Fatal(err)
	}
	mx := startMailSink(t)

	// The child decides, starts sending and is killed in the middle of the
	// first e-mail: its SMTP session is held before MAIL FROM is answered.
	mx.hold()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), crashChildEnv+"=1", storeEnv, "TOURNEE_TEST_NOW="+april24.Format(time.RFC3339),
		"TOURNEE_SMTP_HOST=127.0.0.1", "TOURNEE_SMTP_PORT="+strconv.Itoa(mx.port), "TOURNEE_SMTP_SECURITY=none",
		"TOURNEE_SMTP_FROM=alertes@demo.tournee.test")
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		child.Process.Kill()
		t.Fatalf("child said %q: %v", line, err)
	}
	decided, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "decided ")))
	if err != nil || decided < 2 {
		child.Process.Kill()
		t.Fatalf("child said %q: want at least the two firings of 24 April", line)
	}
	select {
	case <-mx.held:
	case <-time.After(time.Minute):
		child.Process.Kill()
		t.Fatal("the child never started sending")
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	mx.release()
	if got := mx.messages(); len(got) != 0 {
		t.Fatalf("%d e-mails arrived before the crash; the test must kill the child before any", len(got))
	}

	// What the child decided survived it: the alerts are in the feed, the
	// deliveries wait in the outbox (claimed by the dead worker until its
	// lease lapses).
	lambda, err := st.GetAccount(ctx, sum.Lambda)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := st.GetUser(ctx, *lambda.OwnerID)
	if err != nil {
		t.Fatal(err)
	}
	manager, err := st.GetUser(ctx, *rep.ManagerID)
	if err != nil {
		t.Fatal(err)
	}
	if as, err := st.ListAlerts(ctx, accounts.AlertFilter{UserID: rep.ID}); err != nil || !slices.ContainsFunc(as, onAccount(lambda.ID)) {
		t.Fatalf("rep's alerts after the crash = %+v, %v; want LAMBDA SARL's", as, err)
	}
	if _, pending, err := st.NextDeliveryAt(ctx); err != nil || !pending {
		t.Fatalf("outbox after the crash: pending=%v, %v; want the undelivered alerts", pending, err)
	}

	// The restarted process evaluates again (nothing new: the cooldown) and
	// its worker, once the dead one's lease has lapsed, sends everything.
	svc := accounts.NewService(st)
	svc.Rules = &accounts.Rules{Now: func() time.Time { return april24 }, Email: true}
	if run, err := svc.EvaluateRules(ctx, nil); err != nil || run.Fired != 0 {
		t.Fatalf("evaluation after restart = %+v, %v; want no new firing", run, err)
	}
	later := &shiftedClock{by: delivery.DefaultLease + time.Minute}
	drain(t, st, mx, later)
	sent := mx.messages()
	checkOnce(t, sent)
	if n := countAlerts(t, st); len(sent) != n {
		t.Errorf("%d e-mails for %d alerts in the feeds", len(sent), n)
	}
	for _, want := range []struct{ to, about, says string }{
		{rep.Email, "LAMBDA SARL", "90 %"},
		{manager.Email, "LAMBDA SARL", "90 %"},
		{ownerEmail(t, st, sum.Prospect), accountName(t, st, sum.Prospect), "qualifié"},
	} {
		if !slices.ContainsFunc(sent, func(m mailMessage) bool {
			return m.to == want.to && strings.Contains(m.subject, want.about) && strings.Contains(m.body, want.says)
		}) {
			t.Errorf("no e-mail to %s about %s saying %q among %d", want.to, want.about, want.says, len(sent))
		}
	}

	// 2 May: the buyer of LAMBDA SARL retires at the end of July.
	may2 := time.Date(2026, 5, 2, 7, 0, 0, 0, time.UTC)
	svc.Rules.Now = func() time.Time { return may2 }
	if _, err := svc.EvaluateRules(ctx, nil); err != nil {
		t.Fatal(err)
	}
	drain(t, st, mx, later)
	all := mx.messages()
	checkOnce(t, all)
	fresh := all[len(sent):]
	if !slices.ContainsFunc(fresh, func(m mailMessage) bool {
		return m.to == rep.Email && strings.Contains(m.subject, "LAMBDA SARL") && strings.Contains(m.body, "retraite")
	}) {
		t.Errorf("on 2 May no e-mail to the rep about LAMBDA SARL's buyer among %d new", len(fresh))
	}
	tasks, err := st.ListTasks(ctx, accounts.TaskFilter{AccountID: lambda.ID, AssigneeID: rep.ID})
	if err != nil || !slices.ContainsFunc(tasks, func(tk accounts.Task) bool { return strings.Contains(tk.Title, "successeur") }) {
		t.Errorf("LAMBDA SARL's tasks on 2 May = %+v, %v; want the meeting with the successor", tasks, err)
	}
}

// drain runs delivery rounds at clock until nothing is left to send.
func drain(t *testing.T, st accounts.Store, mx *mailSink, clock delivery.Clock) {
	t.Helper()
	smtpSender, err := delivery.NewSMTP(delivery.SMTPConfig{Host: "127.0.0.1", Port: mx.port,
		Security: delivery.SecurityNone, From: "alertes@demo.tournee.test"})
	if err != nil {
		t.Fatal(err)
	}
	w := &delivery.Worker{Outbox: st, Clock: clock,
		Senders: map[accounts.Channel]delivery.Sender{accounts.ChannelEmail: smtpSender}}
	for range 100 {
		n, err := w.Round(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the outbox did not drain in 100 rounds")
}

// checkOnce fails t when a recipient got the same message (by Message-ID,
// which is derived from the delivery key) twice.
func checkOnce(t *testing.T, ms []mailMessage) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range ms {
		k := m.to + " " + m.id
		if seen[k] {
			t.Errorf("%s received %q twice", m.to, m.subject)
		}
		seen[k] = true
	}
}

// countAlerts is the number of alerts in every user's feed.
func countAlerts(t *testing.T, st accounts.Store) int {
	t.Helper()
	users, err := st.ListUsers(context.Background(), accounts.UserFilter{Page: accounts.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range users {
		as, err := st.ListAlerts(context.Background(), accounts.AlertFilter{UserID: u.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		n += len(as)
	}
	return n
}

func onAccount(id int64) func(accounts.Alert) bool {
	return func(a accounts.Alert) bool { return a.AccountID != nil && *a.AccountID == id }
}

func accountName(t *testing.T, st accounts.Store, id int64) string {
	t.Helper()
	a, err := st.GetAccount(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Name
}

func ownerEmail(t *testing.T, st accounts.Store, id int64) string {
	t.Helper()
	a, err := st.GetAccount(context.Background(), id)
	if err != nil || a.OwnerID == nil {
		t.Fatalf("account %d: %+v, %v", id, a, err)
	}
	u, err := st.GetUser(context.Background(), *a.OwnerID)
	if err != nil {
		t.Fatal(err)
	}
	return u.Email
}

// shiftedClock is the wall clock moved forward: the restarted worker's
// view once the dead one's lease has lapsed.
type shiftedClock struct{ by time.Duration }

func (c *shiftedClock) Now() time.Time                         { return time.Now().Add(c.by) }
func (c *shiftedClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// mailSink is a real SMTP server on loopback that keeps what it receives. Held,
// it keeps every new session waiting before it answers MAIL FROM.
type mailSink struct {
	port int
	mu   sync.Mutex
	got  []mailMessage
	gate chan struct{} // closed: sessions go on
	held chan struct{} // closed when a session first waits at the gate
	once sync.Once
}

// mailMessage is one message as one recipient got it; key is the
// delivery's X-Tournee-Delivery header.
type mailMessage struct{ to, id, key, subject, body string }

func startMailSink(t *testing.T) *mailSink {
	t.Helper()
	mx := &mailSink{gate: make(chan struct{}), held: make(chan struct{})}
	close(mx.gate)
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{mx: mx}, nil }))
	srv.Domain = "mx.test"
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		mx.release()
		srv.Close()
		<-done
	})
	mx.port = l.Addr().(*net.TCPAddr).Port
	return mx
}

func (mx *mailSink) hold() {
	mx.mu.Lock()
	defer mx.mu.Unlock()
	mx.gate = make(chan struct{})
}

func (mx *mailSink) release() {
	mx.mu.Lock()
	defer mx.mu.Unlock()
	select {
	case <-mx.gate:
	default:
		close(mx.gate)
	}
}

func (mx *mailSink) messages() []mailMessage {
	mx.mu.Lock()
	defer mx.mu.Unlock()
	return slices.Clone(mx.got)
}

type sinkSession struct {
	mx *mailSink
	to []string
}

func (s *sinkSession) Mail(string, *smtp.MailOptions) error {
	s.mx.mu.Lock()
	gate := s.mx.gate
	s.mx.mu.Unlock()
	select {
	case <-gate:
		return nil
	default:
	}
	s.mx.once.Do(func() { close(s.mx.held) })
	<-gate
	return errors.New("session abandoned")
}

func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return err
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		return err
	}
	s.mx.mu.Lock()
	defer s.mx.mu.Unlock()
	for _, to := range s.to {
		s.mx.got = append(s.mx.got, mailMessage{to: to, id: m.Header.Get("Message-Id"), key: m.Header.Get("X-Tournee-Delivery"),
			subject: subject, body: string(body)})
	}
	return nil
}

func (s *sinkSession) Reset()        { s.to = nil }
func (s *sinkSession) Logout() error { return nil }

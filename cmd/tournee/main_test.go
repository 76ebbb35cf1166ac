package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://tournee:s3cret@db:5432/tournee?sslmode=disable", "postgres://tournee:xxxxx@db:5432/tournee?sslmode=disable"},
		{"postgres://db/tournee?password=s3cret&sslmode=disable", "postgres://db/tournee?password=xxxxx&sslmode=disable"},
		{"postgres://db/tournee", "postgres://db/tournee"},
		{"postgres://u:p@[::1", "(unparsable URL)"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want || strings.Contains(got, "s3cret") {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestConfig(t *testing.T) {
	env := map[string]string{"TOURNEE_ADDR": "127.0.0.1:9999", "DATABASE_URL": "postgres://u:pw@h/db"}
	cfg := configFromEnv(func(k string) string { return env[k] })
	if cfg.Addr != "127.0.0.1:9999" || cfg.DB != "./tournee.db" || cfg.DatabaseURL != env["DATABASE_URL"] {
		t.Errorf("config = %+v", cfg)
	}
	var sb strings.Builder
	cfg.print(&sb)
	if strings.Contains(sb.String(), "pw") || !strings.Contains(sb.String(), "postgres://u:xxxxx@h/db") {
		t.Errorf("printed config %q leaks or lacks the URL", sb.String())
	}
}

// TestServeAndShutdown runs `tournee serve` on a free loopback port over a
// new SQLite file, checks that it answers, then stops it as SIGTERM would.
func TestServeAndShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	db := filepath.Join(t.TempDir(), "tournee.db")
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, func(string) string { return "" }, nil, w, io.Discard)
		w.Close()
	}()

	var addr string
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if a, ok := strings.CutPrefix(lines.Text(), "tournee: listening on "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatalf("serve stopped before listening: %v", <-done)
	}
	go io.Copy(io.Discard, out)

	for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusOK, "/api/v1/accounts": http.StatusUnauthorized} {
		resp, err := http.Get(addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v after shutdown, want nil", err)
	}
}

func TestUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
		t.Errorf("err = %v", err)
	}
	if err := run(context.Background(), nil, func(string) string { return "" }, nil, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("no command: err = %v, want usage", err)
	}
}

// TestImportCommand imports a small Windows-1252 file through the command
// line into a SQLite file, then checks that a file with one bad row writes
// nothing in the default all-or-nothing mode.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tournee.db")
	good := filepath.Join(dir, "good.csv")
	// "Société" and "Béziers" in Windows-1252.
	csv := "nom;type;latitude;longitude;potentiel;ville\r\nSoci\xe9t\xe9 A;client;43,344;3,215;30 000,50;B\xe9ziers\r\nB SARL;prospect;45.76;4.83;;Lyon\r\n"
	if err := os.WriteFile(good, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) string { return "" }
	var out strings.Builder
	if err := run(context.Background(), []string{"import", "accounts", good, "--db", db}, noEnv, nil, &out, io.Discard); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("name,kind,lat,lng\nC,client,45,4\nD,client,95,4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	err := run(context.Background(), []string{"import", "--db", db, "accounts", bad}, noEnv, nil, io.Discard, &errOut)
	if err == nil || !strings.Contains(errOut.String(), "line 3: lat must be between -90 and 90") {
		t.Errorf("bad file: err = %v, stderr %q", err, errOut.String())
	}

	st, err := openMigrated(context.Background(), config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.ListAccounts(context.Background(), accounts.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range got {
		names = append(names, a.Name+"/"+a.Address.City)
	}
	if want := "[Société A/Béziers B SARL/Lyon]"; fmt.Sprint(names) != want {
		t.Errorf("accounts = %v, want %s", names, want)
	}
	if got[0].PotentialCents != 3000050 {
		t.Errorf("potential = %d, want 3000050", got[0].PotentialCents)
	}
}

func TestPlanningConfig(t *testing.T) {
	tests := []struct {
		env     map[string]string
		wantErr string // the setting the error names; "" for none
	}{
		{map[string]string{}, ""},
		{map[string]string{"TOURNEE_TRAVEL": "osrm", "TOURNEE_TRAVEL_URL": "http://127.0.0.1:5000"}, ""},
		{map[string]string{"TOURNEE_TRAVEL": "valhalla", "TOURNEE_TRAVEL_URL": "http://127.0.0.1:8002", "TOURNEE_HOTEL_CENTS": "12000"}, ""},
		{map[string]string{"TOURNEE_TIME_ZONE": "Mars/Olympus"}, "TOURNEE_TIME_ZONE"},
		{map[string]string{"TOURNEE_TRAVEL": "teleport"}, "TOURNEE_TRAVEL"},
		{map[string]string{"TOURNEE_TRAVEL": "osrm"}, "TOURNEE_TRAVEL_URL"},
		{map[string]string{"TOURNEE_DETOUR": "0.5"}, "TOURNEE_DETOUR"},
		{map[string]string{"TOURNEE_PER_DIEM_CENTS": "25,50"}, "TOURNEE_PER_DIEM_CENTS"},
		{map[string]string{"TOURNEE_VALUE_PER_POINT_CENTS": "-1"}, "TOURNEE_VALUE_PER_POINT_CENTS"},
	}
	for _, tc := range tests {
		p, err := configFromEnv(func(k string) string { return tc.env[k] }).planning()
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.wantErr)
		case err == nil && (p.Travel == nil || p.TimeZone == nil || p.Tariff.HotelCents == 0):
			t.Errorf("%v: planning %+v lacks its defaults", tc.env, p)
		}
	}
}

func TestSMTPConfig(t *testing.T) {
	env := map[string]string{"TOURNEE_SMTP_HOST": "smtp.example.test", "TOURNEE_SMTP_PORT": "2525",
		"TOURNEE_SMTP_USER": "alerts", "TOURNEE_SMTP_PASSWORD": "s3cret-pw", "TOURNEE_SMTP_FROM": "Tournée <alerts@example.test>"}
	cfg := configFromEnv(func(k string) string { return env[k] })
	sc, err := cfg.smtpConfig()
	if err != nil || sc == nil || sc.Host != "smtp.example.test" || sc.Port != 2525 || sc.Password != "s3cret-pw" {
		t.Fatalf("smtpConfig = %+v, %v", sc, err)
	}
	var sb strings.Builder
	cfg.print(&sb)
	if strings.Contains(sb.String(), "s3cret") || !strings.Contains(sb.String(), "smtp.example.test:2525") {
		t.Errorf("printed config %q leaks the password or lacks the server", sb.String())
	}
	env["TOURNEE_SMTP_PORT"] = "twenty"
	if _, err := configFromEnv(func(k string) string { return env[k] }).smtpConfig(); err == nil || !strings.Contains(err.Error(), "TOURNEE_SMTP_PORT") {
		t.Errorf("a bad port gives %v, want an error naming TOURNEE_SMTP_PORT", err)
	}
	if sc, err := configFromEnv(func(string) string { return "" }).smtpConfig(); sc != nil || err != nil {
		t.Errorf("no host: %+v, %v; want no SMTP", sc, err)
	}
}

func TestNextRun(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ now, want time.Time }{
		{time.Date(2026, 11, 23, 4, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 6, 0, 0, 0, paris)},
		{time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 6, 0, 0, 0, paris)}, // 06:00 Paris exactly
		{time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 6, 0, 0, 0, paris)},  // clocks go forward that night
	}
	for _, tc := range tests {
		if got := nextRun(tc.now, paris); !got.Equal(tc.want) {
			t.Errorf("nextRun(%v) = %v, want %v", tc.now, got, tc.want)
		}
	}
}

// TestUserAdd creates the first admin from the command line, with a
// generated password and with one read from standard input, and checks
// that each signs in; the password appears once, on standard output only.
func TestUserAdd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tournee.db")
	noEnv := func(string) string { return "" }
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"user", "add", "--db", db, "--role", "admin", "--email", "Chef@Example.test"},
		noEnv, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	_, generated, ok := strings.Cut(out.String(), "password: ")
	generated, _, _ = strings.Cut(generated, "\n")
	if !ok || len(generated) < 20 || strings.Contains(errOut.String(), generated) {
		t.Fatalf("output %q, errors %q: want the generated password once, on stdout", out.String(), errOut.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"user", "add", "--db", db, "--role", "rep", "--email", "rep@example.test", "--password-stdin"},
		noEnv, strings.NewReader("une phrase de passe choisie\n"), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "phrase") {
		t.Errorf("a password read from stdin is echoed: %q", out.String())
	}
	err := run(context.Background(), []string{"user", "add", "--db", db, "--email", "x@example.test", "--password-stdin"},
		noEnv, strings.NewReader("court\n"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Errorf("a short password gives %v, want a refusal", err)
	}
	st, err := openMigrated(context.Background(), config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for email, pw := range map[string]string{"chef@example.test": generated, "rep@example.test": "une phrase de passe choisie"} {
		u, hash, err := st.PasswordHash(context.Background(), email)
		if err != nil || !accounts.CheckPassword(hash, pw) {
			t.Errorf("%s (%v): the password does not sign in: %v", email, u.Role, err)
		}
	}
}

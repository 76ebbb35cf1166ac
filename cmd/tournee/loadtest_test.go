package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoadtest(t *testing.T) {
	var served, bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1)
		q := r.URL.Query()
		if r.URL.Path != "/api/v1/accounts/nearby" || q.Get("lat") == "" || q.Get("lng") == "" ||
			q.Get("limit") != "5" || q.Get("fields") != "id,distance_m" {
			bad.Add(1)
		}
		if n%10 == 0 {
			// Every tenth request fails, to be counted by status code.
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"items":[]}`))
	}))
	defer srv.Close()

	var stdout, stderr bytes.Buffer
	args := []string{"--target", srv.URL, "--rate", "50", "--duration", "1s", "--limit", "5", "--fields", "id,distance_m"}
	if err := runLoadtest(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("loadtest: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	t.Log("\n" + out)
	if got := bad.Load(); got != 0 {
		t.Errorf("got %d malformed requests, want 0", got)
	}

	sent := number(t, out, `sent\s+(\d+) requests`)
	if sent < 45 || sent > 51 {
		t.Errorf("got %d requests sent at 50/s for 1s, want about 50", sent)
	}
	if got := served.Load(); got != int64(sent) {
		t.Errorf("server got %d requests, loadtest reports %d", got, sent)
	}
	okCount := number(t, out, `\((\d+) ok`)
	errCount := number(t, out, `ok, (\d+) errors\)`)
	if want := sent / 10; errCount != want || okCount != sent-want {
		t.Errorf("got %d ok and %d errors, want %d and %d", okCount, errCount, sent-want, want)
	}
	if want := "errors    503: " + strconv.Itoa(sent/10); !strings.Contains(out, want) {
		t.Errorf("report lacks %q", want)
	}
	for _, want := range []string{"offered   50 req/s for 1s", "p50 ", "p99 ", "max "} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestLoadtestMaxThroughput(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"items":[]}`))
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	args := []string{"--target", srv.URL, "--rate", "0", "--workers", "2", "--duration", "300ms"}
	if err := runLoadtest(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("loadtest: %v\n%s", err, stderr.String())
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a 300ms run took %s", took)
	}
	out := stdout.String()
	if !strings.Contains(out, "as fast as possible, 2 workers") || !strings.Contains(out, "errors    none") {
		t.Errorf("unexpected report:\n%s", out)
	}
	if sent := number(t, out, `sent\s+(\d+) requests`); sent < 10 {
		t.Errorf("got %d requests in 300ms as fast as possible, want many more", sent)
	}
}

func TestLoadtestRefusesRemoteTargets(t *testing.T) {
	tests := []struct {
		target string
		ok     bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.8.9.10:8080/", true},
		{"http://localhost:8080", true},
		{"http://[::1]:8080", true},
		{"http://example.com", false},
		{"http://10.0.0.1:8080", false},
		{"http://0.0.0.0:8080", false},
		{"http://[::]:8080", false},
		{"http://127.0.0.1.nip.io", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8080", false},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			_, err := loopbackURL(tt.target)
			if got := err == nil; got != tt.ok {
				t.Errorf("loopbackURL(%q) error %v, want accepted %v", tt.target, err, tt.ok)
			}
		})
	}

	// The command refuses before sending anything.
	var stdout, stderr bytes.Buffer
	err := runLoadtest(context.Background(), []string{"--target", "http://192.0.2.1:80", "--duration", "1s"}, func(string) string { return "" }, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("got error %v, want a refusal naming loopback", err)
	}
}

// number returns the integer the first group of pattern captures in out.
func number(t *testing.T, out, pattern string) int {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("report lacks %s:\n%s", pattern, out)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

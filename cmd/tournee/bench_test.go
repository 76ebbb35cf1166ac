package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tinyOPTW is a three-customer instance in the literature's format. From
// the depot at (0,0): customer 1 at (1,1) is √2 = 1.414… away (1.4 at one
// decimal, 1.41 at two), customer 2 at (3,4) is 5 away, customer 3 at
// (0,30) is too far for the day of 50.
const tinyOPTW = `4 1 3 1
0 200
 0 0.00 0.00 0.00 0.00 0 0 0 50
 1 1.00 1.00 2.00 10.00 1 1 1 0.00 20.00
 2 3.00 4.00 1.50 20.00 1 1 1 10.00 30.00
 3 0.00 30.00 0.00 30.00 1 1 1 0.00 50.00
`

func TestReadOPTW(t *testing.T) {
	tests := []struct {
		decimals int
		want01   time.Duration
	}{
		{0, time.Second},
		{1, 1400 * time.Millisecond},
		{2, 1410 * time.Millisecond},
		{3, 1414 * time.Millisecond},
	}
	for _, tt := range tests {
		p, err := readOPTW(strings.NewReader(tinyOPTW), tt.decimals)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Travel[0][1]; got != tt.want01 || p.Travel[1][0] != got {
			t.Errorf("decimals %d: travel 0→1 = %v, want %v", tt.decimals, got, tt.want01)
		}
		if got := p.Travel[0][2]; got != 5*time.Second {
			t.Errorf("decimals %d: travel 0→2 = %v, want 5s", tt.decimals, got)
		}
	}
	p, err := readOPTW(strings.NewReader(tinyOPTW), 1)
	if err != nil {
		t.Fatal(err)
	}
	s := p.Stops[2]
	if len(p.Stops) != 4 || p.Return != 50*time.Second || s.Value != 20 || s.Service != 1500*time.Millisecond ||
		s.Windows[0].Open != 10*time.Second || s.Windows[0].Close != 30*time.Second {
		t.Errorf("parsed %+v", p)
	}
	for _, bad := range []string{"", "4 1 5 1\n0 200\n 0 0 0 0 0 0 0 0 50\n", "4 1 1 1\n 0 0 0 0 0 0 0 0 50\n 1 x 0 0 1 1 1 1 0 9\n"} {
		if _, err := readOPTW(strings.NewReader(bad), 1); err == nil {
			t.Errorf("readOPTW(%q) succeeded, want an error", bad)
		}
	}
}

func TestRunBench(t *testing.T) {
	dir := t.TempDir()
	inst := filepath.Join(dir, "instances", "tiny.txt")
	os.MkdirAll(filepath.Dir(inst), 0o755)
	os.WriteFile(inst, []byte(tinyOPTW), 0o644)
	os.WriteFile(filepath.Join(dir, "bks.csv"), []byte("instance,m,bks,status\ntiny,1,30,optimal\ntiny,2,60,optimal\n"), 0o644)
	out := filepath.Join(dir, "out")

	var stdout, stderr bytes.Buffer
	err := runBench(context.Background(), []string{"optw", "--budget", "50ms", "--out", out, inst}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("runBench: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "mean gap") || !strings.Contains(stdout.String(), " 30 ") {
		t.Errorf("output lacks the score, best-known value or mean gap:\n%s", stdout.String())
	}
	data, err := os.ReadFile(filepath.Join(out, "tiny.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sol struct{ Routes [][]int }
	if err := json.Unmarshal(data, &sol); err != nil {
		t.Fatal(err)
	}
	// Customers 1 and 2 both fit, in either order (1 then 2 is back at
	// 16.5, 2 then 1 at 18.5); 3 is out of reach.
	if len(sol.Routes) != 1 || len(sol.Routes[0]) != 2 || sol.Routes[0][0]+sol.Routes[0][1] != 3 {
		t.Errorf("solution %s, want customers 1 and 2", data)
	}

	if err := runBench(context.Background(), []string{"optw"}, &stdout, &stderr); err == nil {
		t.Error("runBench without files succeeded, want a usage error")
	}
}

// TestBenchC101 plans a real instance of ../shared/bench/optw, which CI
// checks out beside the repository, and expects its optimum.
func TestBenchC101(t *testing.T) {
	inst := filepath.Join("..", "..", "..", "shared", "bench", "optw", "instances", "c101.txt")
	if _, err := os.Stat(inst); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing in CI: %v", inst, err)
		}
		t.Skipf("%s not found; run with ../shared checked out", inst)
	}
	p, err := readOPTWFile(inst, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Stops) != 101 || p.Return != 1236*time.Second {
		t.Errorf("c101: %d stops, return %v; want 101 and 1236s", len(p.Stops), p.Return)
	}
	var stdout bytes.Buffer
	if err := runBench(context.Background(), []string{"optw", "--budget", "300ms", inst}, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "c101") || !strings.Contains(stdout.String(), "320") {
		t.Errorf("output:\n%s", stdout.String())
	}
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/tournee/tournee/geo"
)

const loadtestUsage = `usage: tournee loadtest [--target http://127.0.0.1:8080] [--rate 2000] [--duration 10s] [--workers N]
                        [--limit 10] [--radius-m 0] [--fields id,lat,lng,distance_m] [--seed 1] [--timeout 2s]

Drives a running server on a loopback address with GET /api/v1/accounts/nearby
queries at random French points, at a fixed rate for a bounded time, and prints
the offered and achieved rates, latency quantiles and errors by kind.

The rate is open-model: requests start on schedule whether or not earlier ones
have answered (more workers are started as needed), so a slow server shows as
latency, not as a lower offered rate. --rate 0 sends as fast as --workers
workers can (default 8), which measures the maximum throughput. --fields ""
asks for full records, which the server reads from its store.`

// loadtestOptions are the flags of tournee loadtest.
type loadtestOptions struct {
	target   string
	rate     int // requests per second; 0 is as fast as possible
	duration time.Duration
	workers  int // 0: vegeta's default for a rate, 8 for --rate 0
	limit    int
	radiusM  float64 // 0: nearest-limit query; else within radius_m
	fields   string
	seed     uint64
	timeout  time.Duration
	token    string // sent as a bearer token
}

// runLoadtest runs `tournee loadtest ARGS...`.
func runLoadtest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tournee loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, loadtestUsage); fs.PrintDefaults() }
	var o loadtestOptions
	fs.StringVar(&o.target, "target", "http://127.0.0.1:8080", "base URL of the server (loopback only)")
	fs.IntVar(&o.rate, "rate", 2000, "requests per second; 0 sends as fast as the workers can")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to send requests")
	fs.IntVar(&o.workers, "workers", 0, "initial workers (with --rate 0, the fixed number of workers; default 8)")
	fs.IntVar(&o.limit, "limit", 10, "limit of each query")
	fs.Float64Var(&o.radiusM, "radius-m", 0, "radius_m of each query; 0 asks for the nearest --limit accounts")
	fs.StringVar(&o.fields, "fields", "id,lat,lng,distance_m", `fields of each query; "" asks for full records`)
	fs.Uint64Var(&o.seed, "seed", 1, "random seed of the query points")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Second, "time after which a request counts as a timeout")
	fs.StringVar(&o.token, "token", getenv("TOURNEE_TOKEN"), "API token sent as a bearer token (TOURNEE_TOKEN); create one with POST /api/v1/auth/tokens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	return loadtest(ctx, o, stdout)
}

// loadtest runs one attack as o describes and prints its report to stdout.
func loadtest(ctx context.Context, o loadtestOptions, stdout io.Writer) error {
	switch {
	case o.rate < 0:
		return errors.New("--rate must not be negative")
	case o.duration <= 0 || o.duration > time.Hour:
		return errors.New("--duration must be positive and at most 1h")
	case o.workers < 0:
		return errors.New("--workers must not be negative")
	case o.limit < 1:
		return errors.New("--limit must be positive")
	case o.radiusM < 0:
		return errors.New("--radius-m must not be negative")
	case o.timeout <= 0:
		return errors.New("--timeout must be positive")
	}
	base, err := loopbackURL(o.target)
	if err != nil {
		return err
	}
	targets := nearbyURLs(base, o, 10_000)
	var next atomic.Uint64
	header := http.Header{}
	if o.token != "" {
		header.Set("Authorization", "Bearer "+o.token)
	}
	targeter := func(t *vegeta.Target) error {
		t.Method = http.MethodGet
		t.URL = targets[(next.Add(1)-1)%uint64(len(targets))]
		t.Header = header
		return nil
	}

	opts := []func(*vegeta.Attacker){
		vegeta.Client(loopbackClient(o.timeout)),
		vegeta.MaxBody(0), // read and discard bodies rather than keep them
	}
	pacer := vegeta.Rate{Freq: o.rate, Per: time.Second}
	workers := o.workers
	if o.rate == 0 {
		// A zero rate is vegeta's "as fast as possible": it needs a fixed
		// number of workers, each sending its next request when the last
		// one answers (a closed model).
		if workers == 0 {
			workers = 8
		}
		opts = append(opts, vegeta.Workers(uint64(workers)), vegeta.MaxWorkers(uint64(workers)))
	} else if workers > 0 {
		opts = append(opts, vegeta.Workers(uint64(workers)))
	}
	attacker := vegeta.NewAttacker(opts...)
	stop := context.AfterFunc(ctx, func() { attacker.Stop() })
	defer stop()

	var m vegeta.Metrics
	kinds := map[string]int{}
	ok := 0
	for res := range attacker.Attack(targeter, pacer, o.duration, "tournee-loadtest") {
		m.Add(res)
		if k := errorKind(res); k != "" {
			kinds[k]++
		} else {
			ok++
		}
	}
	m.Close()
	if err := ctx.Err(); err != nil {
		return err
	}

	query := fmt.Sprintf("limit %d", o.limit)
	if o.radiusM > 0 {
		query += fmt.Sprintf(", radius_m %g", o.radiusM)
	}
	if o.fields != "" {
		query += ", fields " + o.fields
	} else {
		query += ", full records"
	}
	fmt.Fprintf(stdout, "target    %s/api/v1/accounts/nearby (%s)\n", base, query)
	if o.rate == 0 {
		fmt.Fprintf(stdout, "offered   as fast as possible, %d workers, for %s\n", workers, o.duration)
	} else {
		fmt.Fprintf(stdout, "offered   %d req/s for %s\n", o.rate, o.duration)
	}
	fmt.Fprintf(stdout, "sent      %d requests, %.1f req/s\n", m.Requests, m.Rate)
	fmt.Fprintf(stdout, "achieved  %.1f req/s (%d ok, %d errors)\n", m.Throughput, ok, int(m.Requests)-ok)
	fmt.Fprintf(stdout, "latency   p50 %s  p90 %s  p99 %s  max %s\n",
		round(m.Latencies.P50), round(m.Latencies.P90), round(m.Latencies.P99), round(m.Latencies.Max))
	fmt.Fprintf(stdout, "errors    %s\n", formatKinds(kinds))
	return nil
}

// loopbackURL parses target and refuses any host that is not a loopback
// address: the load test is for a server on this machine, never someone
// else's.
func loopbackURL(target string) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("--target: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("--target %q: want an http:// or https:// URL", target)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); !(strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()) {
		return "", fmt.Errorf("--target %q: host %q is not a loopback address; loadtest only drives servers on 127.0.0.0/8, ::1 or localhost", target, host)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/"), nil
}

// loopbackClient is the attack's HTTP client. It uses no proxy and its
// dialer refuses any non-loopback address, so that even "localhost" resolved
// elsewhere cannot send the load off this machine.
func loopbackClient(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout: timeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("refusing to connect to non-loopback address %s", address)
			}
			return nil
		},
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:         dialer.DialContext,
			MaxIdleConnsPerHost: 10_000, // one kept-alive connection per worker
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// nearbyURLs returns n query URLs at points spread like the accounts: a
// sample of geo.GenerateFrance's own accounts (clusters around French cities
// in proportion to their size, the same distribution as the demo and
// benchmark data), each moved up to 2 km, and one point in five uniform over
// France (countryside and sea, where the nearest accounts are far).
func nearbyURLs(base string, o loadtestOptions, n int) []string {
	rng := rand.New(rand.NewPCG(o.seed, 0x6c6f6164))
	sample := geo.GenerateFrance(o.seed, n)
	fr := geo.FranceBounds()
	urls := make([]string, n)
	for i := range urls {
		var p geo.Point
		if rng.IntN(5) == 0 {
			p = geo.Point{
				Lat: fr.Min.Lat + rng.Float64()*(fr.Max.Lat-fr.Min.Lat),
				Lng: fr.Min.Lng + rng.Float64()*(fr.Max.Lng-fr.Min.Lng),
			}
		} else {
			// 0.018° of latitude is 2 km; of longitude, 1.2–1.4 km in France.
			p = sample[i].Location
			p.Lat += (rng.Float64()*2 - 1) * 0.018
			p.Lng += (rng.Float64()*2 - 1) * 0.018
		}
		q := url.Values{}
		q.Set("lat", strconv.FormatFloat(p.Lat, 'f', 6, 64))
		q.Set("lng", strconv.FormatFloat(p.Lng, 'f', 6, 64))
		q.Set("limit", strconv.Itoa(o.limit))
		if o.radiusM > 0 {
			q.Set("radius_m", strconv.FormatFloat(o.radiusM, 'f', -1, 64))
		}
		if o.fields != "" {
			q.Set("fields", o.fields)
		}
		urls[i] = base + "/api/v1/accounts/nearby?" + q.Encode()
	}
	return urls
}

// errorKind names what went wrong with a request: its HTTP status code,
// "timeout", or the last part of a transport error ("connection refused");
// "" for a success.
func errorKind(r *vegeta.Result) string {
	switch {
	case r.Code >= 200 && r.Code < 400:
		return ""
	case r.Code != 0:
		return strconv.Itoa(int(r.Code))
	case strings.Contains(r.Error, "Client.Timeout") || strings.Contains(r.Error, "deadline exceeded") ||
		strings.Contains(r.Error, "i/o timeout"):
		return "timeout"
	}
	msg := r.Error
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// formatKinds prints error counts by kind, most frequent first, or "none".
func formatKinds(kinds map[string]int) string {
	if len(kinds) == 0 {
		return "none"
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		if kinds[a] != kinds[b] {
			return kinds[b] - kinds[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s: %d", k, kinds[k])
	}
	return strings.Join(parts, ", ")
}

// round keeps three significant figures or so of a latency.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 100*time.Microsecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}

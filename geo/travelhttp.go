package geo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTravelTimeout bounds a request to a routing engine when no
// http.Client is given: a 500×500 matrix takes a few seconds at most, so a
// longer wait means the engine is in trouble.
const DefaultTravelTimeout = 10 * time.Second

// maxResponseBytes bounds what is read from an engine: a verbose Valhalla
// 500×500 matrix is about 20 MB.
const maxResponseBytes = 64 << 20

// maxLegS rejects absurd values (a week of driving) before they overflow a
// time.Duration or reach a plan.
const maxLegS = 7 * 24 * 3600

// httpClient returns c, or a client with DefaultTravelTimeout.
func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: DefaultTravelTimeout}
}

// baseURL validates an engine's base URL and returns it without a trailing
// slash, so that paths can be appended.
func baseURL(engine, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return "", fmt.Errorf("%w: %s URL must be an http or https URL without query, got %q", ErrInvalid, engine, raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// fetch sends one request and returns the status and body. Transport errors
// and timeouts wrap ErrUnavailable; timeouts also wrap
// context.DeadlineExceeded, so that the HTTP layer can answer 504.
func fetch(ctx context.Context, c *http.Client, engine, method, url string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, engine, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, transportError(ctx, engine, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return 0, nil, transportError(ctx, engine, err)
	}
	if len(data) > maxResponseBytes {
		return 0, nil, fmt.Errorf("%w: %s: response larger than %d bytes", ErrUnavailable, engine, maxResponseBytes)
	}
	return resp.StatusCode, data, nil
}

func transportError(ctx context.Context, engine string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, engine, ctx.Err())
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		// http.Client.Timeout: not the caller's context, but a timeout all the same.
		return fmt.Errorf("%w: %s: %w (%v)", ErrUnavailable, engine, context.DeadlineExceeded, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, engine, err)
}

// malformed is the error of an answer that does not have the expected shape.
func malformed(engine, format string, args ...any) error {
	return fmt.Errorf("%w: %s: malformed answer: %s", ErrUnavailable, engine, fmt.Sprintf(format, args...))
}

// toDuration converts an engine's seconds.
func toDuration(engine string, s float64) (time.Duration, error) {
	if !(s >= 0 && s <= maxLegS) { // also rejects NaN
		return 0, malformed(engine, "duration %v s out of range", s)
	}
	return time.Duration(math.Round(s*1000)) * time.Millisecond, nil
}

// toDistanceM checks an engine's distance in metres.
func toDistanceM(engine string, m float64) (float64, error) {
	if !(m >= 0 && m <= maxLegS*100) { // 100 m/s for a week
		return 0, malformed(engine, "distance %v m out of range", m)
	}
	return m, nil
}

// fillMatrix builds an n×n Matrix from cell, which gives the seconds and
// metres from i to j, nil when the engine found no route. The diagonal is
// set to 0 whatever the engine says.
func fillMatrix(engine string, n int, cell func(i, j int) (durS, distM *float64)) (Matrix, error) {
	m := newMatrix(n)
	for i := range n {
		for j := range n {
			if i == j {
				continue
			}
			durS, distM := cell(i, j)
			if durS == nil || distM == nil {
				return Matrix{}, fmt.Errorf("%w: %s: no road from point %d to point %d", ErrNoRoute, engine, i, j)
			}
			d, err := toDuration(engine, *durS)
			if err != nil {
				return Matrix{}, err
			}
			distanceM, err := toDistanceM(engine, *distM)
			if err != nil {
				return Matrix{}, err
			}
			m.Durations[i][j], m.DistancesM[i][j] = d, distanceM
		}
	}
	return m, nil
}

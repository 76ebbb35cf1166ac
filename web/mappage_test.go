package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tournee/tournee/web"
)

// chromiumPath is Debian's Chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// mapDate is the day the browser test plans: a Tuesday.
const mapDate = "2026-11-24"

// mapWorld is the browser test's organisation: a rep at home at 45° N
// 4.80° E, 30 of the rep's clients every 0.03° of longitude eastwards
// (about 2.4 km apart), open on weekdays, and the appointment, LAMBDA SARL,
// at the far end, so that the way there runs past all of them.
type mapWorld struct {
	srv     *testServer
	rep     int64
	appoint int64
}

func newMapWorld(t *testing.T, cfg web.Config) *mapWorld {
	t.Helper()
	s, _ := newServerWith(t, cfg)
	w := &mapWorld{srv: s}
	r := do(t, s, "POST", "/api/v1/users", `{"email":"manager@example.test","name":"Manon Cadre","role":"manager"}`)
	wantStatus(t, r, http.StatusCreated)
	r = do(t, s, "POST", "/api/v1/users", `{"email":"rep@example.test","name":"Rémi Terrain","role":"rep",
		"home":{"lat":45,"lng":4.8},"work_start":"08:00","work_end":"18:00","speed_kmh":60,"cost_per_km_cents":40}`)
	wantStatus(t, r, http.StatusCreated)
	w.rep = decode[struct{ ID int64 }](t, r).ID
	hours := `{"monday":[["08:30","12:00"],["14:00","17:30"]],"tuesday":[["08:30","12:00"],["14:00","17:30"]],` +
		`"wednesday":[["08:30","12:00"],["14:00","17:30"]],"thursday":[["08:30","12:00"],["14:00","17:30"]],` +
		`"friday":[["08:30","12:00"],["14:00","17:30"]]}`
	kinds := []string{"client", "client", "prospect"}
	for i := range 30 {
		name, kind := fmt.Sprintf("Compte %02d", i), kinds[i%3]
		if i == 28 {
			name, kind = "LAMBDA SARL", "client"
		}
		r := do(t, s, "POST", "/api/v1/accounts", fmt.Sprintf(`{"kind":%q,"name":%q,"lat":%f,"lng":%f,
			"potential_cents":%d,"owner_id":%d,"visit_duration_s":2700,"opening_hours":%s}`,
			kind, name, 45+0.004*float64(i%3-1), 4.83+0.03*float64(i), 500_000*(i+1), w.rep, hours))
		wantStatus(t, r, http.StatusCreated)
		if i == 28 {
			w.appoint = decode[struct{ ID int64 }](t, r).ID
		}
	}
	return w
}

// browser starts headless Chromium for t. Without Chromium the test skips
// with a hint, except in CI, where the browser tests are required.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; CI requires the browser tests", chromiumPath)
		}
		t.Skipf("browser test skipped: %s is missing (apt-get install chromium)", chromiumPath)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	t.Cleanup(cancel)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	// The first action starts the browser; its context must not time out.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	return ctx
}

// artifacts is where screenshots go: TEST_ARTIFACTS_DIR when set (CI keeps
// it), else a directory removed after the test.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TEST_ARTIFACTS_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pageWatch records what the page says in its console and every URL it
// requests, from the moment it is made.
type pageWatch struct {
	shots    string // where step saves a screenshot of a failure
	mu       sync.Mutex
	console  []string
	requests []string
}

func watchPage(t *testing.T, ctx context.Context, shots string) *pageWatch {
	t.Helper()
	p := &pageWatch{shots: shots}
	messages := chromedp.Console(ctx)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				p.mu.Lock()
				p.console = append(p.console, m.String())
				p.mu.Unlock()
			}
		}
	}()
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.requests = append(p.requests, ev.Request.URL)
			p.mu.Unlock()
		}
	}()
	return p
}

// check fails t for any console error or warning but the expected ones
// (containing one of expected), and for any request to anything but origin.
func (p *pageWatch) check(t *testing.T, origin string, expected ...string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.console {
		if !slices.ContainsFunc(expected, func(e string) bool { return strings.Contains(m, e) }) {
			t.Errorf("console: %s", m)
		}
	}
	for _, u := range p.requests {
		if !strings.HasPrefix(u, origin+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("request to %s: the page must only talk to its server", u)
		}
	}
	if len(p.requests) == 0 {
		t.Error("no request recorded: the watch is not working")
	}
}

// step runs actions with a time limit. On failure it reports what was being
// done, with what the page said and showed then.
func (p *pageWatch) step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sub, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err := chromedp.Do(sub, actions...)
	if err == nil {
		return
	}
	p.mu.Lock()
	t.Logf("console so far:\n%s", strings.Join(p.console, "\n"))
	p.mu.Unlock()
	if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`)); err == nil {
		t.Logf("page text:\n%s", text)
	}
	if p.shots != "" {
		screenshot(t, ctx, p.shots, "mappage-failed.png")
	}
	t.Fatalf("%s: %v", what, err)
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// screenshot saves the page once the map has settled: no move under way,
// no accounts being fetched.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	sub, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	settled := `document.getElementById('map').dataset.moving !== 'true' && document.getElementById('map').dataset.loading !== 'true'`
	if err := chromedp.Do(sub, chromedp.Poll[chromedp.Void](settled)); err != nil {
		t.Logf("screenshot %s: the map did not settle: %v", name, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestMapPagePlanAndBook drives the map page in Chromium: pick the rep, the
// day and the appointment, plan, see the suggestions and the route, book
// them and find the visits through the API; then compare staying overnight.
func TestMapPagePlanAndBook(t *testing.T) {
	w := newMapWorld(t, web.Config{})
	hs := httptest.NewServer(w.srv)
	t.Cleanup(hs.Close)
	ctx := browser(t)
	shots := artifacts(t)
	watch := watchPage(t, ctx, shots)
	step := watch.step

	step(t, ctx, "load the page",
		chromedp.Navigate(hs.URL+"/"),
		chromedp.Poll[chromedp.Void](`document.body.dataset.ready === 'true'`),
		// The accounts layer asks for the view's accounts on load.
		chromedp.Poll[chromedp.Void](`Number(document.getElementById('map').dataset.accounts) > 0`),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector('#rep option[value="%d"]')`, w.rep)),
	)
	if got := eval[bool](t, ctx, `document.getElementById('map').classList.contains('no-tiles')`); !got {
		t.Error("no tile server is configured: the map should say it draws on a plain background")
	}

	step(t, ctx, "choose rep, date and time",
		chromedp.SetValue(chromedp.CSS("#rep"), fmt.Sprint(w.rep)),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('rep').dispatchEvent(new Event('change'))`),
		chromedp.SetValue(chromedp.CSS("#date"), mapDate),
		chromedp.SetValue(chromedp.CSS("#start"), "11:00"),
	)
	// The rep's home is in the view once chosen: all 30 accounts show.
	step(t, ctx, "accounts around the rep",
		chromedp.Poll[chromedp.Void](`Number(document.getElementById('map').dataset.accounts) === 30`),
	)

	step(t, ctx, "search the appointment by name",
		chromedp.SendKeys(chromedp.CSS("#appt"), "lambda"),
		chromedp.WaitVisible(chromedp.CSS("#appt-results button")),
	)
	if got, want := eval[string](t, ctx, `document.querySelector('#appt-results button strong').textContent`), "LAMBDA SARL"; got != want {
		t.Fatalf("first search result: got %q, want %q", got, want)
	}
	step(t, ctx, "plan the day",
		chromedp.Click(chromedp.CSS("#appt-results button")),
		chromedp.Click(chromedp.CSS("#plan")),
		chromedp.WaitVisible(chromedp.CSS("#stops li.suggestion")),
	)

	suggestions := eval[int](t, ctx, `document.querySelectorAll('#stops li.suggestion').length`)
	if suggestions == 0 {
		t.Fatal("no suggestion listed")
	}
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll('#stops li')].map(li => li.innerText)`)
	for _, want := range []string{"LAMBDA SARL", "créneau", "détour", "score"} {
		if !strings.Contains(strings.Join(rows, "\n"), want) {
			t.Errorf("stops list lacks %q:\n%s", want, strings.Join(rows, "\n"))
		}
	}
	// The route is an SVG path (the accounts are on a canvas), with a
	// marker for home, the appointment and each numbered suggestion.
	if d := eval[string](t, ctx, `document.querySelector('.leaflet-route-pane svg path.route')?.getAttribute('d') || ''`); len(d) < 10 {
		t.Errorf("route path: got d=%q, want a drawn line", d)
	}
	if got, want := eval[int](t, ctx, `document.querySelectorAll('.leaflet-marker-pane .stop').length`), suggestions+2; got != want {
		t.Errorf("stop markers: got %d, want %d (home, appointment, %d suggestions)", got, want, suggestions)
	}
	if got := eval[string](t, ctx, `document.querySelector('.leaflet-marker-pane .stop-suggestion').textContent`); got != "1" {
		t.Errorf("first suggestion marker: got %q, want 1", got)
	}
	screenshot(t, ctx, shots, "mappage-1-planned.png")

	step(t, ctx, "book the suggestions",
		chromedp.Click(chromedp.CSS("#book")),
		chromedp.WaitVisible(chromedp.CSS("#booked.ok")),
	)
	r := do(t, w.srv, "GET", fmt.Sprintf("/api/v1/activities?owner_id=%d&type=visit", w.rep), "")
	wantStatus(t, r, http.StatusOK)
	visits := decode[struct {
		Items []struct {
			AccountID int64     `json:"account_id"`
			Start     time.Time `json:"start"`
		} `json:"items"`
	}](t, r).Items
	if len(visits) != suggestions {
		t.Errorf("visits booked: got %d, want %d", len(visits), suggestions)
	}
	for _, v := range visits {
		if got := v.Start.In(paris).Format(time.DateOnly); got != mapDate {
			t.Errorf("visit of account %d on %s, want %s", v.AccountID, got, mapDate)
		}
	}
	if got := eval[int](t, ctx, `document.querySelectorAll('#booked li').length`); got != suggestions {
		t.Errorf("booked list: got %d visits, want %d", got, suggestions)
	}
	screenshot(t, ctx, shots, "mappage-2-booked.png")

	step(t, ctx, "compare staying overnight",
		chromedp.Click(chromedp.CSS("#trip")),
		chromedp.WaitVisible(chromedp.CSS("#trip-options .option")),
	)
	if got := eval[int](t, ctx, `document.querySelectorAll('#trip-options .option').length`); got != 2 {
		t.Errorf("trip options: got %d, want 2 (back the same day, one night)", got)
	}
	if why := eval[string](t, ctx, `document.getElementById('trip-why').textContent`); why == "" {
		t.Error("trip: no recommendation sentence")
	}
	screenshot(t, ctx, shots, "mappage-3-trip.png")

	watch.check(t, hs.URL)

	// An API error reaches the user, next to the field it names. (The
	// browser logs the 400 itself, so this comes after the console check.)
	step(t, ctx, "plan with no date",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('date').value = ''`),
		chromedp.Click(chromedp.CSS("#plan")),
		chromedp.WaitVisible(chromedp.CSS("#error")),
	)
	if msg := eval[string](t, ctx, `document.getElementById('error').textContent`); !strings.Contains(msg, "date") {
		t.Errorf("error shown: got %q, want the API's message about date", msg)
	}
	if !eval[bool](t, ctx, `document.getElementById('date').hasAttribute('aria-invalid')`) {
		t.Error("the date input is not marked invalid")
	}
}

// TestMapPageAssets checks how the page and its files are served: types,
// revalidation, the content policy with and without a tile server.
func TestMapPageAssets(t *testing.T) {
	s, _ := newServer(t)
	for _, tc := range []struct {
		path, ctype string
	}{
		{"/static/app.js", "text/javascript; charset=utf-8"},
		{"/static/app.css", "text/css; charset=utf-8"},
		{"/static/vendor/leaflet/leaflet.js", "text/javascript; charset=utf-8"},
		{"/static/vendor/leaflet/images/layers.png", "image/png"},
		{"/static/vendor/leaflet/LICENSE", "text/plain; charset=utf-8"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := do(t, s, "GET", tc.path, "")
			wantStatus(t, r, http.StatusOK)
			if got := r.Header().Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type: got %q, want %q", got, tc.ctype)
			}
			if got := r.Header().Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control: got %q, want no-cache", got)
			}
			etag := r.Header().Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			r = do(t, s, "GET", tc.path, "", "If-None-Match", etag)
			wantStatus(t, r, http.StatusNotModified)
		})
	}
	r := do(t, s, "GET", "/static/nothing.js", "")
	wantStatus(t, r, http.StatusNotFound)

	r = do(t, s, "GET", "/", "")
	wantStatus(t, r, http.StatusOK)
	csp := r.Header().Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "img-src 'self' data:;"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	r = do(t, s, "GET", "/api/v1/config", "")
	wantStatus(t, r, http.StatusOK)
	if got := decode[map[string]string](t, r); got["tiles_url"] != "" || got["time_zone"] != "Europe/Paris" {
		t.Errorf("config: got %v, want no tiles in Europe/Paris", got)
	}

	tiles := web.Map{TilesURL: "https://{s}.tile.example.org/{z}/{x}/{y}.png", TilesAttribution: "© Example"}
	s, _ = newServerWith(t, web.Config{Map: tiles})
	r = do(t, s, "GET", "/", "")
	if csp := r.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://*.tile.example.org;") {
		t.Errorf("Content-Security-Policy %q does not allow the tile server's images", csp)
	}
	r = do(t, s, "GET", "/api/v1/config", "")
	if got := decode[map[string]string](t, r); got["tiles_url"] != tiles.TilesURL || got["tiles_attribution"] != tiles.TilesAttribution {
		t.Errorf("config: got %v, want the tile settings", got)
	}
}

func TestMapPageTilesValidate(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"https://tile.openstreetmap.org/{z}/{x}/{y}.png", true},
		{"http://{s}.tiles.local:8080/{z}/{x}/{y}.png?key=1", true},
		{"https://tile.openstreetmap.org/{z}/{x}.png", false},
		{"file:///tiles/{z}/{x}/{y}.png", false},
		{"tile.openstreetmap.org/{z}/{x}/{y}.png", false},
	} {
		err := web.Map{TilesURL: tc.url}.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("Validate(%q): got %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
}

// TestMapPageSignInOut signs in through the page's own form, as a person
// would (no credential injected), and out again: the session ends on the
// server and the form comes back.
func TestMapPageSignInOut(t *testing.T) {
	w := newMapWorld(t, web.Config{})
	const password = "une phrase de passe longue"
	wantStatus(t, do(t, w.srv, "PUT", fmt.Sprintf("/api/v1/users/%d/password", w.rep), fmt.Sprintf(`{"password":%q}`, password)), http.StatusNoContent)
	hs := httptest.NewServer(w.srv.Server) // no credential added: the browser's own
	t.Cleanup(hs.Close)
	ctx := browser(t)
	watch := watchPage(t, ctx, artifacts(t))
	step := watch.step
	signinShown := `!document.getElementById('signin').hidden`
	step(t, ctx, "the page asks to sign in",
		chromedp.Navigate(hs.URL+"/"),
		chromedp.Poll[chromedp.Void](signinShown),
	)
	step(t, ctx, "a wrong password is refused",
		chromedp.SendKeys(chromedp.CSS("#email"), "rep@example.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "pas le bon mot de passe"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('signin-error').textContent.length > 0`),
	)
	step(t, ctx, "the right one signs in",
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.body.dataset.ready === 'true'`),
	)
	if got := eval[string](t, ctx, `document.getElementById('who').textContent`); got != "Rémi Terrain" {
		t.Errorf("signed in as %q, want the rep", got)
	}
	step(t, ctx, "sign out",
		chromedp.Click(chromedp.CSS("#signout")),
		chromedp.Poll[chromedp.Void](signinShown),
	)
	// The browser reports the two refusals the page expects: not yet
	// signed in, and the wrong password.
	watch.check(t, hs.URL, "status of 401")
}

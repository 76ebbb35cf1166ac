package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tournee/tournee/web"
)

// competitor is the name the visit reports of the records world mention.
const competitor = "Rexalor"

// recordsWorld is the map world with the records the record views show:
// visit reports that mention a competitor (one with markup in it, which
// must stay text), contacts, a pipeline with two deals, a task, and a rule
// that lifts the priority of the two biggest accounts and alerts the rep.
// The page is used by the rep, signed in with a session cookie.
type recordsWorld struct {
	*mapWorld
	session            string // the rep's session cookie
	repToken           string // the rep's API token, to ask the API what the rep sees
	mentions           []int64
	stages             []int64 // Découverte, Proposition, Négociation
	lambdaDeal, second int64
}

func newRecordsWorld(t *testing.T) *recordsWorld {
	t.Helper()
	w := &recordsWorld{mapWorld: newMapWorld(t, web.Config{})}
	s := w.srv
	post := func(path, body string) int64 {
		t.Helper()
		r := do(t, s, "POST", path, body)
		wantStatus(t, r, http.StatusCreated)
		return decode[struct{ ID int64 }](t, r).ID
	}
	// The accounts of newMapWorld, by number: ids follow creation order.
	account := func(i int) int64 { return w.appoint - 28 + int64(i) }
	report := func(i int, day, text string) {
		post("/api/v1/activities", fmt.Sprintf(`{"type":"visit","done":true,"account_id":%d,"owner_id":%d,
			"start":"%sT08:00:00Z","end":"%sT09:00:00Z","subject":"Visite trimestrielle","report":%q}`, account(i), w.rep, day, day, text))
	}
	report(3, "2026-06-10", competitor+" ne peut plus livrer la farine avant trois semaines.")
	report(7, "2026-07-02", "Le gérant compare nos prix avec ceux de "+competitor+" <img src=x onerror=alert(1)>.")
	report(28, "2026-09-25", "Commande habituelle, rien à signaler.")
	report(28, "2026-05-12", "L'acheteuse prépare son départ : présenter la nouvelle gamme de fours.")
	post("/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Hugo Blanc","title":"gérant","notes":"A reçu une offre de %s."}`,
		account(20), competitor))
	w.mentions = []int64{account(3), account(7), account(20)}
	post("/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Jeanne Martin","title":"acheteuse","phone":"+33 4 72 00 00 01",
		"email":"jeanne.martin@lambda.example","dates":[{"label":"Départ en retraite","date":"2027-07-01"}]}`, w.appoint))
	post("/api/v1/tasks", fmt.Sprintf(`{"title":"Rencontrer le successeur de l'acheteuse","account_id":%d,"assignee_id":%d,"due":"2027-05-02"}`,
		w.appoint, w.rep))
	for i, name := range []string{"Découverte", "Proposition", "Négociation"} {
		w.stages = append(w.stages, post("/api/v1/stages", fmt.Sprintf(`{"name":%q,"position":%d,"probability":%d}`, name, i+1, 20*(i+1))))
	}
	w.lambdaDeal = post("/api/v1/opportunities", fmt.Sprintf(`{"account_id":%d,"name":"Fours 2027","stage_id":%d,
		"amount_cents":4500000,"expected_close":"2027-03-31","owner_id":%d}`, w.appoint, w.stages[0], w.rep))
	w.second = post("/api/v1/opportunities", fmt.Sprintf(`{"account_id":%d,"name":"Contrat d'entretien","stage_id":%d,
		"amount_cents":1200000,"expected_close":"2027-01-15","owner_id":%d}`, account(3), w.stages[1], w.rep))
	post("/api/v1/rules", `{"name":"Gros potentiel","expression":"potential_monthly > 140000",
		"actions":[{"type":"score","value":50},{"type":"alert","message":"gros potentiel à suivre"}],"enabled":true}`)
	wantStatus(t, do(t, s, "POST", "/api/v1/rules/evaluate", ""), http.StatusOK)

	const password = "une phrase de passe longue"
	wantStatus(t, do(t, s, "PUT", fmt.Sprintf("/api/v1/users/%d/password", w.rep), fmt.Sprintf(`{"password":%q}`, password)), http.StatusNoContent)
	login := func(path string) *httptest.ResponseRecorder {
		r := do(t, s.Server, "POST", path, fmt.Sprintf(`{"email":"rep@example.test","password":%q}`, password))
		wantStatus(t, r, http.StatusOK)
		return r
	}
	for _, c := range login("/api/v1/auth/login").Result().Cookies() {
		if c.Name == "tournee_session" {
			w.session = c.Value
		}
	}
	w.repToken = decode[struct {
		AccessToken string `json:"access_token"`
	}](t, login("/api/v1/auth/token")).AccessToken
	if w.session == "" || w.repToken == "" {
		t.Fatal("no session for the rep")
	}
	return w
}

// asRep calls the API as the rep, to compare the page with what the rep may see.
func (w *recordsWorld) asRep(t *testing.T, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return do(t, w.srv.Server, method, path, body, "Authorization", "Bearer "+w.repToken)
}

// recordsPage is the map page open on the browser of t as the rep, at
// view (a hash such as "#accounts"), in a window of width × height.
type recordsPage struct {
	ctx   context.Context
	url   string
	shots string
	watch *pageWatch
}

func openRecords(t *testing.T, w *recordsWorld, view string, width, height int64) *recordsPage {
	t.Helper()
	hs := httptest.NewServer(w.srv.Server) // the browser's own credentials: the rep's cookie
	t.Cleanup(hs.Close)
	ctx := browser(t)
	p := &recordsPage{ctx: ctx, url: hs.URL, shots: artifacts(t)}
	p.watch = watchPage(t, ctx, p.shots)
	viewport := chromedp.EmulateViewport(width, height)
	if width < 500 {
		viewport = chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	p.watch.step(t, ctx, "open the page as the rep",
		viewport,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: "tournee_session", Value: w.session,
				URL: hs.URL, HTTPOnly: ptrTo(true)})
			return err
		}),
		chromedp.Navigate(hs.URL+"/"+view),
		chromedp.Poll[chromedp.Void](`document.body.dataset.ready === 'true'`),
		chromedp.Poll[chromedp.Void](`Number(document.getElementById('map').dataset.accounts) > 0`),
	)
	return p
}

func ptrTo[T any](v T) *T { return &v }

// waitReload waits for js to hold on a page that is being reloaded: an
// evaluation that the reload interrupts is tried again.
func (p *recordsPage) waitReload(t *testing.T, js string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the page did not reload to %s", js)
}

func (p *recordsPage) step(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	p.watch.step(t, p.ctx, what, actions...)
}

// shot saves what the screen shows once the map has settled. Headless
// Chromium draws the map's SVG layers (the background, the circles) from a
// stale frame in a full-page capture, so this captures the viewport;
// whole, for a page taller than the screen, adds the full page beside it.
func (p *recordsPage) shot(t *testing.T, name string, whole ...bool) {
	t.Helper()
	sub, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	settled := `document.getElementById('map').dataset.moving !== 'true' && document.getElementById('map').dataset.loading !== 'true'`
	if err := chromedp.Do(sub, chromedp.Poll[chromedp.Void](settled)); err != nil {
		t.Logf("screenshot %s: the map did not settle: %v", name, err)
	}
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(p.shots, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	if len(whole) > 0 && whole[0] {
		screenshot(t, p.ctx, p.shots, strings.TrimSuffix(name, ".png")+"-page.png")
	}
}

// ids reads a list of account ids from the page (a JS expression).
func (p *recordsPage) ids(t *testing.T, js string) []int64 {
	t.Helper()
	return eval[[]int64](t, p.ctx, js)
}

const (
	listedIDs = `[...document.querySelectorAll('%s .hit')].map(b => Number(b.dataset.account))`
	markerIDs = `[...document.querySelectorAll('.leaflet-marker-pane .hit-marker span[data-account]')].map(s => Number(s.dataset.account))`
)

// apiIDs are the ids of the items of a list answer.
func apiIDs(t *testing.T, r *httptest.ResponseRecorder) []int64 {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	var ids []int64
	for _, it := range decode[struct{ Items []struct{ ID int64 } }](t, r).Items {
		ids = append(ids, it.ID)
	}
	return ids
}

// TestMapPageReportSearch is the brief's "three clicks": the rep searches
// the reports for a competitor and sees every account whose reports or
// notes mention it, listed and on the map, as the API answers; then
// searches by name.
func TestMapPageReportSearch(t *testing.T) {
	w := newRecordsWorld(t)
	p := openRecords(t, w, "#accounts", 1280, 800)
	p.step(t, "search the reports for the competitor",
		chromedp.SendKeys(chromedp.CSS("#accounts-q"), strings.ToLower(competitor)),
		chromedp.Click(chromedp.CSS(`#accounts-search input[value="reports"]`)),
		chromedp.Click(chromedp.CSS("#accounts-submit")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#accounts-list .hit').length > 0`),
	)
	want := apiIDs(t, w.asRep(t, "GET", "/api/v1/accounts/search?q="+competitor, ""))
	if slices.Sort(want); !slices.Equal(want, ascending(w.mentions)) {
		t.Fatalf("the API finds %v, want the accounts whose reports mention %s: %v", want, competitor, w.mentions)
	}
	listed := p.ids(t, fmt.Sprintf(listedIDs, "#accounts-list"))
	markers := p.ids(t, markerIDs)
	if !slices.Equal(ascending(listed), want) || !slices.Equal(ascending(markers), want) {
		t.Errorf("listed %v and markers %v, want the API's %v and no other", listed, markers, want)
	}
	marks := eval[[]string](t, p.ctx, `[...document.querySelectorAll('#accounts-list .snippet mark')].map(m => m.textContent)`)
	if len(marks) < len(want) || slices.ContainsFunc(marks, func(m string) bool { return !strings.EqualFold(m, competitor) }) {
		t.Errorf("highlighted words %q, want %s in each snippet", marks, competitor)
	}
	// The report's markup is shown as the text it is.
	if n := eval[int](t, p.ctx, `document.querySelectorAll('#accounts-list img, #accounts-list .snippet *:not(mark)').length`); n != 0 {
		t.Errorf("%d elements made from report text, want none", n)
	}
	if text := eval[string](t, p.ctx, `document.getElementById('accounts-list').textContent`); !strings.Contains(text, "<img src=x") {
		t.Errorf("the report's markup is not shown as text: %q", text)
	}
	p.shot(t, "records-1-report-search.png")

	p.step(t, "open a found account's card from the list",
		chromedp.Click(chromedp.CSS("#accounts-list .hit")),
		chromedp.Poll[chromedp.Void](`document.getElementById('card').dataset.ready === 'true'`),
	)
	if got, want := eval[string](t, p.ctx, `document.getElementById('card').dataset.account`), fmt.Sprint(listed[0]); got != want {
		t.Errorf("card of account %s, want %s", got, want)
	}
	if text := eval[string](t, p.ctx, `document.getElementById('card').innerText`); !strings.Contains(text, competitor) {
		t.Errorf("the card lacks the report or note that mentions %s:\n%s", competitor, text)
	}

	p.step(t, "search by name",
		chromedp.Click(chromedp.CSS(".card-close")),
		chromedp.SetValue(chromedp.CSS("#accounts-q"), "compte 1"),
		chromedp.Click(chromedp.CSS(`#accounts-search input[value="name"]`)),
		chromedp.Click(chromedp.CSS("#accounts-submit")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#accounts-list .hit').length === 10`),
	)
	want = apiIDs(t, w.asRep(t, "GET", "/api/v1/accounts?q=compte%201&limit=100", ""))
	if listed, markers := p.ids(t, fmt.Sprintf(listedIDs, "#accounts-list")), p.ids(t, markerIDs); !slices.Equal(listed, want) || !slices.Equal(ascending(markers), ascending(want)) {
		t.Errorf("name search: listed %v and markers %v, want %v", listed, markers, want)
	}
	p.shot(t, "records-2-name-search.png")
	p.watch.check(t, p.url)
}

func ascending(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// TestMapPageAccountCard opens LAMBDA SARL's card from the map, checks
// what it shows, edits it with a value the API refuses (the message sits
// next to the field), meets someone else's change (412), then saves.
func TestMapPageAccountCard(t *testing.T) {
	w := newRecordsWorld(t)
	p := openRecords(t, w, "#accounts", 1280, 800)
	p.step(t, "find LAMBDA SARL and open its card from its marker",
		chromedp.SendKeys(chromedp.CSS("#accounts-q"), "lambda"),
		chromedp.Click(chromedp.CSS("#accounts-submit")),
		chromedp.WaitVisible(chromedp.CSS(".leaflet-marker-pane .hit-marker")),
		chromedp.Click(chromedp.CSS(".leaflet-marker-pane .hit-marker")),
		chromedp.Poll[chromedp.Void](`document.getElementById('card').dataset.ready === 'true'`),
	)
	text := func(part string) string {
		// French writes thousands and units apart with no-break spaces.
		return eval[string](t, p.ctx, fmt.Sprintf(`document.querySelector('#card [data-part="%s"]').innerText.replace(/[\u00a0\u202f]/g, ' ')`, part))
	}
	for part, wants := range map[string][]string{
		"details":  {"145 000 €", "Rémi Terrain", "25 sept. 2026"},
		"why":      {"Score", "potentiel", "visite en retard", "règle « Gros potentiel »", "+50"},
		"contacts": {"Jeanne Martin", "acheteuse", "jeanne.martin@lambda.example", "Départ en retraite", "1 juil. 2027"},
		"pipeline": {"Fours 2027", "Découverte", "45 000 €", "31 mars 2027"},
		"timeline": {"Commande habituelle", "présenter la nouvelle gamme", "Visite"},
		"tasks":    {"Rencontrer le successeur", "2 mai 2027"},
	} {
		got := text(part)
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("card %s lacks %q:\n%s", part, want, got)
			}
		}
	}
	// The newest activity comes first.
	if got := eval[string](t, p.ctx, `document.querySelector('#card .timeline li').innerText`); !strings.Contains(got, "Commande habituelle") {
		t.Errorf("first of the timeline: %q, want the latest visit", got)
	}
	p.shot(t, "records-3-card.png")

	p.step(t, "edit with a negative potential",
		chromedp.Click(chromedp.CSS("#card-edit")),
		chromedp.WaitVisible(chromedp.CSS("#card-form")),
		chromedp.SetValue(chromedp.CSS("#card-f-potential_cents"), "-5"),
		chromedp.Click(chromedp.CSS(`#card-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#card-f-potential_cents-error")),
	)
	if msg := eval[string](t, p.ctx, `document.getElementById('card-f-potential_cents-error').textContent`); !strings.Contains(msg, "must not be negative") {
		t.Errorf("message next to the potential: %q, want the API's", msg)
	}
	if !eval[bool](t, p.ctx, `document.getElementById('card-f-potential_cents').getAttribute('aria-invalid') === 'true'`) {
		t.Error("the potential input is not marked invalid")
	}
	p.shot(t, "records-4-card-invalid.png")

	// Someone else changes the account meanwhile: the page says so and
	// shows the new version rather than overwrite it.
	r := do(t, w.srv, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", w.appoint), `{"segment":"Boulangerie"}`)
	wantStatus(t, r, http.StatusOK)
	p.step(t, "save over a newer version",
		chromedp.SetValue(chromedp.CSS("#card-f-potential_cents"), "160000"),
		chromedp.Click(chromedp.CSS(`#card-form button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('card').dataset.ready === 'true' && document.getElementById('card-status')?.textContent.includes('modifié entre-temps')`),
	)
	if got := text("details"); !strings.Contains(got, "Boulangerie") {
		t.Errorf("after a 412 the card shows %q, want the other change", got)
	}

	p.step(t, "save a valid edit",
		chromedp.Click(chromedp.CSS("#card-edit")),
		chromedp.WaitVisible(chromedp.CSS("#card-form")),
		chromedp.SetValue(chromedp.CSS("#card-f-potential_cents"), "160000"),
		chromedp.SetValue(chromedp.CSS("#card-f-address-city"), "Chambéry"),
		chromedp.Click(chromedp.CSS(`#card-form button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('card').dataset.ready === 'true' && document.getElementById('card-status')?.textContent === 'Enregistré.'`),
	)
	r = do(t, w.srv, "GET", fmt.Sprintf("/api/v1/accounts/%d", w.appoint), "")
	wantStatus(t, r, http.StatusOK)
	a := decode[struct {
		PotentialCents int64  `json:"potential_cents"`
		Segment        string `json:"segment"`
		Address        struct{ City string }
	}](t, r)
	if a.PotentialCents != 16_000_000 || a.Address.City != "Chambéry" || a.Segment != "Boulangerie" {
		t.Errorf("stored %+v, want 160 000 € a month in Chambéry, the other change kept", a)
	}
	p.shot(t, "records-5-card-saved.png")

	// Outside the planner, a click on any account of the map opens its card.
	p.step(t, "open another account's card from the map's own markers",
		chromedp.Click(chromedp.CSS(".card-close")),
		chromedp.Poll[chromedp.Void](`document.getElementById('card').hidden`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('.leaflet-marker-pane .account').dispatchEvent(new MouseEvent('click', { bubbles: true }))`),
		chromedp.Poll[chromedp.Void](`document.getElementById('card').dataset.ready === 'true'`),
	)
	p.watch.check(t, p.url, "status of 400", "status of 412")
}

// TestMapPagePipeline moves deals on the board: by drag and drop, by the
// keyboard's stage list, and once over a newer version, which puts the
// deal back and says so.
func TestMapPagePipeline(t *testing.T) {
	w := newRecordsWorld(t)
	p := openRecords(t, w, "#pipeline", 1280, 800)
	deal := func(id int64) string { return fmt.Sprintf(`.deal[data-opportunity="%d"]`, id) }
	column := func(stage int64) string { return fmt.Sprintf(`.column[data-stage="%d"]`, stage) }
	inColumn := func(id, stage int64) string {
		return fmt.Sprintf(`document.querySelector('%s %s') !== null`, column(stage), deal(id))
	}
	// saved waits for the board to say that the deal named name moved.
	saved := func(name string) string {
		return fmt.Sprintf(`(() => { const m = document.getElementById('pipeline-message');
			return m.className === 'ok' && m.textContent.includes(%q); })()`, name)
	}
	stageOf := func(id int64) int64 {
		t.Helper()
		r := do(t, w.srv, "GET", fmt.Sprintf("/api/v1/opportunities/%d", id), "")
		wantStatus(t, r, http.StatusOK)
		return decode[struct {
			StageID int64 `json:"stage_id"`
		}](t, r).StageID
	}
	p.step(t, "the board shows the rep's deals",
		chromedp.Poll[chromedp.Void](`document.querySelector('section[data-view="pipeline"]').dataset.ready === 'true'`),
		chromedp.Poll[chromedp.Void](inColumn(w.lambdaDeal, w.stages[0])),
		chromedp.Poll[chromedp.Void](inColumn(w.second, w.stages[1])),
	)
	if eval[bool](t, p.ctx, `getComputedStyle(document.getElementById('map')).display !== 'none'`) {
		t.Error("the board is a wide view: the map should be hidden")
	}
	p.shot(t, "records-6-pipeline.png")

	p.step(t, "drag LAMBDA's deal to the third stage",
		chromedp.DragAndDrop(chromedp.CSS(deal(w.lambdaDeal)), chromedp.CSS(column(w.stages[2])+" header")),
		chromedp.Poll[chromedp.Void](inColumn(w.lambdaDeal, w.stages[2])),
		chromedp.Poll[chromedp.Void](saved("Fours 2027")),
	)
	if got := stageOf(w.lambdaDeal); got != w.stages[2] {
		t.Errorf("after the drop the deal is at stage %d, want %d", got, w.stages[2])
	}
	p.shot(t, "records-7-pipeline-dropped.png")

	p.step(t, "move the other deal with its stage list",
		// SetValue sends the change event a keyboard choice sends.
		chromedp.SetValue(chromedp.CSS(deal(w.second)+" select"), fmt.Sprint(w.stages[0])),
		chromedp.Poll[chromedp.Void](inColumn(w.second, w.stages[0])),
		chromedp.Poll[chromedp.Void](saved("Contrat d'entretien")),
	)
	if got := stageOf(w.second); got != w.stages[0] {
		t.Errorf("after the keyboard move the deal is at stage %d, want %d", got, w.stages[0])
	}

	// A change made elsewhere: the next move is refused and undone.
	r := do(t, w.srv, "PATCH", fmt.Sprintf("/api/v1/opportunities/%d", w.second), `{"name":"Contrat d'entretien 2027"}`)
	wantStatus(t, r, http.StatusOK)
	p.step(t, "drag over a newer version",
		chromedp.DragAndDrop(chromedp.CSS(deal(w.second)), chromedp.CSS(column(w.stages[1])+" header")),
		chromedp.Poll[chromedp.Void](`document.getElementById('pipeline-message').className === 'error'`),
		chromedp.Poll[chromedp.Void](`document.querySelector('section[data-view="pipeline"]').dataset.ready === 'true'`),
		chromedp.Poll[chromedp.Void](inColumn(w.second, w.stages[0])),
	)
	if got := stageOf(w.second); got != w.stages[0] {
		t.Errorf("a refused move changed the stage to %d", got)
	}
	if got := eval[string](t, p.ctx, `document.querySelector('`+deal(w.second)+` .deal-name').textContent`); got != "Contrat d'entretien 2027" {
		t.Errorf("after the refusal the board shows %q, want the deal as it now is", got)
	}
	p.shot(t, "records-8-pipeline-refused.png")
	p.watch.check(t, p.url, "status of 412")
}

// TestMapPageAlerts reads the rep's alerts: the count on the tab, the
// feed, an alert opening its account's card and so read, the other marked
// read by hand.
func TestMapPageAlerts(t *testing.T) {
	w := newRecordsWorld(t)
	p := openRecords(t, w, "#alerts", 1280, 800)
	p.step(t, "the feed and the count",
		chromedp.Poll[chromedp.Void](`document.getElementById('alerts-count').textContent === '2'`),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#alerts-list .alert.unread').length === 2`),
	)
	if got := eval[string](t, p.ctx, `document.querySelector('#alerts-list .alert-message').textContent`); !strings.Contains(got, "gros potentiel à suivre") {
		t.Errorf("first alert: %q", got)
	}
	p.shot(t, "records-9-alerts.png")

	type alert struct {
		AccountID int64      `json:"account_id"`
		ReadAt    *time.Time `json:"read_at"`
	}
	alerts := func() []alert {
		r := w.asRep(t, "GET", "/api/v1/alerts", "")
		wantStatus(t, r, http.StatusOK)
		return decode[struct{ Items []alert }](t, r).Items
	}
	first := alerts()[0]
	p.step(t, "open the first alert's account",
		chromedp.Click(chromedp.CSS("#alerts-list .alert-open")),
		chromedp.Poll[chromedp.Void](`document.getElementById('card').dataset.ready === 'true'`),
		chromedp.Poll[chromedp.Void](`document.getElementById('alerts-count').textContent === '1'`),
	)
	if got := eval[string](t, p.ctx, `document.getElementById('card').dataset.account`); got != fmt.Sprint(first.AccountID) {
		t.Errorf("card of account %s, want the alert's %d", got, first.AccountID)
	}
	if a := alerts()[0]; a.ReadAt == nil {
		t.Error("the opened alert is still unread")
	}
	p.shot(t, "records-10-alert-card.png")
	p.step(t, "mark the other read",
		chromedp.Click(chromedp.CSS(".card-close")),
		chromedp.Click(chromedp.CSS("#alerts-list .alert-read")),
		chromedp.Poll[chromedp.Void](`document.getElementById('alerts-count').hidden`),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#alerts-list .alert.unread').length === 0`),
	)
	for _, a := range alerts() {
		if a.ReadAt == nil {
			t.Errorf("alert on account %d still unread", a.AccountID)
		}
	}
	p.watch.check(t, p.url)
}

// locateAt makes the browser's geolocation answer p (granted to the page).
func locateAt(lat, lng float64, origin string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		b := chromedp.FromContext(ctx).Browser
		if _, err := cdp.Call(ctx, b, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: "geolocation"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: origin}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
			Latitude: &lat, Longitude: &lng, Accuracy: ptrTo(20.0)})
		return err
	})
}

// TestMapPageNearby centres on the rep's position and lists what is
// around, as the API answers, then narrows to prospects and opens a card.
func TestMapPageNearby(t *testing.T) {
	w := newRecordsWorld(t)
	p := openRecords(t, w, "#nearby", 1280, 800)
	checkNearby(t, w, p)
	p.shot(t, "records-11-nearby.png")
	p.step(t, "prospects only",
		chromedp.Click(chromedp.CSS(`#nearby-filters summary`)),
		chromedp.Click(chromedp.CSS(`#nearby-filters input[value="client"]`)),
		chromedp.Click(chromedp.CSS(`#nearby-filters input[value="former"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('section[data-view="nearby"]').dataset.loading === 'false' && document.querySelectorAll('#nearby-list .hit').length === 5`),
	)
	want := apiIDs(t, w.asRep(t, "GET", "/api/v1/accounts/nearby?lat=45&lng=5&radius_m=20000&limit=50&kind=prospect", ""))
	if listed, markers := p.ids(t, fmt.Sprintf(listedIDs, "#nearby-list")), p.ids(t, markerIDs); !slices.Equal(listed, want) || !slices.Equal(ascending(markers), ascending(want)) {
		t.Errorf("prospects: listed %v and markers %v, want %v", listed, markers, want)
	}
	p.step(t, "open the nearest prospect's card",
		chromedp.Click(chromedp.CSS("#nearby-list .hit")),
		chromedp.Poll[chromedp.Void](`document.getElementById('card').dataset.ready === 'true'`),
	)
	if got := eval[string](t, p.ctx, `document.getElementById('card').dataset.account`); got != fmt.Sprint(want[0]) {
		t.Errorf("card of %s, want %d", got, want[0])
	}
	p.shot(t, "records-12-nearby-card.png")
	p.watch.check(t, p.url)
}

// checkNearby locates the rep at 45° N 5° E and checks the list and markers
// against the API's answer for the page's default radius and limit.
func checkNearby(t *testing.T, w *recordsWorld, p *recordsPage) {
	t.Helper()
	p.step(t, "locate the rep",
		locateAt(45, 5, p.url),
		chromedp.Click(chromedp.CSS("#nearby-locate")),
		chromedp.Poll[chromedp.Void](`document.querySelector('section[data-view="nearby"]').dataset.loading === 'false' && document.querySelectorAll('#nearby-list .hit').length > 0`),
	)
	want := apiIDs(t, w.asRep(t, "GET", "/api/v1/accounts/nearby?lat=45&lng=5&radius_m=20000&limit=50", ""))
	if len(want) != 15 {
		t.Fatalf("the API finds %d accounts within 20 km, want 15", len(want))
	}
	listed, markers := p.ids(t, fmt.Sprintf(listedIDs, "#nearby-list")), p.ids(t, markerIDs)
	if !slices.Equal(listed, want) || !slices.Equal(ascending(markers), ascending(want)) {
		t.Errorf("listed %v and markers %v, want the API's %v, nearest first", listed, markers, want)
	}
	if got := eval[string](t, p.ctx, `document.getElementById('nearby-status').textContent`); !strings.Contains(got, "15 comptes à moins de 20 km") {
		t.Errorf("status: %q", got)
	}
}

// TestMapPageEnglish switches the page to English: its labels, and the
// sentence the API writes for the trip.
func TestMapPageEnglish(t *testing.T) {
	w := newRecordsWorld(t)
	p := openRecords(t, w, "#plan", 1280, 800)
	// The switch reloads the page, which ends any script waiting on it:
	// wait for the new page from outside.
	p.step(t, "switch to English", chromedp.Click(chromedp.CSS("#lang")))
	p.waitReload(t, `document.documentElement.lang === 'en' && document.body.dataset.ready === 'true'`)
	p.step(t, "the planner is ready",
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.getElementById('rep').value === '%d'`, w.rep)),
	)
	for sel, want := range map[string]string{
		`nav a[href="#plan"]`:              "Plan a trip",
		`nav a[href="#nearby"]`:            "Around me",
		`label[for="rep"]`:                 "Rep",
		`label[for="start"]`:               "Appointment time",
		"#plan":                            "Plan",
		"#trip":                            "Stay overnight?",
		"#lang":                            "FR",
		`section[data-view="accounts"] h2`: "Accounts",
		"#nearby-locate":                   "Locate me",
	} {
		if got := eval[string](t, p.ctx, fmt.Sprintf(`document.querySelector('%s').textContent.trim()`, sel)); got != want {
			t.Errorf("%s: got %q, want %q", sel, got, want)
		}
	}
	p.step(t, "compare staying overnight, in English",
		chromedp.SetValue(chromedp.CSS("#date"), mapDate),
		chromedp.SendKeys(chromedp.CSS("#appt"), "lambda"),
		chromedp.WaitVisible(chromedp.CSS("#appt-results button")),
		chromedp.Click(chromedp.CSS("#appt-results button")),
		chromedp.Click(chromedp.CSS("#trip")),
		chromedp.WaitVisible(chromedp.CSS("#trip-options .option")),
	)
	if why := eval[string](t, p.ctx, `document.getElementById('trip-why').textContent`); !strings.Contains(why, "driving back the same day") {
		t.Errorf("the trip's sentence is not in English: %q", why)
	}
	if got := eval[string](t, p.ctx, `document.querySelector('#trip-options .option h3').textContent`); !strings.HasPrefix(got, "Back the same evening") {
		t.Errorf("first option: %q", got)
	}
	p.shot(t, "records-13-english.png")
	p.watch.check(t, p.url)
}

// TestMapPageMobile renders the nearby view and the account card at a
// phone's width: nothing wider than the screen, the map, the list and the
// card in sight.
func TestMapPageMobile(t *testing.T) {
	w := newRecordsWorld(t)
	p := openRecords(t, w, "#nearby", 390, 844)
	checkNearby(t, w, p)
	noOverflow := func(when string) {
		t.Helper()
		if got := eval[int](t, p.ctx, `document.documentElement.scrollWidth`); got > 390 {
			t.Errorf("%s: the page is %d px wide, want 390 at most", when, got)
		}
	}
	// visible reports whether the element of sel has a size and lies
	// within the screen's width.
	visible := func(sel string) bool {
		return eval[bool](t, p.ctx, fmt.Sprintf(`(() => { const r = document.querySelector('%s').getBoundingClientRect();
			return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= 390; })()`, sel))
	}
	noOverflow("nearby")
	for _, sel := range []string{"#map", "#nearby-locate", "#nearby-list .hit", `nav a[href="#nearby"]`, "#lang"} {
		if !visible(sel) {
			t.Errorf("nearby at 390 px: %s is not in sight", sel)
		}
	}
	if h := eval[float64](t, p.ctx, `document.getElementById('map').getBoundingClientRect().height`); h < 250 {
		t.Errorf("the map is %.0f px high, want room to read it", h)
	}
	p.shot(t, "records-14-mobile-nearby.png", true)

	p.step(t, "open a card",
		chromedp.Click(chromedp.CSS("#nearby-list .hit")),
		chromedp.Poll[chromedp.Void](`document.getElementById('card').dataset.ready === 'true'`),
	)
	noOverflow("card")
	if got := eval[[]float64](t, p.ctx, `(() => { const r = document.getElementById('card').getBoundingClientRect(); return [r.left, r.width]; })()`); got[0] != 0 || got[1] != 390 {
		t.Errorf("card at x=%v, %v px wide: want the whole screen", got[0], got[1])
	}
	for _, sel := range []string{"#card-title", ".card-close", "#card-edit", `#card [data-part="why"]`} {
		if !visible(sel) {
			t.Errorf("card at 390 px: %s is not in sight", sel)
		}
	}
	p.shot(t, "records-15-mobile-card.png", true)

	p.step(t, "edit on the phone",
		chromedp.Click(chromedp.CSS("#card-edit")),
		chromedp.WaitVisible(chromedp.CSS("#card-form")),
	)
	noOverflow("card form")
	p.step(t, "close the card", chromedp.Click(chromedp.CSS(".card-close")),
		chromedp.Poll[chromedp.Void](`document.getElementById('card').hidden`))
	p.watch.check(t, p.url)
}

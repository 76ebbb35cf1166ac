package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/sqlite"
)

// newDocServer returns a server over a fresh, migrated SQLite store, and
// the API token of an admin.
func newDocServer(t *testing.T) (*Server, string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	admin, err := db.CreateUser(ctx, accounts.User{Email: "admin@example.test", Name: "Admin", Role: accounts.RoleAdmin,
		WorkDays: accounts.Weekdays{time.Monday}, WorkStart: 8 * 60, WorkEnd: 18 * 60, SpeedKmh: 70})
	if err != nil {
		t.Fatal(err)
	}
	return New(db, slog.New(slog.DiscardHandler), Config{}), apiToken(t, db, admin.ID)
}

// servedDoc loads the document as a client gets it, references resolved.
func servedDoc(t *testing.T, s *Server) *openapi3.T {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json: got status %d, want 200", w.Code)
	}
	doc, err := openapi3.NewLoader().LoadFromData(w.Body.Bytes())
	if err != nil {
		t.Fatalf("load served document: %v", err)
	}
	return doc
}

func TestOpenAPIValid(t *testing.T) {
	s := New(nil, slog.New(slog.DiscardHandler), Config{})
	ctx := context.Background()
	if err := s.api.doc.Validate(ctx); err != nil {
		t.Errorf("built document: %v", err)
	}
	if err := servedDoc(t, s).Validate(ctx); err != nil {
		t.Errorf("served document: %v", err)
	}
}

// TestOpenAPIRoutes checks that every route is documented and every
// documented operation is a route.
func TestOpenAPIRoutes(t *testing.T) {
	s := New(nil, slog.New(slog.DiscardHandler), Config{})
	var routes, documented []string
	for _, r := range s.Routes() {
		path := strings.Join(strings.Split(r.Path, "/:id"), "/{id}")
		routes = append(routes, r.Method+" "+path)
	}
	for path, item := range servedDoc(t, s).Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not documented", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("documented %s is not a route", d)
		}
	}
}

// TestOpenAPIListFilters checks that each resource list documents exactly
// the query parameters its filter reads.
func TestOpenAPIListFilters(t *testing.T) {
	filters := map[string]func(*query){
		"users":         func(q *query) { userFilter(q, accounts.Page{}) },
		"accounts":      func(q *query) { accountFilter(q, accounts.Page{}) },
		"contacts":      func(q *query) { contactFilter(q, accounts.Page{}) },
		"opportunities": func(q *query) { opportunityFilter(q, accounts.Page{}) },
		"activities":    func(q *query) { activityFilter(q, accounts.Page{}) },
		"tasks":         func(q *query) { taskFilter(q, accounts.Page{}) },
		"territories":   func(q *query) { territoryFilter(q, accounts.Page{}) },
		"rules":         func(q *query) { ruleFilter(q, accounts.Page{}) },
	}
	doc := New(nil, slog.New(slog.DiscardHandler), Config{}).api.doc
	for path := range listFilters {
		if filters[path] == nil {
			t.Errorf("no filter for %s in this test", path)
		}
	}
	for path, filter := range filters {
		t.Run(path, func(t *testing.T) {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
			q := newQuery(c)
			q.page()
			filter(q)
			read := slices.Sorted(slices.Values(q.seen))

			op := doc.Paths.Value("/api/v1/" + path).Get
			var got []string
			for _, p := range op.Parameters {
				if p.Value.In == openapi3.ParameterInQuery {
					got = append(got, p.Value.Name)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, read) {
				t.Errorf("documented query parameters %v, want %v as the filter reads them", got, read)
			}
		})
	}
}

// apiClient sends requests to a server and checks each response, and each
// request the server accepted, against the served document.
type apiClient struct {
	t      *testing.T
	h      http.Handler
	router routers.Router
	token  string // sent as a bearer token
}

func newAPIClient(t *testing.T, s *Server, token string) *apiClient {
	t.Helper()
	doc := servedDoc(t, s)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, h: s, router: router, token: token}
}

// call sends one request, checks its status and validates the exchange.
// Headers come as name, value pairs. It returns the decoded JSON body.
func (a *apiClient) call(want int, method, path, body string, headers ...string) map[string]any {
	a.t.Helper()
	newRequest := func() *http.Request {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+a.token)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		return req
	}
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, newRequest())
	if w.Code != want {
		a.t.Fatalf("%s %s: got status %d, want %d: %s", method, path, w.Code, want, w.Body)
	}

	req := newRequest()
	route, params, err := a.router.FindRoute(req)
	if err != nil {
		a.t.Fatalf("%s %s: not in the document: %v", method, path, err)
	}
	// The server authenticates; the document check is about shapes.
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	// A request the server accepted must be one the document allows.
	if w.Code < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			a.t.Errorf("%s %s: request does not match the document: %v", method, path, err)
		}
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 w.Code,
		Header:                 w.Header(),
		Body:                   io.NopCloser(bytes.NewReader(w.Body.Bytes())),
		Options:                opts,
	})
	if err != nil {
		a.t.Errorf("%s %s: response does not match the document: %v\n%s", method, path, err, w.Body)
	}

	var out map[string]any
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			a.t.Fatalf("%s %s: decode %q: %v", method, path, w.Body, err)
		}
	}
	return out
}

// jsonID returns the id of a record as decoded from JSON.
func jsonID(v map[string]any) int64 { return int64(v["id"].(float64)) }

// TestOpenAPIResponses drives the main routes over the real store and checks
// every exchange against the document.
func TestOpenAPIResponses(t *testing.T) {
	s, token := newDocServer(t)
	a := newAPIClient(t, s, token)
	const created, ok, noContent = http.StatusCreated, http.StatusOK, http.StatusNoContent

	a.call(ok, "GET", "/", "")
	a.call(ok, "GET", "/healthz", "")
	a.call(ok, "GET", "/readyz", "")
	a.call(ok, "GET", "/metrics", "")
	a.call(ok, "GET", "/api/v1/openapi.json", "")

	// Users: a full one and a minimal one, so that defaults and empty
	// values are checked as well as set ones.
	manager := jsonID(a.call(created, "POST", "/api/v1/users", `{"email":"m@example.com","name":"Manon","role":"manager",
		"home":{"lat":48.85,"lng":2.35},"home_address":"Paris","work_days":["monday","tuesday"],
		"work_start":"07:30","work_end":"17:00","cost_per_km_cents":35,"speed_kmh":60}`))
	rep := jsonID(a.call(created, "POST", "/api/v1/users", fmt.Sprintf(`{"email":"r@example.com","name":"Rémi","role":"rep","manager_id":%d}`, manager),
		"Idempotency-Key", "user-rep"))
	u := fmt.Sprintf("/api/v1/users/%d", rep)
	a.call(ok, "GET", u, "")
	a.call(ok, "PATCH", u, `{"name":"Rémi D."}`, "If-Match", `"1"`)
	a.call(ok, "GET", "/api/v1/users?role=rep&manager_id="+fmt.Sprint(manager), "")
	a.call(ok, "GET", "/api/v1/users?limit=1", "")

	// Accounts.
	full := jsonID(a.call(created, "POST", "/api/v1/accounts", fmt.Sprintf(`{"kind":"client","name":"Boulangerie Martin","legal_id":"12345678900011",
		"address":{"street":"1 rue de la Paix","postal_code":"75002","city":"Paris","country":"FR"},
		"lat":48.869,"lng":2.331,"potential_cents":150000,"segment":"bakery","tags":["Bio","centre"],
		"opening_hours":{"monday":[["08:00","12:00"],["14:00","19:00"]],"saturday":[["08:00","24:00"]]},
		"visit_duration_s":1800,"qualification":{"size":"small","sector":"food","qualified_at":"2025-06-01"},
		"custom":{"siret_checked":true,"floor":2},"owner_id":%d}`, rep)))
	bare := jsonID(a.call(created, "POST", "/api/v1/accounts", `{"kind":"prospect","name":"Café","lat":45.76,"lng":4.83}`))
	acc := fmt.Sprintf("/api/v1/accounts/%d", full)
	a.call(ok, "GET", acc, "")
	a.call(ok, "GET", fmt.Sprintf("/api/v1/accounts/%d", bare), "")
	a.call(ok, "PATCH", acc, `{"tags":["bio"],"opening_hours":{}}`, "If-Match", `"1"`)
	a.call(ok, "GET", "/api/v1/accounts?limit=1", "")
	a.call(ok, "GET", "/api/v1/accounts?kind=client&q=boul&tag=bio&segment=bakery&updated_since=2020-01-01T00:00:00Z&owner_id="+fmt.Sprint(rep), "")

	// Revenue.
	a.call(ok, "PUT", "/api/v1/revenue", fmt.Sprintf(`{"items":[{"account_id":%d,"month":"2025-01","amount_cents":12000},
		{"account_id":%d,"month":"2025-02","amount_cents":0}]}`, full, full))
	a.call(ok, "GET", acc+"/revenue", "")
	a.call(ok, "GET", fmt.Sprintf("/api/v1/accounts/%d/revenue", bare), "")

	// Contacts.
	contact := jsonID(a.call(created, "POST", "/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Marie Martin","title":"gérante",
		"email":"marie@example.com","phone":"+33 1 23 45 67 89","notes":"prefers mornings",
		"dates":[{"label":"retirement","date":"2030-01-01"}]}`, full)))
	a.call(created, "POST", "/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Paul"}`, bare))
	con := fmt.Sprintf("/api/v1/contacts/%d", contact)
	a.call(ok, "GET", con, "")
	a.call(ok, "PATCH", con, `{"phone":"0600000000"}`)
	a.call(ok, "GET", "/api/v1/contacts?account_id="+fmt.Sprint(full), "")
	a.call(ok, "GET", "/api/v1/contacts", "")

	// Stages and opportunities.
	stage := jsonID(a.call(created, "POST", "/api/v1/stages", `{"name":"Qualified","position":1,"probability":20}`))
	a.call(created, "POST", "/api/v1/stages", `{"name":"Lead"}`, "Idempotency-Key", "stage-lead")
	a.call(ok, "GET", "/api/v1/stages", "")
	a.call(ok, "PATCH", fmt.Sprintf("/api/v1/stages/%d", stage), `{"probability":25}`)
	opp := jsonID(a.call(created, "POST", "/api/v1/opportunities", fmt.Sprintf(`{"account_id":%d,"name":"Ovens","stage_id":%d,
		"amount_cents":500000,"expected_close":"2026-09-30","owner_id":%d}`, full, stage, rep)))
	a.call(created, "POST", "/api/v1/opportunities", fmt.Sprintf(`{"account_id":%d,"name":"Coffee","stage_id":%d}`, bare, stage))
	o := fmt.Sprintf("/api/v1/opportunities/%d", opp)
	a.call(ok, "GET", o, "")
	a.call(ok, "PATCH", o, `{"status":"won"}`, "If-Match", `"1"`)
	a.call(ok, "GET", fmt.Sprintf("/api/v1/opportunities?status=won&stage_id=%d&account_id=%d&owner_id=%d", stage, full, rep), "")
	a.call(ok, "GET", fmt.Sprintf("/api/v1/pipeline?status=won&stage_id=%d&owner_id=%d&limit=10", stage, rep), "")
	a.call(ok, "GET", acc+"/score", "")

	// Activities.
	act := jsonID(a.call(created, "POST", "/api/v1/activities", fmt.Sprintf(`{"type":"visit","done":true,"account_id":%d,"owner_id":%d,
		"start":"2026-03-02T09:00:00Z","end":"2026-03-02T09:45:00Z","subject":"Demo","report":"Went well",
		"check_in":{"lat":48.869,"lng":2.331},"travelled_m":12000}`, full, rep)))
	a.call(created, "POST", "/api/v1/activities", `{"type":"note","start":"2026-03-02T10:00:00+01:00"}`)
	ac := fmt.Sprintf("/api/v1/activities/%d", act)
	a.call(ok, "GET", ac, "")
	a.call(ok, "PATCH", ac, `{"report":"Went very well"}`)
	a.call(ok, "GET", "/api/v1/activities?type=visit&owner_id="+fmt.Sprint(rep), "")

	// Tasks.
	task := jsonID(a.call(created, "POST", "/api/v1/tasks", fmt.Sprintf(`{"title":"Send quote","notes":"ovens","account_id":%d,
		"assignee_id":%d,"created_by":%d,"due":"2026-03-10","remind_at":"2026-03-09T08:00:00Z"}`, full, rep, manager)))
	a.call(created, "POST", "/api/v1/tasks", fmt.Sprintf(`{"title":"Call back","assignee_id":%d}`, rep))
	tk := fmt.Sprintf("/api/v1/tasks/%d", task)
	a.call(ok, "GET", tk, "")
	a.call(ok, "PATCH", tk, `{"status":"done"}`)
	a.call(ok, "GET", "/api/v1/tasks?status=done&assignee_id="+fmt.Sprint(rep), "")

	// Territories: a Polygon in, a MultiPolygon out.
	ter := jsonID(a.call(created, "POST", "/api/v1/territories", fmt.Sprintf(`{"layer":"Bakery","name":"Paris centre","priority":1,"assignee_id":%d,
		"geometry":{"type":"Polygon","coordinates":[[[2.3,48.8],[2.4,48.8],[2.4,48.9],[2.3,48.9],[2.3,48.8]]]}}`, rep)))
	tr := fmt.Sprintf("/api/v1/territories/%d", ter)
	a.call(ok, "GET", tr, "")
	a.call(ok, "PATCH", tr, `{"geometry":{"type":"MultiPolygon","coordinates":[[[[2.3,48.8],[2.4,48.8],[2.4,48.9],[2.3,48.8]]]]}}`)
	a.call(ok, "GET", "/api/v1/territories?layer=bakery&assignee_id="+fmt.Sprint(rep), "")

	// Plans, around Paris, over every account.
	around := `"start":{"lat":48.85,"lng":2.35},"end":{"lat":48.85,"lng":2.35},"filter":{},"budget_ms":20`
	a.call(ok, "POST", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":"2026-03-04",%s,
		"appointments":[{"location":{"lat":48.86,"lng":2.34},"label":"Siège","start":"10:00"}]}`, rep, around))
	a.call(ok, "POST", "/api/v1/plans/trip", fmt.Sprintf(`{"rep_id":%d,"date":"2026-03-04",%s,"max_days":2,"hotel_cents":8000,
		"appointments":[{"account_id":%d,"start":"15:00"}]}`, rep, around, full))
	a.call(created, "POST", "/api/v1/plans/book", fmt.Sprintf(`{"rep_id":%d,"date":"2026-03-04",%s,
		"visits":[{"account_id":%d,"start":"15:00"}]}`, rep, around[:strings.Index(around, `,"filter"`)], full))
	a.call(ok, "GET", fmt.Sprintf("/api/v1/users/%d/travel?month=2026-03", rep), "")
	a.call(http.StatusUnprocessableEntity, "POST", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":"2026-03-04",%s,
		"appointments":[{"location":{"lat":43.3,"lng":5.4},"start":"08:30"}]}`, rep, around))

	// Change feed.
	a.call(ok, "GET", "/api/v1/changes", "")
	a.call(ok, "GET", "/api/v1/changes?after=3&limit=2", "")

	// Deletes, then errors.
	a.call(noContent, "DELETE", tk, "", "If-Match", `"2"`)
	a.call(http.StatusNotFound, "GET", tk, "")
	a.call(http.StatusBadRequest, "GET", "/api/v1/accounts/abc", "")
	a.call(http.StatusBadRequest, "POST", "/api/v1/accounts", `{"kind":"client","lat":91,"lng":2}`)
	a.call(http.StatusBadRequest, "GET", "/api/v1/accounts?colour=red", "")
	a.call(http.StatusPreconditionFailed, "PATCH", acc, `{"name":"x"}`, "If-Match", `"1"`)
	a.call(http.StatusConflict, "DELETE", fmt.Sprintf("/api/v1/stages/%d", stage), "")
	a.call(http.StatusUnprocessableEntity, "POST", "/api/v1/stages", `{"name":"Other"}`, "Idempotency-Key", "stage-lead")
	a.call(http.StatusNotFound, "GET", "/api/v1/accounts/999/revenue", "")
	a.call(http.StatusBadRequest, "GET", "/api/v1/changes?after=-1", "")
}

package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestOpenAPIWebhooksAndMailings drives the routes of webhooks.go and
// mailings.go, and the POST search with q, over the real store and checks
// every exchange against the document.
func TestOpenAPIWebhooksAndMailings(t *testing.T) {
	s, token := newDocServer(t)
	a := newAPIClient(t, s, token)
	const created, ok, noContent = http.StatusCreated, http.StatusOK, http.StatusNoContent

	hook := a.call(created, "POST", "/api/v1/webhooks", `{"url":"https://erp.example.com/hooks","entities":["opportunity","account"],"ops":["create"]}`)
	secret, _ := hook["secret"].(string)
	if len(secret) < 40 || hook["enabled"] != true {
		t.Fatalf("create: %v, want an enabled subscription and its secret", hook)
	}
	p := fmt.Sprintf("/api/v1/webhooks/%d", jsonID(hook))
	for _, got := range []map[string]any{
		a.call(ok, "GET", p, ""),
		a.call(ok, "PATCH", p, `{"enabled":false,"ops":[]}`, "If-Match", `"1"`),
	} {
		if _, shown := got["secret"]; shown {
			t.Errorf("a read shows the secret: %v", got)
		}
	}
	a.call(ok, "GET", "/api/v1/webhooks?enabled=false&limit=1", "")
	a.call(ok, "GET", "/api/v1/webhooks", "")
	a.call(http.StatusPreconditionFailed, "PATCH", p, `{"enabled":true}`, "If-Match", `"1"`)
	a.call(http.StatusBadRequest, "POST", "/api/v1/webhooks", `{"url":"ftp://erp.example.com/","entities":["account"]}`)
	a.call(http.StatusBadRequest, "POST", "/api/v1/webhooks", `{"url":"https://erp.example.com/","entities":["user"]}`)
	a.call(http.StatusBadRequest, "PATCH", p, `{"ops":["upsert"]}`)
	rotated := a.call(ok, "POST", p+"/rotate", "")
	if rotated["secret"] == secret || rotated["secret"] == "" {
		t.Errorf("rotate: %v, want a new secret", rotated)
	}
	a.call(noContent, "DELETE", p, "", "If-Match", `"2"`)
	a.call(http.StatusNotFound, "GET", p, "")
	a.call(http.StatusNotFound, "POST", p+"/rotate", "")

	// A text search inside a place, and alone.
	acc := jsonID(a.call(created, "POST", "/api/v1/accounts", `{"kind":"client","name":"LAMBDA SARL","lat":45.764,"lng":4.8357}`))
	a.call(created, "POST", "/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Marie Curie","title":"Acheteuse","email":"marie@example.com"}`, acc))
	a.call(created, "POST", "/api/v1/activities", fmt.Sprintf(`{"type":"visit","done":true,"account_id":%d,
		"start":"2026-03-02T09:00:00Z","end":"2026-03-02T10:00:00Z","subject":"Visite","report":"Rexalor ne peut pas livrer."}`, acc))
	a.call(created, "POST", "/api/v1/accounts", `{"kind":"prospect","name":"Rexalor Distribution","lat":45.75,"lng":4.85}`)
	found := a.call(ok, "POST", "/api/v1/accounts/search", `{"q":"rexalor","box":{"min":{"lat":45,"lng":4},"max":{"lat":46,"lng":5}}}`)
	if items := found["items"].([]any); len(items) != 2 || !strings.Contains(items[0].(map[string]any)["snippet"].(string), "<mark>") {
		t.Errorf("search with q in a box: %v, want both accounts with snippets", found)
	}
	a.call(ok, "POST", "/api/v1/accounts/search", `{"q":"rexalor","route":{"type":"LineString","coordinates":[[4.8,45.76],[4.9,45.76]]},"width_m":5000,"fields":["id","along_m"]}`)
	a.call(ok, "POST", "/api/v1/accounts/search", `{"q":"livrer"}`)
	a.call(http.StatusBadRequest, "POST", "/api/v1/accounts/search", `{"q":"le de"}`)

	// Mailings: a dry run, then a refusal without e-mail configured.
	mailing := `{"q":"rexalor","subject":"Offre pour {{.Account.Name}}","body":"Bonjour {{.Contact.FirstName}}","dry_run":%v}`
	preview := a.call(ok, "POST", "/api/v1/mailings", fmt.Sprintf(mailing, true))
	if preview["messages"] != float64(1) || preview["accounts"] != float64(2) || len(preview["preview"].([]any)) != 1 {
		t.Errorf("dry run: %v, want 2 accounts and 1 message", preview)
	}
	a.call(http.StatusConflict, "POST", "/api/v1/mailings", fmt.Sprintf(mailing, false), "Idempotency-Key", "m-1")
	bad := a.call(http.StatusBadRequest, "POST", "/api/v1/mailings", `{"subject":"Offre","body":"{{.Contact.Nmae}}"}`)
	if e := bad["error"].(map[string]any); e["field"] != "body" {
		t.Errorf("unknown field in the body template: %v, want an error on body", bad)
	}
}

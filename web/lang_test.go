package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tournee/tournee/web"
)

// TestLanguage checks that the sentences written for the rep — the trip
// recommendation and a booked visit's subject — follow Accept-Language,
// French when it names neither French nor English.
func TestLanguage(t *testing.T) {
	w := newMapWorld(t, web.Config{})
	trip := fmt.Sprintf(`{"rep_id":%d,"date":%q,"appointments":[{"account_id":%d,"start":"11:00"}],"budget_ms":50}`,
		w.rep, mapDate, w.appoint)
	tests := []struct {
		header, want, sentence string
	}{
		{"", "fr", "rentrer le soir même"},
		{"fr-FR,fr;q=0.9", "fr", "rentrer le soir même"},
		{"en-GB,en;q=0.9,fr;q=0.8", "en", "driving back the same day"},
		{"de-DE, en;q=0.5", "en", "driving back the same day"},
		{"en;q=0.4, fr;q=0.8", "fr", "rentrer le soir même"},
		{"en;q=0, de", "fr", "rentrer le soir même"},
		{"*", "fr", "rentrer le soir même"},
	}
	for _, tc := range tests {
		t.Run(tc.header, func(t *testing.T) {
			var headers []string
			if tc.header != "" {
				headers = []string{"Accept-Language", tc.header}
			}
			r := do(t, w.srv, "POST", "/api/v1/plans/trip", trip, headers...)
			wantStatus(t, r, http.StatusOK)
			if got := r.Header().Get("Content-Language"); got != tc.want {
				t.Errorf("Content-Language: got %q, want %q", got, tc.want)
			}
			why := decode[struct{ Why string }](t, r).Why
			if !strings.Contains(why, tc.sentence) {
				t.Errorf("why: got %q, want it to contain %q", why, tc.sentence)
			}
		})
	}

	book := func(start string, headers ...string) string {
		t.Helper()
		r := do(t, w.srv, "POST", "/api/v1/plans/book", fmt.Sprintf(`{"rep_id":%d,"date":%q,"visits":[{"account_id":%d,"start":%q}]}`,
			w.rep, mapDate, w.appoint, start), headers...)
		wantStatus(t, r, http.StatusCreated)
		return decode[struct{ Items []struct{ Subject string } }](t, r).Items[0].Subject
	}
	if got, want := book("11:00"), "Visite : LAMBDA SARL"; got != want {
		t.Errorf("subject with no Accept-Language: got %q, want %q", got, want)
	}
	if got, want := book("15:00", "Accept-Language", "en-US"), "Visit: LAMBDA SARL"; got != want {
		t.Errorf("subject in English: got %q, want %q", got, want)
	}
}

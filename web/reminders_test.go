package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/web"
)

// TestTaskReminders is the retiring buyer's reminder end to end: a task
// reminding on 2 May reminds its assignee once, in the feed the assignee
// reads and by e-mail; a task done or not yet due is left alone.
func TestTaskReminders(t *testing.T) {
	now := time.Date(2027, 5, 2, 7, 0, 0, 0, time.UTC)
	s, db := newServerWith(t, web.Config{Rules: &accounts.Rules{Email: true, Now: func() time.Time { return now }}})
	ctx := context.Background()
	rep, secret := credentialFor(t, db, accounts.RoleRep, "rep@example.test", accounts.CredentialAPI)
	lambda := createID(t, s, "/api/v1/accounts", fmt.Sprintf(`{"kind":"client","name":"LAMBDA SARL","lat":47.2035,
		"lng":-1.6424,"owner_id":%d}`, rep.ID))
	task := func(title, remindAt, status string) int64 {
		t.Helper()
		return createID(t, s, "/api/v1/tasks", fmt.Sprintf(`{"title":%q,"account_id":%d,"assignee_id":%d,
			"due":"2027-05-15","remind_at":%q,"status":%q}`, title, lambda, rep.ID, remindAt, status))
	}
	book := task("Prendre rendez-vous avec le successeur de l'acheteur", "2027-05-02T06:00:00Z", "open")
	task("Relancer le devis", "2027-05-02T06:00:00Z", "done")
	later := task("Envoyer les échantillons", "2027-05-03T06:00:00Z", "open")

	feed := func() []accounts.Alert {
		t.Helper()
		r := do(t, s, "GET", "/api/v1/alerts", "", "Authorization", "Bearer "+secret)
		wantStatus(t, r, http.StatusOK)
		return decode[struct{ Items []accounts.Alert }](t, r).Items
	}
	send := func(want int) {
		t.Helper()
		n, err := s.Service().SendReminders(ctx)
		if err != nil {
			t.Fatalf("SendReminders: %v", err)
		}
		if n != want {
			t.Errorf("SendReminders at %v: got %d reminded, want %d", now, n, want)
		}
	}

	send(1)
	got := feed()
	if len(got) != 1 || got[0].TaskID == nil || *got[0].TaskID != book || got[0].AccountID == nil || *got[0].AccountID != lambda ||
		!strings.Contains(got[0].Message, "successeur") || !strings.Contains(got[0].Message, "LAMBDA SARL") {
		t.Fatalf("assignee's feed: got %+v, want one reminder of task %d naming LAMBDA SARL", got, book)
	}
	mails, err := db.ClaimDeliveries(ctx, now.Add(time.Hour), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	wantKey := fmt.Sprintf("task:%d:remind:%d:", book, time.Date(2027, 5, 2, 6, 0, 0, 0, time.UTC).Unix())
	if len(mails) != 1 || mails[0].Recipient != rep.Email || !strings.HasPrefix(mails[0].Key, wantKey) ||
		!strings.Contains(mails[0].Subject, "LAMBDA SARL") || !strings.Contains(mails[0].Body, "Due: 2027-05-15") {
		t.Errorf("e-mails: got %+v, want one to %s keyed %s…", mails, rep.Email, wantKey)
	}

	// Sent once: a second run, in this process or another, sends nothing.
	send(0)
	if got := feed(); len(got) != 1 {
		t.Errorf("feed after a second run: got %d alerts, want 1", len(got))
	}

	// The next day the other task's time comes.
	now = now.Add(24 * time.Hour)
	send(1)
	if got := feed(); len(got) != 2 || got[0].TaskID == nil || *got[0].TaskID != later {
		t.Errorf("feed the next day: got %+v, want the reminder of task %d first", got, later)
	}
}

// TestOverdueTasks lists the open tasks whose due date is before today in
// the organisation's zone: at 01:30 in Paris on 2 May, still 1 May in UTC,
// a task due on 1 May is overdue.
func TestOverdueTasks(t *testing.T) {
	now := time.Date(2027, 5, 1, 23, 30, 0, 0, time.UTC)
	s, db := newServerWith(t, web.Config{Rules: &accounts.Rules{Now: func() time.Time { return now }}})
	rep, secret := credentialFor(t, db, accounts.RoleRep, "rep@example.test", accounts.CredentialAPI)
	other, _ := credentialFor(t, db, accounts.RoleRep, "other@example.test", accounts.CredentialAPI)
	task := func(assignee int64, due, status string) int64 {
		t.Helper()
		return createID(t, s, "/api/v1/tasks", fmt.Sprintf(`{"title":"Relancer","assignee_id":%d,"due":%q,"status":%q}`,
			assignee, due, status))
	}
	yesterday := task(rep.ID, "2027-05-01", "open")
	old := task(other.ID, "2027-04-10", "open")
	task(rep.ID, "2027-05-02", "open") // due today
	task(rep.ID, "2027-04-30", "done")
	task(rep.ID, "", "open")

	ids := func(path string, headers ...string) []int64 {
		t.Helper()
		r := do(t, s, "GET", path, "", headers...)
		wantStatus(t, r, http.StatusOK)
		var out []int64
		for _, tk := range decode[struct{ Items []accounts.Task }](t, r).Items {
			out = append(out, tk.ID)
		}
		return out
	}
	if got, want := fmt.Sprint(ids("/api/v1/tasks?overdue=true")), fmt.Sprint([]int64{yesterday, old}); got != want {
		t.Errorf("overdue tasks: got %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(ids("/api/v1/tasks?overdue=true", "Authorization", "Bearer "+secret)), fmt.Sprint([]int64{yesterday}); got != want {
		t.Errorf("the rep's overdue tasks: got %s, want %s", got, want)
	}
	if got := ids("/api/v1/tasks?overdue=false"); len(got) != 5 {
		t.Errorf("overdue=false: got %d tasks, want all 5", len(got))
	}
	for _, bad := range []string{"overdue=yes", "overdue=true&status=done"} {
		r := do(t, s, "GET", "/api/v1/tasks?"+bad, "")
		wantStatus(t, r, http.StatusBadRequest)
	}
}

// createID posts body to path as the admin and returns the new record's id.
func createID(t *testing.T, s http.Handler, path, body string) int64 {
	t.Helper()
	r := do(t, s, "POST", path, body)
	wantStatus(t, r, http.StatusCreated)
	return decode[struct {
		ID int64 `json:"id"`
	}](t, r).ID
}

// TestDelegatedTasks: a task handed to someone else records who delegated
// it, and the delegator follows its status with created_by, whoever does
// it; others do not see it that way.
func TestDelegatedTasks(t *testing.T) {
	s, db := newServerWith(t, web.Config{})
	mgr, mgrKey := credentialFor(t, db, accounts.RoleManager, "manager@example.test", accounts.CredentialAPI)
	r1, r1Key := credentialFor(t, db, accounts.RoleRep, "r1@example.test", accounts.CredentialAPI)
	r2, r2Key := credentialFor(t, db, accounts.RoleRep, "r2@example.test", accounts.CredentialAPI)
	_, r3Key := credentialFor(t, db, accounts.RoleRep, "r3@example.test", accounts.CredentialAPI)
	for _, rep := range []*accounts.User{&r1, &r2} {
		rep.ManagerID = &mgr.ID
		u, err := db.UpdateUser(context.Background(), *rep, rep.Version)
		if err != nil {
			t.Fatal(err)
		}
		*rep = u
	}
	as := func(key string) []string { return []string{"Authorization", "Bearer " + key} }
	create := func(key, body string) accounts.Task {
		t.Helper()
		r := do(t, s, "POST", "/api/v1/tasks", body, as(key)...)
		wantStatus(t, r, http.StatusCreated)
		return decode[accounts.Task](t, r)
	}
	listed := func(key, query string) []int64 {
		t.Helper()
		r := do(t, s, "GET", "/api/v1/tasks?"+query, "", as(key)...)
		wantStatus(t, r, http.StatusOK)
		var out []int64
		for _, tk := range decode[struct{ Items []accounts.Task }](t, r).Items {
			out = append(out, tk.ID)
		}
		return out
	}

	// A task, even one's own, hangs only on an account one sees.
	hidden := createID(t, s, "/api/v1/accounts", fmt.Sprintf(`{"kind":"client","name":"Chez r1","lat":45,"lng":4.8,"owner_id":%d}`, r1.ID))
	for _, body := range []string{
		fmt.Sprintf(`{"title":"Fouiner","assignee_id":%d,"account_id":%d}`, r1.ID, hidden),
		fmt.Sprintf(`{"title":"Fouiner","assignee_id":%d,"created_by":%d,"account_id":%d}`, r1.ID, r1.ID, hidden),
	} {
		r := do(t, s, "POST", "/api/v1/tasks", body, as(r3Key)...)
		wantStatus(t, r, http.StatusNotFound)
	}
	r := do(t, s, "POST", "/api/v1/tasks", `{"title":"Fouiner","assignee_id":1,"account_id":999999}`, as(r3Key)...)
	wantStatus(t, r, http.StatusNotFound)

	fromMgr := create(mgrKey, fmt.Sprintf(`{"title":"Préparer le salon","assignee_id":%d}`, r1.ID))
	fromRep := create(r1Key, fmt.Sprintf(`{"title":"Passer chez LAMBDA SARL","assignee_id":%d}`, r2.ID))
	if fromMgr.CreatedBy == nil || *fromMgr.CreatedBy != mgr.ID || fromRep.CreatedBy == nil || *fromRep.CreatedBy != r1.ID {
		t.Fatalf("created_by = %v and %v, want the manager and r1", fromMgr.CreatedBy, fromRep.CreatedBy)
	}

	// r2 does the task; r1, who delegated it, sees it done.
	done := fromRep
	done.Status = accounts.TaskDone
	body, _ := json.Marshal(done)
	r = do(t, s, "PATCH", fmt.Sprintf("/api/v1/tasks/%d", fromRep.ID), string(body), as(r2Key)...)
	wantStatus(t, r, http.StatusOK)
	r = do(t, s, "GET", fmt.Sprintf("/api/v1/tasks?created_by=%d", r1.ID), "", as(r1Key)...)
	wantStatus(t, r, http.StatusOK)
	if items := decode[struct{ Items []accounts.Task }](t, r).Items; len(items) != 1 || items[0].ID != fromRep.ID || items[0].Status != accounts.TaskDone {
		t.Errorf("r1's delegated tasks = %+v, want task %d done", items, fromRep.ID)
	}
	if got := listed(mgrKey, fmt.Sprintf("created_by=%d", mgr.ID)); fmt.Sprint(got) != fmt.Sprint([]int64{fromMgr.ID}) {
		t.Errorf("the manager's delegated tasks = %v, want [%d]", got, fromMgr.ID)
	}
	if got := listed(r2Key, ""); fmt.Sprint(got) != fmt.Sprint([]int64{fromRep.ID}) {
		t.Errorf("r2's tasks = %v, want the one r1 handed over", got)
	}
	if got := listed(r3Key, fmt.Sprintf("created_by=%d", r1.ID)); len(got) != 0 {
		t.Errorf("r3 lists r1's delegated tasks: %v", got)
	}
}

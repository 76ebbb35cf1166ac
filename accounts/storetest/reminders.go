package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

// Task reminders (accounts.RuleStore.DueReminders and RecordReminder): a
// task is due while it is open, its RemindAt has come and it was not
// reminded for that RemindAt; recording a reminder writes the alert, the
// deliveries and the mark together, once.

func testReminders(t *testing.T, open func(*testing.T) accounts.Store) {
	t.Run("Due", func(t *testing.T) { testDueReminders(t, open) })
	t.Run("Once", func(t *testing.T) { testReminderOnce(t, open) })
	t.Run("Closed", func(t *testing.T) { testReminderClosed(t, open) })
	t.Run("Moved", func(t *testing.T) { testReminderMoved(t, open) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrentReminders(t, open) })
	t.Run("AllOrNothing", func(t *testing.T) { testReminderAllOrNothing(t, open) })
}

// remindAt creates an open task of w's rep on w's account reminding at at
// (nil: no reminder).
func remindAt(t *testing.T, w *world, i int, at *time.Time) accounts.Task {
	t.Helper()
	tk := taskFixture(t, &w.account.ID, w.rep.ID, &w.manager.ID, i)
	tk.RemindAt = at
	return mustCreate(t, "CreateTask", w.ctx, w.s.CreateTask, tk)
}

// reminderOf is the reminder of tk: an alert to its assignee and a mail.
func reminderOf(tk accounts.Task) accounts.Reminder {
	firing := fmt.Sprintf("task:%d:remind:%d", tk.ID, tk.RemindAt.Unix())
	return accounts.Reminder{
		TaskID:   tk.ID,
		RemindAt: *tk.RemindAt,
		Alerts: []accounts.Alert{{UserID: tk.AssigneeID, AccountID: tk.AccountID, TaskID: &tk.ID,
			Message: "Rappel : " + tk.Title}},
		Deliveries: []accounts.Delivery{{
			Key:       accounts.DeliveryKey(firing, accounts.ChannelEmail, "elodie.fournier@example.fr"),
			Channel:   accounts.ChannelEmail,
			Recipient: "elodie.fournier@example.fr",
			Subject:   "Tournée : rappel — " + tk.Title,
			Body:      tk.Notes,
		}},
	}
}

// remind calls RecordReminder and checks whether it wrote.
func remind(t *testing.T, s accounts.Store, r accounts.Reminder, want bool) {
	t.Helper()
	got, err := s.RecordReminder(context.Background(), r)
	noErr(t, "RecordReminder", err)
	if got != want {
		t.Errorf("RecordReminder of task %d at %v: got %v, want %v", r.TaskID, r.RemindAt, got, want)
	}
}

// due lists the ids of the tasks due at now, in the store's order.
func due(t *testing.T, s accounts.Store, now time.Time, limit int) []int64 {
	t.Helper()
	got, err := s.DueReminders(context.Background(), now, limit)
	noErr(t, "DueReminders", err)
	ids := make([]int64, len(got))
	for i, tk := range got {
		ids[i] = tk.ID
	}
	return ids
}

func checkIDs(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func testDueReminders(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	now := day(10)
	late := remindAt(t, w, 1, ptr(day(9)))
	remindAt(t, w, 2, nil)
	future := remindAt(t, w, 3, ptr(now.Add(time.Microsecond)))
	exact := remindAt(t, w, 4, ptr(now))
	earliest := remindAt(t, w, 5, ptr(day(1)))
	tie := remindAt(t, w, 6, ptr(day(9)))

	checkIDs(t, "due, earliest first, ties by id", due(t, w.s, now, 0), []int64{earliest.ID, late.ID, tie.ID, exact.ID})
	checkIDs(t, "limit", due(t, w.s, now, 2), []int64{earliest.ID, late.ID})
	checkIDs(t, "before any", due(t, w.s, day(0), 0), []int64{})
	checkIDs(t, "later", due(t, w.s, now.Add(time.Hour), 0), []int64{earliest.ID, late.ID, tie.ID, exact.ID, future.ID})

	got, err := w.s.DueReminders(w.ctx, now, 1)
	noErr(t, "DueReminders", err)
	if len(got) != 1 || !got[0].RemindAt.Equal(*earliest.RemindAt) || got[0].Title != earliest.Title || got[0].AssigneeID != w.rep.ID {
		t.Errorf("DueReminders: got %+v, want the task %+v", got, earliest)
	}
}

func testReminderOnce(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	tk := remindAt(t, w, 1, ptr(day(1)))
	other := remindAt(t, w, 2, ptr(day(2)))
	after := lastSeq(t, w)

	remind(t, w.s, reminderOf(tk), true)
	checkIDs(t, "due after the reminder", due(t, w.s, day(3), 0), []int64{other.ID})
	alerts := alertsOf(t, w.s, w.rep.ID)
	if len(alerts) != 1 || alerts[0].TaskID == nil || *alerts[0].TaskID != tk.ID || !sameID(alerts[0].AccountID, w.account.ID) ||
		alerts[0].Message != "Rappel : "+tk.Title || alerts[0].CreatedAt.IsZero() {
		t.Errorf("alerts: got %+v, want one about task %d", alerts, tk.ID)
	}
	ds := pending(t, w.s)
	if len(ds) != 1 || ds[0].Key != reminderOf(tk).Deliveries[0].Key {
		t.Errorf("deliveries: got %+v, want the reminder's", ds)
	}

	remind(t, w.s, reminderOf(tk), false)
	if got := alertsOf(t, w.s, w.rep.ID); len(got) != 1 {
		t.Errorf("alerts after a second reminder: got %d, want 1", len(got))
	}

	// The mark is no edit of the task: same version, no change row.
	stored, err := w.s.GetTask(w.ctx, tk.ID)
	noErr(t, "GetTask", err)
	if stored.Version != tk.Version || !stored.UpdatedAt.Equal(tk.UpdatedAt) {
		t.Errorf("task after its reminder: got version %d at %v, want %d at %v",
			stored.Version, stored.UpdatedAt, tk.Version, tk.UpdatedAt)
	}
	checkChanges(t, w, after, nil)

	t.Run("edit keeps the mark", func(t *testing.T) {
		stored.Title = "Rappeler Mme Lefèvre, encore"
		_, err := w.s.UpdateTask(w.ctx, stored, stored.Version)
		noErr(t, "UpdateTask", err)
		checkIDs(t, "due after an edit", due(t, w.s, day(3), 0), []int64{other.ID})
	})
}

func testReminderClosed(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	for i, status := range []accounts.TaskStatus{accounts.TaskDone, accounts.TaskCancelled} {
		t.Run(string(status), func(t *testing.T) {
			tk := remindAt(t, w, i, ptr(day(1)))
			was := tk
			tk.Status = status
			tk, err := w.s.UpdateTask(w.ctx, tk, tk.Version)
			noErr(t, "UpdateTask", err)
			checkIDs(t, "due", due(t, w.s, day(2), 0), []int64{})
			remind(t, w.s, reminderOf(was), false)
			if got := alertsOf(t, w.s, w.rep.ID); len(got) != 0 {
				t.Errorf("alerts: got %+v, want none", got)
			}
			if got := pending(t, w.s); len(got) != 0 {
				t.Errorf("deliveries: got %+v, want none", got)
			}
		})
	}
	t.Run("no remind-at", func(t *testing.T) {
		tk := remindAt(t, w, 3, nil)
		remind(t, w.s, accounts.Reminder{TaskID: tk.ID, RemindAt: day(1)}, false)
	})
	t.Run("missing task", func(t *testing.T) {
		remind(t, w.s, accounts.Reminder{TaskID: missingID, RemindAt: day(1)}, false)
	})
}

func testReminderMoved(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	tk := remindAt(t, w, 1, ptr(day(1)))
	first := reminderOf(tk)
	remind(t, w.s, first, true)

	tk.RemindAt = ptr(day(5))
	tk, err := w.s.UpdateTask(w.ctx, tk, tk.Version)
	noErr(t, "UpdateTask", err)
	checkIDs(t, "due before the new time", due(t, w.s, day(4), 0), []int64{})
	checkIDs(t, "due at the new time", due(t, w.s, day(5), 0), []int64{tk.ID})

	remind(t, w.s, first, false) // the old time is stale
	second := reminderOf(tk)
	remind(t, w.s, second, true)
	remind(t, w.s, second, false)
	if got := alertsOf(t, w.s, w.rep.ID); len(got) != 2 {
		t.Errorf("alerts: got %d, want 2, one per remind-at", len(got))
	}
	if got := pending(t, w.s); len(got) != 2 {
		t.Errorf("deliveries: got %d, want 2, one per remind-at", len(got))
	}

	t.Run("moved back to a reminded time", func(t *testing.T) {
		// The mark holds the last remind-at reminded: going back to an
		// earlier one is a new reminder.
		tk.RemindAt = ptr(day(1))
		tk, err := w.s.UpdateTask(w.ctx, tk, tk.Version)
		noErr(t, "UpdateTask", err)
		checkIDs(t, "due", due(t, w.s, day(6), 0), []int64{tk.ID})
	})
}

// testConcurrentReminders records one reminder from several goroutines at
// once, as replicas would: exactly one writes.
func testConcurrentReminders(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	tk := remindAt(t, w, 1, ptr(day(1)))
	const n = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	wrote := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		r := reminderOf(tk)
		// Different keys, so that only the mark can keep the outbox at one.
		r.Deliveries[0].Key = fmt.Sprintf("%s-%d", r.Deliveries[0].Key, i)
		wg.Go(func() {
			<-start
			wrote[i], errs[i] = w.s.RecordReminder(context.Background(), r)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("RecordReminder %d: %v", i, errs[i])
		} else if wrote[i] {
			won++
		}
	}
	if won != 1 {
		t.Errorf("simultaneous reminders of one task: got %d that wrote, want exactly 1", won)
	}
	if got := alertsOf(t, w.s, w.rep.ID); len(got) != 1 {
		t.Errorf("alerts: got %d, want 1", len(got))
	}
	if got := pending(t, w.s); len(got) != 1 {
		t.Errorf("deliveries: got %d, want 1", len(got))
	}
}

func testReminderAllOrNothing(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	tk := remindAt(t, w, 1, ptr(day(1)))
	tests := []struct {
		name string
		edit func(*accounts.Reminder)
	}{
		{"invalid delivery", func(r *accounts.Reminder) { r.Deliveries[0].Subject = "" }},
		{"alert to a missing user", func(r *accounts.Reminder) { r.Alerts[0].UserID = missingID }},
		{"alert on a missing account", func(r *accounts.Reminder) { r.Alerts[0].AccountID = ptr(missingID) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := reminderOf(tk)
			tc.edit(&r)
			ok, err := w.s.RecordReminder(w.ctx, r)
			wantErr(t, "RecordReminder", err, accounts.ErrInvalid)
			if ok {
				t.Errorf("RecordReminder: got true, want false with an error")
			}
			checkIDs(t, "due after a failed reminder", due(t, w.s, day(2), 0), []int64{tk.ID})
			if got := alertsOf(t, w.s, w.rep.ID); len(got) != 0 {
				t.Errorf("alerts after a failed reminder: got %+v, want none", got)
			}
			if got := pending(t, w.s); len(got) != 0 {
				t.Errorf("deliveries after a failed reminder: got %+v, want none", got)
			}
		})
	}
	t.Run("then reminded", func(t *testing.T) {
		remind(t, w.s, reminderOf(tk), true)
	})
}

package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Task reminders: when a task's RemindAt comes, its assignee gets an alert
// in the feed and, with Rules.Email, an e-mail. The store writes both with
// the task's reminded mark in one transaction (RecordReminder), so that a
// reminder is sent once even when several processes send reminders, and a
// crash leaves it whole or still due.

// reminderBatch is how many due reminders one step reads.
const reminderBatch = 100

// SendReminders reminds the assignee of every open task whose RemindAt has
// come at the Rules clock and that was not reminded for it, and returns how
// many it reminded. A task it fails to remind stays due for the next call;
// the others go ahead, and the failures are returned together.
func (s *Service) SendReminders(ctx context.Context) (int, error) {
	now := s.Rules.now()
	sent := 0
	for {
		due, err := s.DueReminders(ctx, now, reminderBatch)
		if err != nil {
			return sent, err
		}
		var errs []error
		for _, t := range due {
			if err := ctx.Err(); err != nil {
				return sent, err
			}
			wrote, err := s.remind(ctx, t)
			if err != nil {
				errs = append(errs, fmt.Errorf("task %d: %w", t.ID, err))
				continue
			}
			if wrote {
				sent++
			}
		}
		// A failed task is still due: reading on would return it again.
		if len(errs) > 0 || len(due) < reminderBatch {
			return sent, errors.Join(errs...)
		}
	}
}

// remind records the reminder of task t, which DueReminders returned.
func (s *Service) remind(ctx context.Context, t Task) (bool, error) {
	r, err := s.reminder(ctx, t)
	if err != nil {
		return false, err
	}
	wrote, err := s.RecordReminder(ctx, r)
	if err != nil {
		return false, err
	}
	if wrote && len(r.Deliveries) > 0 && s.Rules != nil && s.Rules.Wake != nil {
		s.Rules.Wake()
	}
	return wrote, nil
}

// reminder is what reminding t writes: an alert to its assignee and, with
// e-mail on, a message whose key names the task and its RemindAt, so that
// a reminder recorded twice (it cannot be, but the outbox does not rely on
// that) is sent once, while a moved RemindAt sends a new one.
func (s *Service) reminder(ctx context.Context, t Task) (Reminder, error) {
	r := Reminder{TaskID: t.ID, RemindAt: *t.RemindAt}
	var a *Account
	if t.AccountID != nil {
		acc, err := s.GetAccount(ctx, *t.AccountID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Reminder{}, err
		}
		if err == nil {
			a = &acc
		}
	}
	msg := "Reminder: " + t.Title
	if a != nil {
		msg += " — " + a.Name
	}
	r.Alerts = []Alert{{UserID: t.AssigneeID, AccountID: t.AccountID, TaskID: &t.ID, Message: msg}}
	if s.Rules == nil || !s.Rules.Email {
		return r, nil
	}
	u, err := s.GetUser(ctx, t.AssigneeID)
	if err != nil {
		return Reminder{}, err
	}
	if strings.TrimSpace(u.Email) == "" {
		return r, nil
	}
	subject := "Tournée: reminder — " + t.Title
	if a != nil {
		subject += " — " + a.Name
	}
	r.Deliveries = []Delivery{{
		Key:       DeliveryKey(fmt.Sprintf("task:%d:remind:%d", t.ID, t.RemindAt.Unix()), ChannelEmail, u.Email),
		Channel:   ChannelEmail,
		Recipient: u.Email,
		Subject:   subject,
		Body:      reminderBody(t, a, s.Rules.zone()),
	}}
	return r, nil
}

// reminderBody is the text of a reminder e-mail.
func reminderBody(t Task, a *Account, zone *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", t.Title)
	if notes := strings.TrimSpace(t.Notes); notes != "" {
		fmt.Fprintf(&b, "%s\n\n", notes)
	}
	if a != nil {
		fmt.Fprintf(&b, "Account: %s (%s)\n", a.Name, a.Kind)
		if city := strings.TrimSpace(a.Address.PostalCode + " " + a.Address.City); city != "" {
			fmt.Fprintf(&b, "Address: %s\n", city)
		}
	}
	if t.Due != "" {
		fmt.Fprintf(&b, "Due: %s\n", t.Due)
	}
	fmt.Fprintf(&b, "Reminder set for: %s\n", t.RemindAt.In(zone).Format("2006-01-02 15:04 MST"))
	return b.String()
}

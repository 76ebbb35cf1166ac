package accounts

import (
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tournee/tournee/geo"
)

// Limits on free text, generous for people and small enough that one record
// cannot fill a store.
const (
	maxName   = 200
	maxText   = 2000
	maxReport = 100_000
	maxTags   = 50
)

// Defaults applied when a field is left empty.
const (
	DefaultVisitDuration = 45 * time.Minute
	DefaultSpeedKmh      = 70
	DefaultWorkStart     = Clock(8 * 60)
	DefaultWorkEnd       = Clock(18 * 60)
)

func required(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return invalid(field, "%s is required", field)
	}
	return text(field, v, maxName)
}

func text(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return invalid(field, "%s is not valid UTF-8", field)
	}
	if utf8.RuneCountInString(v) > max {
		return invalid(field, "%s must be at most %d characters", field, max)
	}
	return nil
}

func email(field, v string, need bool) error {
	if v == "" && !need {
		return nil
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
		return invalid(field, "%s must be an e-mail address", field)
	}
	return nil
}

// CheckLocation checks p; the error is a FieldError naming prefix+"lat" or
// prefix+"lng".
func CheckLocation(prefix string, p geo.Point) error {
	if err := p.Validate(); err != nil {
		msg := strings.TrimPrefix(err.Error(), geo.ErrInvalid.Error()+": ")
		field := prefix + "lat"
		if strings.HasPrefix(msg, "lng") {
			field = prefix + "lng"
		}
		return invalid(field, "%s%s", prefix, msg)
	}
	return nil
}

func positive(field string, id int64) error {
	if id <= 0 {
		return invalid(field, "%s is required", field)
	}
	return nil
}

func oneOf[T ~string](field string, v T, allowed ...T) error {
	if !slices.Contains(allowed, v) {
		s := make([]string, len(allowed))
		for i, a := range allowed {
			s[i] = string(a)
		}
		return invalid(field, "%s must be one of %s", field, strings.Join(s, ", "))
	}
	return nil
}

// Validate checks u and fills its defaults.
func (u *User) Validate() error {
	u.Email = strings.TrimSpace(u.Email)
	if len(u.WorkDays) == 0 {
		u.WorkDays = Weekdays{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	if u.WorkStart == 0 && u.WorkEnd == 0 {
		u.WorkStart, u.WorkEnd = DefaultWorkStart, DefaultWorkEnd
	}
	if u.SpeedKmh == 0 {
		u.SpeedKmh = DefaultSpeedKmh
	}
	return errors.Join(
		email("email", u.Email, true),
		required("name", u.Name),
		oneOf("role", u.Role, RoleAdmin, RoleManager, RoleRep),
		CheckLocation("home.", u.Home),
		text("home_address", u.HomeAddress, maxText),
		check(u.WorkStart < u.WorkEnd && u.WorkEnd <= 24*60, "work_end", "work_end must be after work_start"),
		check(u.CostPerKmCents >= 0, "cost_per_km_cents", "cost_per_km_cents must not be negative"),
		check(u.SpeedKmh >= 5 && u.SpeedKmh <= 200, "speed_kmh", "speed_kmh must be between 5 and 200"),
		check(u.ManagerID == nil || u.ID == 0 || *u.ManagerID != u.ID, "manager_id", "manager_id must not be the user itself"),
	)
}

// Validate checks a and fills its defaults.
func (a *Account) Validate() error {
	a.Name = strings.TrimSpace(a.Name)
	if a.VisitDuration == 0 {
		a.VisitDuration = DefaultVisitDuration
	}
	tags, tagErr := normalizeTags(a.Tags)
	a.Tags = tags
	return errors.Join(
		oneOf("kind", a.Kind, KindProspect, KindClient, KindFormer),
		required("name", a.Name),
		text("legal_id", a.LegalID, 32),
		text("address", a.Address.Street+a.Address.PostalCode+a.Address.City+a.Address.Country, maxText),
		check(!a.Point.IsZero(), "lat", "lat and lng are required"),
		CheckLocation("", a.Point),
		check(a.PotentialCents >= 0, "potential_cents", "potential_cents must not be negative"),
		text("segment", a.Segment, maxName),
		tagErr,
		a.OpeningHours.Validate(),
		check(a.VisitDuration >= time.Minute && a.VisitDuration <= 12*time.Hour, "visit_duration_s", "visit_duration_s must be between 60 and 43200"),
		text("qualification.size", a.Qualification.Size, maxName),
		text("qualification.sector", a.Qualification.Sector, maxName),
		validDate("qualification.qualified_at", a.Qualification.QualifiedAt),
		check(a.OwnerID == nil || *a.OwnerID > 0, "owner_id", "owner_id must be a user id"),
	)
}

func normalizeTags(in []string) ([]string, error) {
	out := []string{}
	for _, t := range in {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if err := text("tags", t, 50); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if len(out) > maxTags {
		return nil, invalid("tags", "tags must be at most %d", maxTags)
	}
	return out, nil
}

func validDate(field string, d *Date) error {
	if d == nil {
		return nil
	}
	return d.validate(field)
}

func check(ok bool, field, msg string) error {
	if ok {
		return nil
	}
	return invalid(field, "%s", msg)
}

// Validate checks r.
func (r *Revenue) Validate() error {
	_, err := r.Month.Time()
	return errors.Join(
		positive("account_id", r.AccountID),
		check(err == nil, "month", "month must be YYYY-MM"),
	)
}

// Validate checks c.
func (c *Contact) Validate() error {
	c.Email = strings.TrimSpace(c.Email)
	errs := []error{
		positive("account_id", c.AccountID),
		required("name", c.Name),
		text("title", c.Title, maxName),
		email("email", c.Email, false),
		text("phone", c.Phone, 40),
		text("notes", c.Notes, maxText),
	}
	for _, d := range c.Dates {
		errs = append(errs, required("dates.label", d.Label), check(d.Date != "", "dates.date", "dates.date is required"), d.Date.validate("dates.date"))
	}
	return errors.Join(errs...)
}

// Validate checks s.
func (s *Stage) Validate() error {
	return errors.Join(
		required("name", s.Name),
		check(s.Probability >= 0 && s.Probability <= 100, "probability", "probability must be between 0 and 100"),
	)
}

// Validate checks o and fills its defaults; the stage's existence is the
// service's to check.
func (o *Opportunity) Validate() error {
	if o.Status == "" {
		o.Status = StatusOpen
	}
	return errors.Join(
		positive("account_id", o.AccountID),
		required("name", o.Name),
		positive("stage_id", o.StageID),
		check(o.AmountCents >= 0, "amount_cents", "amount_cents must not be negative"),
		o.ExpectedClose.validate("expected_close"),
		oneOf("status", o.Status, StatusOpen, StatusWon, StatusLost),
	)
}

// Validate checks a and fills its defaults.
func (a *Activity) Validate() error {
	if a.End.IsZero() {
		a.End = a.Start
	}
	errs := []error{
		oneOf("type", a.Type, ActivityVisit, ActivityCall, ActivityEmail, ActivityNote),
		check(!a.Start.IsZero(), "start", "start is required"),
		check(!a.End.Before(a.Start), "end", "end must not be before start"),
		text("subject", a.Subject, maxName),
		text("report", a.Report, maxReport),
		check(a.TravelledM >= 0, "travelled_m", "travelled_m must not be negative"),
	}
	if a.CheckIn != nil {
		errs = append(errs, check(a.Type == ActivityVisit, "check_in", "check_in is only for visits"), CheckLocation("check_in.", *a.CheckIn))
	}
	return errors.Join(errs...)
}

// Validate checks t and fills its defaults.
func (t *Task) Validate() error {
	if t.Status == "" {
		t.Status = TaskOpen
	}
	return errors.Join(
		required("title", t.Title),
		text("notes", t.Notes, maxText),
		positive("assignee_id", t.AssigneeID),
		t.Due.validate("due"),
		oneOf("status", t.Status, TaskOpen, TaskDone, TaskCancelled),
	)
}

// Validate checks t.
func (t *Territory) Validate() error {
	layer, layerErr := CheckLayer("layer", t.Layer)
	t.Layer = layer
	return errors.Join(
		layerErr,
		required("name", t.Name),
		check(!t.Geometry.IsZero(), "geometry", "geometry is required"),
	)
}

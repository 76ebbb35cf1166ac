package accounts

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/tournee/tournee/geo"
)

// Meta is what every versioned record carries. Stores set it; clients send
// the version back in If-Match to update.
type Meta struct {
	ID        int64     `json:"id"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Role is what a user may do.
type Role string

const (
	RoleAdmin   Role = "admin"
	RoleManager Role = "manager"
	RoleRep     Role = "rep"
)

// User is a person who signs in: a rep on the road, a sales manager or an admin.
type User struct {
	Meta
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	ManagerID   *int64    `json:"manager_id"`
	Home        geo.Point `json:"home"`
	HomeAddress string    `json:"home_address"`
	WorkDays    Weekdays  `json:"work_days"`
	WorkStart   Clock     `json:"work_start"`
	WorkEnd     Clock     `json:"work_end"`
	// CostPerKmCents is what a driven kilometre costs (fuel, wear, allowance).
	CostPerKmCents int64 `json:"cost_per_km_cents"`
	// SpeedKmh is the average door-to-door road speed of the rep's vehicle.
	SpeedKmh float64 `json:"speed_kmh"`
}

// Kind is an account's relation to the organisation.
type Kind string

const (
	KindProspect Kind = "prospect"
	KindClient   Kind = "client"
	KindFormer   Kind = "former"
)

// Address is a postal address.
type Address struct {
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Country    string `json:"country"`
}

// Qualification records what is known of an account's size and trade.
type Qualification struct {
	Size        string `json:"size"`
	Sector      string `json:"sector"`
	QualifiedAt *Date  `json:"qualified_at"`
}

// Account is a client, prospect or former client with a place on the map.
type Account struct {
	Meta
	Kind    Kind    `json:"kind"`
	Name    string  `json:"name"`
	LegalID string  `json:"legal_id"`
	Address Address `json:"address"`
	geo.Point
	// PotentialCents is the estimated revenue per month, in euro cents.
	PotentialCents int64         `json:"potential_cents"`
	Segment        string        `json:"segment"`
	Tags           []string      `json:"tags"`
	OpeningHours   OpeningHours  `json:"opening_hours"`
	VisitDuration  time.Duration `json:"-"`
	Qualification  Qualification `json:"qualification"`
	// Custom holds the organisation's own fields as a JSON object.
	Custom  map[string]any `json:"custom"`
	OwnerID *int64         `json:"owner_id"`
	// LastVisitAt is the start of the account's latest done visit (an
	// activity of type visit with Done set), nil if it has none. It is
	// derived and read-only: stores recompute it in the transaction of every
	// activity create, update and delete, and account writes ignore it.
	// Recomputing it bumps neither Version nor UpdatedAt; when it changes,
	// the account gets an update change row. Stores keep it in an indexed
	// column, so that "not visited
	// since" queries (the rules engine's, the planner's) are range scans
	// rather than an aggregate over every activity.
	LastVisitAt *time.Time `json:"last_visit_at"`
	// Assignees gives, by territory layer, the user who follows the account
	// in that layer (see Assignment): the assignee of the territory that
	// holds it, or the user it is pinned to. Like LastVisitAt it is derived
	// and read-only: stores recompute it in the transaction of every write
	// that can change it (account create and move, territory create, edit
	// and delete, pin and unpin) and account writes ignore it. A layer where
	// the account has nobody is left out; nil when it has nobody anywhere,
	// written as {} in JSON.
	Assignees map[string]int64 `json:"assignees"`
	// RuleScore holds the score parts that the strategic rules matching the
	// account add to its base score (see Score), as the last evaluation left
	// them; derived and read-only like LastVisitAt (see SetRuleScores).
	RuleScore []ScorePart `json:"rule_score"`
}

// accountJSON carries the visit duration in seconds, as the API speaks.
type accountJSON struct {
	accountFields
	VisitDurationS int64 `json:"visit_duration_s"`
}

type accountFields Account

func (a Account) MarshalJSON() ([]byte, error) {
	if a.Assignees == nil {
		a.Assignees = map[string]int64{}
	}
	if a.RuleScore == nil {
		a.RuleScore = []ScorePart{}
	}
	return json.Marshal(accountJSON{accountFields(a), int64(a.VisitDuration / time.Second)})
}

// UnmarshalJSON decodes onto the current value, so that a partial document
// updates only the fields it names, and rejects unknown fields (a nested
// decoder would not inherit the caller's DisallowUnknownFields).
func (a *Account) UnmarshalJSON(b []byte) error {
	v := accountJSON{accountFields: accountFields(*a), VisitDurationS: int64(a.VisitDuration / time.Second)}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		// The path of a type error names the private type embedded
		// above; the caller knows only the JSON names.
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			typeErr.Field = strings.TrimPrefix(typeErr.Field, "accountFields.")
		}
		return err
	}
	*a = Account(v.accountFields)
	a.VisitDuration = time.Duration(v.VisitDurationS) * time.Second
	return nil
}

// Revenue is an account's invoiced amount for one month.
type Revenue struct {
	AccountID   int64 `json:"account_id"`
	Month       Month `json:"month"`
	AmountCents int64 `json:"amount_cents"`
}

// KeyDate is a dated fact about a contact, such as a retirement.
type KeyDate struct {
	Label string `json:"label"`
	Date  Date   `json:"date"`
}

// Contact is a person at an account.
type Contact struct {
	Meta
	AccountID int64     `json:"account_id"`
	Name      string    `json:"name"`
	Title     string    `json:"title"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	Notes     string    `json:"notes"`
	Dates     []KeyDate `json:"dates"`
}

// Stage is one step of the organisation's sales pipeline.
type Stage struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
	// Probability of winning at this stage, in percent.
	Probability int `json:"probability"`
}

// OpportunityStatus tells whether a deal is still being worked.
type OpportunityStatus string

const (
	StatusOpen OpportunityStatus = "open"
	StatusWon  OpportunityStatus = "won"
	StatusLost OpportunityStatus = "lost"
)

// Opportunity is a deal in the pipeline.
type Opportunity struct {
	Meta
	AccountID     int64             `json:"account_id"`
	Name          string            `json:"name"`
	StageID       int64             `json:"stage_id"`
	AmountCents   int64             `json:"amount_cents"`
	ExpectedClose Date              `json:"expected_close"`
	OwnerID       *int64            `json:"owner_id"`
	Status        OpportunityStatus `json:"status"`
}

// ActivityType is what kind of contact an activity was.
type ActivityType string

const (
	ActivityVisit ActivityType = "visit"
	ActivityCall  ActivityType = "call"
	ActivityEmail ActivityType = "email"
	ActivityNote  ActivityType = "note"
)

// Activity is a visit, call, e-mail or note, planned or done, with its report.
type Activity struct {
	Meta
	Type      ActivityType `json:"type"`
	Done      bool         `json:"done"`
	AccountID *int64       `json:"account_id"`
	OwnerID   *int64       `json:"owner_id"`
	Start     time.Time    `json:"start"`
	End       time.Time    `json:"end"`
	Subject   string       `json:"subject"`
	Report    string       `json:"report"`
	// CheckIn is where a visit was checked in, if it was.
	CheckIn    *geo.Point `json:"check_in"`
	TravelledM int64      `json:"travelled_m"`
}

// TaskStatus is where a task stands.
type TaskStatus string

const (
	TaskOpen      TaskStatus = "open"
	TaskDone      TaskStatus = "done"
	TaskCancelled TaskStatus = "cancelled"
)

// Task is a to-do or reminder, possibly delegated by one user to another.
type Task struct {
	Meta
	Title      string     `json:"title"`
	Notes      string     `json:"notes"`
	AccountID  *int64     `json:"account_id"`
	AssigneeID int64      `json:"assignee_id"`
	CreatedBy  *int64     `json:"created_by"`
	Due        Date       `json:"due"`
	RemindAt   *time.Time `json:"remind_at"`
	Status     TaskStatus `json:"status"`
}

// Territory is a zone of one layer (activity) assigned to a user.
type Territory struct {
	Meta
	Layer      string   `json:"layer"`
	Name       string   `json:"name"`
	Geometry   geo.Area `json:"geometry"`
	Priority   int      `json:"priority"`
	AssigneeID *int64   `json:"assignee_id"`
}

// territoryFields is Territory without its methods, for decoding.
type territoryFields Territory

// UnmarshalJSON reads a territory as its plain record or as a GeoJSON
// Feature whose properties carry layer, name, priority and assignee_id, as
// GIS tools write it. Either way a partial document updates only the fields
// it names, and unknown fields are refused (a nested decoder would not
// inherit the caller's DisallowUnknownFields).
func (t *Territory) UnmarshalJSON(b []byte) error {
	var probe struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(b, &probe) != nil || probe.Type != "Feature" {
		v := territoryFields(*t)
		if err := strictJSON(b, &v); err != nil {
			return err
		}
		*t = Territory(v)
		return nil
	}
	var f struct {
		Type       string          `json:"type"`
		ID         json.RawMessage `json:"id"` // the path names the record
		Geometry   *geo.Area       `json:"geometry"`
		Properties *struct {
			Layer      *string         `json:"layer"`
			Name       *string         `json:"name"`
			Priority   *int            `json:"priority"`
			AssigneeID json.RawMessage `json:"assignee_id"` // null clears it
		} `json:"properties"`
	}
	if err := strictJSON(b, &f); err != nil {
		return err
	}
	if f.Geometry != nil {
		t.Geometry = *f.Geometry
	}
	if p := f.Properties; p != nil {
		if p.Layer != nil {
			t.Layer = *p.Layer
		}
		if p.Name != nil {
			t.Name = *p.Name
		}
		if p.Priority != nil {
			t.Priority = *p.Priority
		}
		if len(p.AssigneeID) > 0 {
			t.AssigneeID = nil
			if err := json.Unmarshal(p.AssigneeID, &t.AssigneeID); err != nil {
				return &FieldError{Field: "properties.assignee_id", Message: "properties.assignee_id must be a user id or null"}
			}
		}
	}
	return nil
}

// strictJSON decodes b into v, refusing unknown fields.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Op is what happened to a record.
type Op string

const (
	OpCreate Op = "create"
	OpUpdate Op = "update"
	OpDelete Op = "delete"
)

// Change is one entry of the change feed, written in the transaction of the
// change it records. Seq increases strictly in commit order per store.
type Change struct {
	Seq      int64     `json:"seq"`
	Entity   string    `json:"entity"`
	EntityID int64     `json:"entity_id"`
	Op       Op        `json:"op"`
	At       time.Time `json:"at"`
	By       *int64    `json:"by"`
}

// Entity names used in the change feed.
const (
	EntityUser        = "user"
	EntityAccount     = "account"
	EntityRevenue     = "revenue"
	EntityContact     = "contact"
	EntityStage       = "stage"
	EntityOpportunity = "opportunity"
	EntityActivity    = "activity"
	EntityTask        = "task"
	EntityTerritory   = "territory"
	EntityRule        = "rule"
)

// Metadata gives generic code access to the Meta of any record that embeds it.
func (m *Meta) Metadata() *Meta { return m }

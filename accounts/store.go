package accounts

import (
	"context"
	"time"
)

// Page selects one page of a list ordered by id: the records whose id is
// greater than After, at most Limit of them (Limit 0 means the store's
// default of 100).
type Page struct {
	After int64
	Limit int
}

// Zero ids, empty strings and nil pointers in a filter mean "any".
type (
	UserFilter struct {
		Page
		Role      Role
		ManagerID int64
	}
	AccountFilter struct {
		Page
		Kind         Kind
		OwnerID      int64
		Tag          string
		Segment      string
		NamePrefix   string // case-insensitive prefix of the name
		UpdatedSince time.Time
		// Visible keeps the accounts that it lets its holder see (see
		// Visibility.Sees), on top of the other fields: the row-level
		// restriction of a rep's or a manager's lists. Nil restricts
		// nothing; a Visibility with no Users and no Prospects matches no
		// account.
		Visible *Visibility
	}
	ContactFilter struct {
		Page
		AccountID    int64
		UpdatedSince time.Time
	}
	OpportunityFilter struct {
		Page
		AccountID    int64
		OwnerID      int64
		StageID      int64
		Status       OpportunityStatus
		UpdatedSince time.Time
	}
	ActivityFilter struct {
		Page
		AccountID    int64
		OwnerID      int64
		Type         ActivityType
		UpdatedSince time.Time
		// StartFrom and StartBefore keep the activities starting in
		// [StartFrom, StartBefore): a day's or a month's calendar.
		StartFrom, StartBefore time.Time
	}
	TaskFilter struct {
		Page
		AccountID  int64
		AssigneeID int64
		// CreatedBy keeps the tasks a user created: a delegator follows
		// the status of what they handed to others.
		CreatedBy    int64
		Status       TaskStatus
		UpdatedSince time.Time
		// DueBefore, when set, keeps the tasks due before that day; tasks
		// without a due date are left out.
		DueBefore Date
		// Overdue keeps the open tasks due before today in the
		// organisation's zone. Service.ListTasks turns it into Status and
		// DueBefore, which is what stores read, since a store has no zone.
		Overdue bool
	}
	TerritoryFilter struct {
		Page
		Layer      string
		AssigneeID int64
	}
)

// MaxAccountsByID is the most ids one AccountsByID call takes: enough for a
// map tile or a day's route, few enough for one query's parameters.
const MaxAccountsByID = 1000

// IdempotentResponse is the answer given to the first request that carried an
// Idempotency-Key, replayed to its retries.
type IdempotentResponse struct {
	Fingerprint string // hash of method, path and body of the first request
	Status      int    // 0 while the first request is still being served
	Body        []byte
}

// Store persists the CRM records. Every write runs in one transaction that
// also appends its Change rows, so the change feed never misses or invents a
// write. Stores set ids, versions (1 on create, +1 on each update) and
// timestamps (UTC); they translate driver errors: no row is ErrNotFound, a
// unique violation is ErrConflict, an insert or update that refers to a
// missing record is ErrInvalid, a delete of a record still referred to is
// ErrConflict.
//
// Update and Delete take the version the caller last read: when it is not 0
// and differs from the stored version, they return ErrStale and write
// nothing. Updates ignore the Meta fields of their argument except ID; the
// one exception to Meta being the store's is CreateAccounts, below.
//
// Account.LastVisitAt is the store's too: CreateAccount, CreateAccounts and
// UpdateAccount ignore it in their argument and return the stored value;
// CreateActivity, UpdateActivity and DeleteActivity recompute it, in their
// transaction, for the account the activity leaves and the one it joins,
// without bumping the account's version or updated_at; each account whose
// value changed gets an update change row, so that replicas and offline
// clients learn of it even when the visit itself was deleted.
//
// Account.Assignees and the assignments behind it (see Assignment) are the
// store's too. In the transaction of the write, and under a lock that keeps
// two reassignments from interleaving, CreateAccount, CreateAccounts and
// UpdateAccount compute the assignments of their accounts with
// ReassignAccounts (no extra change row: the account's own write is
// logged); CreateTerritory, UpdateTerritory and DeleteTerritory recompute
// those of the accounts inside the territory's old and new bounds with
// ReassignTerritory, each account whose assignee changes getting an account
// update change row; PinAccount and UnpinAccount do the same for one account
// with SetPin. None of these bump an account's version or updated_at.
// Deleting an account drops its assignments; deleting a user that an
// assignment names is ErrConflict, as for any reference to a user.
//
// Account.RuleScore is the store's as well: account writes ignore it and
// SetRuleScores sets it (see RuleStore), with the same change rows.
//
// The acting user for the change feed comes from ActorFrom(ctx).
//
// Further rules the conformance suite (storetest) holds every store to:
// Create returns exactly what a later Get returns (non-nil Tags, Dates and
// WorkDays; nil Custom when it has no key; UTC times truncated to the
// microsecond); UserByEmail ignores case; UpdatedSince includes records
// updated at that very time; every reference to a user or from an activity
// or task to an account blocks the delete of its target (ErrConflict),
// except a user's credentials, which go with the user (see AuthStore);
// deleting an account writes a delete change for each contact and
// opportunity it takes with it, and one revenue delete (entity_id the
// account) if it had revenue, so that offline clients drop them too;
// empty bulk writes succeed and write nothing; in one PutRevenue batch the
// last amount given for a month wins.
type Store interface {
	RuleStore
	AuthStore
	WebhookStore
	MailingStore

	CreateUser(ctx context.Context, u User) (User, error)
	GetUser(ctx context.Context, id int64) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	UpdateUser(ctx context.Context, u User, version int64) (User, error)
	DeleteUser(ctx context.Context, id, version int64) error
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)

	CreateAccount(ctx context.Context, a Account) (Account, error)
	// CreateAccounts inserts all of as or none of them. Unlike every other
	// create, it keeps a non-zero CreatedAt given by the caller (in UTC,
	// truncated to the microsecond), so that an import from an ERP keeps the
	// date each account was registered; a zero CreatedAt means now, and
	// UpdatedAt is always now. The store does not check the date against its
	// clock. CreateAccount ignores CreatedAt, as it does all of Meta.
	CreateAccounts(ctx context.Context, as []Account) ([]Account, error)
	GetAccount(ctx context.Context, id int64) (Account, error)
	// AccountsByID returns the accounts with the given ids, in the order of
	// ids, in one query: an id that names no account is skipped, and an id
	// given n times gives its account n times. At most MaxAccountsByID ids
	// (more is ErrInvalid); none gives an empty, non-nil slice.
	AccountsByID(ctx context.Context, ids []int64) ([]Account, error)
	UpdateAccount(ctx context.Context, a Account, version int64) (Account, error)
	DeleteAccount(ctx context.Context, id, version int64) error // takes its contacts, revenue and opportunities with it
	ListAccounts(ctx context.Context, f AccountFilter) ([]Account, error)

	// PutRevenue inserts or replaces the amount of each (account, month), all
	// or none.
	PutRevenue(ctx context.Context, rs []Revenue) error
	// ListRevenue returns an account's months in ascending order.
	ListRevenue(ctx context.Context, accountID int64) ([]Revenue, error)

	CreateContact(ctx context.Context, c Contact) (Contact, error)
	CreateContacts(ctx context.Context, cs []Contact) ([]Contact, error)
	GetContact(ctx context.Context, id int64) (Contact, error)
	UpdateContact(ctx context.Context, c Contact, version int64) (Contact, error)
	DeleteContact(ctx context.Context, id, version int64) error
	ListContacts(ctx context.Context, f ContactFilter) ([]Contact, error)

	CreateStage(ctx context.Context, s Stage) (Stage, error)
	UpdateStage(ctx context.Context, s Stage) (Stage, error)
	DeleteStage(ctx context.Context, id int64) error // ErrConflict while opportunities use it
	// ListStages returns the pipeline ordered by position, then id.
	ListStages(ctx context.Context) ([]Stage, error)

	CreateOpportunity(ctx context.Context, o Opportunity) (Opportunity, error)
	GetOpportunity(ctx context.Context, id int64) (Opportunity, error)
	UpdateOpportunity(ctx context.Context, o Opportunity, version int64) (Opportunity, error)
	DeleteOpportunity(ctx context.Context, id, version int64) error
	ListOpportunities(ctx context.Context, f OpportunityFilter) ([]Opportunity, error)

	CreateActivity(ctx context.Context, a Activity) (Activity, error)
	GetActivity(ctx context.Context, id int64) (Activity, error)
	UpdateActivity(ctx context.Context, a Activity, version int64) (Activity, error)
	DeleteActivity(ctx context.Context, id, version int64) error
	ListActivities(ctx context.Context, f ActivityFilter) ([]Activity, error)
	// SearchReports finds the accounts whose activities (subject, report),
	// contacts (notes) or names match q, validated, best rank first, ties
	// by account id, at most q.Limit; every write is searchable once
	// committed.
	SearchReports(ctx context.Context, q ReportQuery) ([]ReportHit, error)
	// BookActivities inserts as, which all belong to one owner, or none of
	// them. It fails with ErrConflict, naming the activity in the way, if one
	// of them overlaps an activity of that owner already stored (only
	// activities that last, End after Start, take time). The check and the
	// inserts run in one transaction that holds a per-owner lock, so that
	// two bookings racing for one slot cannot both succeed.
	BookActivities(ctx context.Context, as []Activity) ([]Activity, error)

	CreateTask(ctx context.Context, t Task) (Task, error)
	GetTask(ctx context.Context, id int64) (Task, error)
	UpdateTask(ctx context.Context, t Task, version int64) (Task, error)
	DeleteTask(ctx context.Context, id, version int64) error
	ListTasks(ctx context.Context, f TaskFilter) ([]Task, error)

	CreateTerritory(ctx context.Context, t Territory) (Territory, error)
	// CreateTerritories creates all of ts or none of them (a layer import),
	// reassigning the accounts they hold in the same transaction.
	CreateTerritories(ctx context.Context, ts []Territory) ([]Territory, error)
	GetTerritory(ctx context.Context, id int64) (Territory, error)
	UpdateTerritory(ctx context.Context, t Territory, version int64) (Territory, error)
	DeleteTerritory(ctx context.Context, id, version int64) error
	ListTerritories(ctx context.Context, f TerritoryFilter) ([]Territory, error)

	// AssignReader's methods (TerritoriesIn, LocatedIn, AssignmentsIn)
	// read the committed state: previews, point lookups and figures use
	// them.
	AssignReader
	// PinAccount pins account accountID to user userID in layer: the
	// account keeps that assignee whatever later territory edits say, until
	// UnpinAccount. Both return the resulting assignment (zero UserID and
	// TerritoryID when, unpinned, no territory of the layer holds the
	// account). An unknown account is ErrNotFound, an unknown user
	// ErrInvalid.
	PinAccount(ctx context.Context, accountID int64, layer string, userID int64) (Assignment, error)
	UnpinAccount(ctx context.Context, accountID int64, layer string) (Assignment, error)
	// TerritoryFigures sums, per territory of layer and kind of account, the
	// accounts the territory holds, with the assignments' territory_id;
	// TerritoryID 0 is the accounts that no territory of the layer holds.
	// Revenue counts the months from revenueSince on.
	TerritoryFigures(ctx context.Context, layer string, revenueSince Month) ([]TerritoryFigure, error)

	// Changes returns up to limit changes with Seq > after, in Seq order.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
	// LastChangeSeq returns the Seq of the newest change, 0 if none.
	LastChangeSeq(ctx context.Context) (int64, error)

	// ClaimIdempotencyKey records key for a new request and returns nil, or
	// returns the response stored for an earlier request with that key (Status
	// 0 while that request is still in flight).
	ClaimIdempotencyKey(ctx context.Context, key, fingerprint string) (*IdempotentResponse, error)
	// SaveIdempotentResponse stores the answer for a claimed key.
	SaveIdempotentResponse(ctx context.Context, key string, status int, body []byte) error
	// ReleaseIdempotencyKey forgets a claimed key whose request failed, so
	// that a retry runs again.
	ReleaseIdempotencyKey(ctx context.Context, key string) error

	// Ready reports whether the store is reachable and fully migrated.
	Ready(ctx context.Context) error
	Close() error
}

type actorKey struct{}

// WithActor returns a context whose writes are attributed to user id.
func WithActor(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, actorKey{}, id)
}

// ActorFrom returns the user that ctx acts for, or nil.
func ActorFrom(ctx context.Context) *int64 {
	if id, ok := ctx.Value(actorKey{}).(int64); ok {
		return &id
	}
	return nil
}

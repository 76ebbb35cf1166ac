package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Service validates every write and checks that the records it refers to
// exist, then hands it to the Store. Reads pass straight through. With
// Places, a write that moves an account on the map brings them up to date,
// so that the writer reads its own write in spatial queries at once.
type Service struct {
	Store
	Places *Places // nil in processes that answer no spatial query (import, demo)
	// Rules configures the strategic rules engine (see EvaluateRules); nil
	// evaluates in Europe/Paris on the wall clock and queues no e-mail.
	Rules *Rules

	// zones caches the territories for point lookups (TerritoriesAt).
	zones zoneCache
}

// NewService returns a Service over s, without Places.
func NewService(s Store) *Service { return &Service{Store: s} }

// place brings Places up to date after a write that err says succeeded.
// The write is committed whatever happens here: should catching up fail,
// the next catch-up (every write, and Follow) repairs it.
func (s *Service) place(ctx context.Context, err error) {
	if err == nil && s.Places != nil {
		_ = s.Places.CatchUp(ctx)
	}
}

// maxReevaluate bounds the accounts a write re-evaluates at once: a bulk
// import leaves its accounts to the daily run rather than hold its caller.
const maxReevaluate = 1000

// reevaluate runs the rules on the accounts a write that err says succeeded
// has changed. The write stands whatever happens here: a failure goes to
// Rules.OnError, and the daily run repairs what it missed.
func (s *Service) reevaluate(ctx context.Context, err error, ids ...int64) {
	if err != nil || s.Rules == nil || len(ids) == 0 || len(ids) > maxReevaluate {
		return
	}
	if _, err := s.EvaluateRules(ctx, ids); err != nil && s.Rules.OnError != nil {
		s.Rules.OnError(err)
	}
}

// idOf is the id p points to, if any.
func idOf(p *int64) []int64 {
	if p == nil {
		return nil
	}
	return []int64{*p}
}

// ref checks that the record a field points to exists, so that the user reads
// "owner_id: no user 42" rather than a foreign-key failure.
func ref[T any](ctx context.Context, field string, id *int64, get func(context.Context, int64) (T, error)) error {
	if id == nil || *id <= 0 {
		return nil
	}
	if _, err := get(ctx, *id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return invalid(field, "%s %d does not exist", field, *id)
		}
		return err
	}
	return nil
}

func (s *Service) stageRef(ctx context.Context, id int64) error {
	stages, err := s.ListStages(ctx)
	if err != nil {
		return err
	}
	for _, st := range stages {
		if st.ID == id {
			return nil
		}
	}
	return invalid("stage_id", "unknown stage %d", id)
}

func (s *Service) CreateUser(ctx context.Context, u User) (User, error) {
	if err := s.checkUser(ctx, &u); err != nil {
		return User{}, err
	}
	return s.Store.CreateUser(ctx, u)
}

func (s *Service) UpdateUser(ctx context.Context, u User, version int64) (User, error) {
	if err := s.checkUser(ctx, &u); err != nil {
		return User{}, err
	}
	return s.Store.UpdateUser(ctx, u, version)
}

func (s *Service) checkUser(ctx context.Context, u *User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return ref(ctx, "manager_id", u.ManagerID, s.GetUser)
}

func (s *Service) CreateAccount(ctx context.Context, a Account) (Account, error) {
	if err := s.checkAccount(ctx, &a); err != nil {
		return Account{}, err
	}
	out, err := s.Store.CreateAccount(ctx, a)
	s.place(ctx, err)
	s.reevaluate(ctx, err, out.ID)
	return out, err
}

// CreateAccounts validates every account and creates all or none; an error
// names the index of the first bad account.
func (s *Service) CreateAccounts(ctx context.Context, as []Account) ([]Account, error) {
	for i := range as {
		if err := as[i].Validate(); err != nil {
			return nil, fmt.Errorf("account %d: %w", i, err)
		}
	}
	out, err := s.Store.CreateAccounts(ctx, as)
	s.place(ctx, err)
	return out, err
}

func (s *Service) UpdateAccount(ctx context.Context, a Account, version int64) (Account, error) {
	if err := s.checkAccount(ctx, &a); err != nil {
		return Account{}, err
	}
	out, err := s.Store.UpdateAccount(ctx, a, version)
	s.place(ctx, err)
	s.reevaluate(ctx, err, a.ID)
	return out, err
}

func (s *Service) checkAccount(ctx context.Context, a *Account) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return ref(ctx, "owner_id", a.OwnerID, s.GetUser)
}

// PutRevenue validates every entry and stores all or none.
func (s *Service) PutRevenue(ctx context.Context, rs []Revenue) error {
	for i := range rs {
		if err := rs[i].Validate(); err != nil {
			return fmt.Errorf("revenue %d: %w", i, err)
		}
	}
	err := s.Store.PutRevenue(ctx, rs)
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.AccountID
	}
	slices.Sort(ids)
	s.reevaluate(ctx, err, slices.Compact(ids)...)
	return err
}

func (s *Service) CreateContact(ctx context.Context, c Contact) (Contact, error) {
	if err := s.checkContact(ctx, &c); err != nil {
		return Contact{}, err
	}
	out, err := s.Store.CreateContact(ctx, c)
	s.reevaluate(ctx, err, c.AccountID)
	return out, err
}

// CreateContacts validates every contact and creates all or none.
func (s *Service) CreateContacts(ctx context.Context, cs []Contact) ([]Contact, error) {
	for i := range cs {
		if err := cs[i].Validate(); err != nil {
			return nil, fmt.Errorf("contact %d: %w", i, err)
		}
	}
	return s.Store.CreateContacts(ctx, cs)
}

func (s *Service) UpdateContact(ctx context.Context, c Contact, version int64) (Contact, error) {
	if err := s.checkContact(ctx, &c); err != nil {
		return Contact{}, err
	}
	out, err := s.Store.UpdateContact(ctx, c, version)
	s.reevaluate(ctx, err, c.AccountID)
	return out, err
}

func (s *Service) checkContact(ctx context.Context, c *Contact) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return ref(ctx, "account_id", &c.AccountID, s.GetAccount)
}

// DeleteAccount deletes the account and drops it from Places.
func (s *Service) DeleteAccount(ctx context.Context, id, version int64) error {
	err := s.Store.DeleteAccount(ctx, id, version)
	s.place(ctx, err)
	return err
}

// DeleteActivity deletes the activity; a done visit moves its account's last visit.
func (s *Service) DeleteActivity(ctx context.Context, id, version int64) error {
	err := s.Store.DeleteActivity(ctx, id, version)
	s.place(ctx, err)
	return err
}

func (s *Service) CreateStage(ctx context.Context, st Stage) (Stage, error) {
	if err := st.Validate(); err != nil {
		return Stage{}, err
	}
	return s.Store.CreateStage(ctx, st)
}

func (s *Service) UpdateStage(ctx context.Context, st Stage) (Stage, error) {
	if err := st.Validate(); err != nil {
		return Stage{}, err
	}
	return s.Store.UpdateStage(ctx, st)
}

func (s *Service) CreateOpportunity(ctx context.Context, o Opportunity) (Opportunity, error) {
	if err := s.checkOpportunity(ctx, &o); err != nil {
		return Opportunity{}, err
	}
	out, err := s.Store.CreateOpportunity(ctx, o)
	s.reevaluate(ctx, err, o.AccountID)
	return out, err
}

func (s *Service) UpdateOpportunity(ctx context.Context, o Opportunity, version int64) (Opportunity, error) {
	if err := s.checkOpportunity(ctx, &o); err != nil {
		return Opportunity{}, err
	}
	out, err := s.Store.UpdateOpportunity(ctx, o, version)
	s.reevaluate(ctx, err, o.AccountID)
	return out, err
}

func (s *Service) checkOpportunity(ctx context.Context, o *Opportunity) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return errors.Join(
		ref(ctx, "account_id", &o.AccountID, s.GetAccount),
		ref(ctx, "owner_id", o.OwnerID, s.GetUser),
		s.stageRef(ctx, o.StageID),
	)
}

func (s *Service) CreateActivity(ctx context.Context, a Activity) (Activity, error) {
	if err := s.checkActivity(ctx, &a); err != nil {
		return Activity{}, err
	}
	out, err := s.Store.CreateActivity(ctx, a)
	s.place(ctx, err)
	s.reevaluate(ctx, err, idOf(a.AccountID)...)
	return out, err
}

func (s *Service) UpdateActivity(ctx context.Context, a Activity, version int64) (Activity, error) {
	if err := s.checkActivity(ctx, &a); err != nil {
		return Activity{}, err
	}
	out, err := s.Store.UpdateActivity(ctx, a, version)
	s.place(ctx, err)
	s.reevaluate(ctx, err, idOf(a.AccountID)...)
	return out, err
}

// MaxBooking is the most activities one booking takes: a few days of visits.
const MaxBooking = 100

// BookActivities creates as, all or none, for one owner; it fails with
// ErrConflict if one of them overlaps the owner's calendar or another of as.
func (s *Service) BookActivities(ctx context.Context, as []Activity) ([]Activity, error) {
	if len(as) == 0 || len(as) > MaxBooking {
		return nil, invalid("visits", "visits must hold between 1 and %d activities", MaxBooking)
	}
	for i := range as {
		field := fmt.Sprintf("visits[%d].", i)
		if err := s.checkActivity(ctx, &as[i]); err != nil {
			return nil, Prefixed(field, err)
		}
		switch {
		case as[i].OwnerID == nil:
			return nil, invalid(field+"owner_id", "%sowner_id is required", field)
		case *as[i].OwnerID != *as[0].OwnerID:
			return nil, invalid(field+"owner_id", "%sowner_id must be the same for every activity of a booking", field)
		}
	}
	out, err := s.Store.BookActivities(ctx, as)
	s.place(ctx, err)
	return out, err
}

func (s *Service) checkActivity(ctx context.Context, a *Activity) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return errors.Join(
		ref(ctx, "account_id", a.AccountID, s.GetAccount),
		ref(ctx, "owner_id", a.OwnerID, s.GetUser),
	)
}

// CreateTask creates t; without CreatedBy, its creator is the actor of ctx,
// so that a task handed to someone else can be followed by who delegated it.
func (s *Service) CreateTask(ctx context.Context, t Task) (Task, error) {
	if t.CreatedBy == nil {
		t.CreatedBy = ActorFrom(ctx)
	}
	if err := s.checkTask(ctx, &t); err != nil {
		return Task{}, err
	}
	return s.Store.CreateTask(ctx, t)
}

func (s *Service) UpdateTask(ctx context.Context, t Task, version int64) (Task, error) {
	if err := s.checkTask(ctx, &t); err != nil {
		return Task{}, err
	}
	return s.Store.UpdateTask(ctx, t, version)
}

// ListTasks returns one page of tasks; an Overdue filter is resolved at
// the Rules clock, in the organisation's zone.
func (s *Service) ListTasks(ctx context.Context, f TaskFilter) ([]Task, error) {
	if f.Overdue {
		if f.Status != "" && f.Status != TaskOpen {
			return nil, invalid("status", "overdue tasks are open: status must be open or absent")
		}
		f.Status = TaskOpen
		today := DateOf(s.Rules.now().In(s.Rules.zone()))
		if f.DueBefore == "" || today < f.DueBefore {
			f.DueBefore = today
		}
		f.Overdue = false
	}
	return s.Store.ListTasks(ctx, f)
}

func (s *Service) checkTask(ctx context.Context, t *Task) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return errors.Join(
		ref(ctx, "account_id", t.AccountID, s.GetAccount),
		ref(ctx, "assignee_id", &t.AssigneeID, s.GetUser),
		ref(ctx, "created_by", t.CreatedBy, s.GetUser),
	)
}

func (s *Service) CreateTerritory(ctx context.Context, t Territory) (Territory, error) {
	if err := s.checkTerritory(ctx, &t); err != nil {
		return Territory{}, err
	}
	out, err := s.Store.CreateTerritory(ctx, t)
	s.territoriesChanged(ctx, err)
	return out, err
}

// CreateTerritories creates all of ts or none (a layer import); errors
// name the territory by its index.
func (s *Service) CreateTerritories(ctx context.Context, ts []Territory) ([]Territory, error) {
	for i := range ts {
		if err := s.checkTerritory(ctx, &ts[i]); err != nil {
			return nil, Prefixed(fmt.Sprintf("features[%d].", i), err)
		}
	}
	out, err := s.Store.CreateTerritories(ctx, ts)
	s.territoriesChanged(ctx, err)
	return out, err
}

func (s *Service) UpdateTerritory(ctx context.Context, t Territory, version int64) (Territory, error) {
	if err := s.checkTerritory(ctx, &t); err != nil {
		return Territory{}, err
	}
	out, err := s.Store.UpdateTerritory(ctx, t, version)
	s.territoriesChanged(ctx, err)
	return out, err
}

// DeleteTerritory deletes the territory; its accounts go to the territories
// left, or to nobody.
func (s *Service) DeleteTerritory(ctx context.Context, id, version int64) error {
	err := s.Store.DeleteTerritory(ctx, id, version)
	s.territoriesChanged(ctx, err)
	return err
}

func (s *Service) checkTerritory(ctx context.Context, t *Territory) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return ref(ctx, "assignee_id", t.AssigneeID, s.GetUser)
}

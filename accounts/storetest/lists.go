package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

// filterCase is one filter of a list and the records it must select,
// expressed in Go over the records the test wrote.
type filterCase[T, F any] struct {
	name  string
	f     F
	match func(T) bool
	// some marks cases whose data must select at least one record and not
	// all of them, so that a typo in the data cannot make a case vacuous.
	some bool
}

// checkFilters runs each case twice, in pages of 2 and in one default page,
// and compares with the records of all that the case matches. all holds the
// last value the store returned for every record of the type.
func checkFilters[T, F any](t *testing.T, all []T, id func(T) int64, cases []filterCase[T, F], list func(F, accounts.Page) ([]T, error)) {
	t.Helper()
	all = byID(all, id)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := filter(all, tc.match)
			if tc.some && (len(want) == 0 || len(want) == len(all)) {
				t.Fatalf("test data: filter selects %d of %d records, want some", len(want), len(all))
			}
			for _, limit := range []int{2, 0} {
				got := listAll(t, tc.name, limit, id, func(p accounts.Page) ([]T, error) { return list(tc.f, p) })
				checkList(t, "limit "+itoa(int64(limit)), got, want, id)
			}
		})
	}
}

// replace puts v in place of the record with its id.
func replace[T any](all []T, v T, id func(T) int64) {
	for i := range all {
		if id(all[i]) == id(v) {
			all[i] = v
		}
	}
}

func updatedAts[T any](vs []T, meta func(*T) *accounts.Meta) []time.Time {
	out := make([]time.Time, len(vs))
	for i := range vs {
		out[i] = meta(&vs[i]).UpdatedAt
	}
	return out
}

func sameID(p *int64, id int64) bool { return p != nil && *p == id }

func testLists(t *testing.T, open func(*testing.T) accounts.Store) {
	t.Run("Users", func(t *testing.T) { testListUsers(t, open) })
	t.Run("Accounts", func(t *testing.T) { testListAccounts(t, open) })
	t.Run("AccountsDefaultLimit", func(t *testing.T) { testDefaultLimit(t, open) })
	t.Run("Contacts", func(t *testing.T) { testListContacts(t, open) })
	t.Run("Opportunities", func(t *testing.T) { testListOpportunities(t, open) })
	t.Run("Activities", func(t *testing.T) { testListActivities(t, open) })
	t.Run("Tasks", func(t *testing.T) { testListTasks(t, open) })
	t.Run("Territories", func(t *testing.T) { testListTerritories(t, open) })
}

func testListUsers(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	all := []accounts.User{w.manager, w.rep}
	create := func(i int, role accounts.Role, manager *int64) accounts.User {
		u := mustCreate(t, "CreateUser", w.ctx, w.s.CreateUser, userFixture(t, i, role, manager))
		all = append(all, u)
		return u
	}
	m2 := create(1, accounts.RoleManager, nil)
	create(2, accounts.RoleAdmin, nil)
	r3 := create(3, accounts.RoleRep, &w.manager.ID)
	create(4, accounts.RoleRep, &m2.ID)
	create(5, accounts.RoleRep, &m2.ID)
	create(6, accounts.RoleManager, &w.manager.ID)
	r3.Name = "Élodie Fournier (mutée)"
	r3.ManagerID = &m2.ID
	r3, err := w.s.UpdateUser(w.ctx, r3, r3.Version)
	noErr(t, "UpdateUser", err)
	replace(all, r3, userID)
	create(7, accounts.RoleRep, nil)

	type c = filterCase[accounts.User, accounts.UserFilter]
	checkFilters(t, all, userID, []c{
		{"no filter", accounts.UserFilter{}, func(accounts.User) bool { return true }, false},
		{"role rep", accounts.UserFilter{Role: accounts.RoleRep}, func(u accounts.User) bool { return u.Role == accounts.RoleRep }, true},
		{"role manager", accounts.UserFilter{Role: accounts.RoleManager}, func(u accounts.User) bool { return u.Role == accounts.RoleManager }, true},
		{"role admin", accounts.UserFilter{Role: accounts.RoleAdmin}, func(u accounts.User) bool { return u.Role == accounts.RoleAdmin }, true},
		{"manager", accounts.UserFilter{ManagerID: w.manager.ID}, func(u accounts.User) bool { return sameID(u.ManagerID, w.manager.ID) }, true},
		{"other manager", accounts.UserFilter{ManagerID: m2.ID}, func(u accounts.User) bool { return sameID(u.ManagerID, m2.ID) }, true},
		{"missing manager", accounts.UserFilter{ManagerID: missingID}, func(accounts.User) bool { return false }, false},
		{"role and manager", accounts.UserFilter{Role: accounts.RoleManager, ManagerID: w.manager.ID}, func(u accounts.User) bool {
			return u.Role == accounts.RoleManager && sameID(u.ManagerID, w.manager.ID)
		}, true},
	}, func(f accounts.UserFilter, p accounts.Page) ([]accounts.User, error) {
		f.Page = p
		return w.s.ListUsers(w.ctx, f)
	})
}

func testListAccounts(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	rep2 := mustCreate(t, "CreateUser", w.ctx, w.s.CreateUser, userFixture(t, 1, accounts.RoleRep, &w.manager.ID))
	rep, other := &w.rep.ID, &rep2.ID
	all := []accounts.Account{w.account}
	specs := []struct {
		name    string
		kind    accounts.Kind
		owner   *int64
		tags    []string
		segment string
	}{
		{"Boulangerie Dupré", accounts.KindClient, rep, []string{"bio", "premium"}, "boulangerie"},
		{"boulangerie Martin", accounts.KindProspect, other, []string{"bio-local"}, "boulangerie"},
		{"BOUCHERIE Lamy", accounts.KindClient, nil, nil, "boucherie"},
		{"Bar du Port", accounts.KindFormer, rep, []string{"premium", "vins"}, "cafe"},
		{"100% Bio", accounts.KindProspect, other, []string{"bio"}, "epicerie"},
		{"1000 Saveurs", accounts.KindClient, nil, nil, "epicerie"},
		{"100 Fromages", accounts.KindClient, rep, []string{"vin"}, "fromagerie"},
		{"Vins_Sud", accounts.KindClient, other, []string{"vin", "export"}, "cave"},
		{"VinsXSud", accounts.KindProspect, nil, []string{"vins"}, "cave"},
		{`Back\slash Café`, accounts.KindFormer, rep, nil, "cafe"},
		{"Backslash Café", accounts.KindClient, other, nil, "Cafe"},
		{"École Hôtelière", accounts.KindProspect, rep, []string{"formation"}, ""},
		{"écurie des Lilas", accounts.KindClient, nil, nil, ""},
		{"Épicerie Fine", accounts.KindClient, other, []string{"bio"}, "epicerie"},
		{"O'Sullivan's Pub", accounts.KindFormer, nil, []string{"bio premium"}, "cafe"},
	}
	var created []accounts.Account
	for i, sp := range specs {
		a := minimalAccount(t, i, sp.kind, sp.name)
		a.OwnerID, a.Tags, a.Segment = sp.owner, sp.tags, sp.segment
		mustValid(t, "account", a.Validate())
		a = mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, a)
		created = append(created, a)
		all = append(all, a)
	}
	before := updatedAts(all, accountOps.meta)
	pause()
	lamy := created[2]
	lamy.Tags = []string{"bio"}
	lamy, err := w.s.UpdateAccount(w.ctx, lamy, lamy.Version)
	noErr(t, "UpdateAccount", err)
	replace(all, lamy, accountID)
	late := minimalAccount(t, 99, accounts.KindClient, "Brasserie Neuve")
	late.OwnerID, late.Tags, late.Segment = other, []string{"bio"}, "cafe"
	mustValid(t, "account", late.Validate())
	late = mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, late)
	all = append(all, late)
	cut := since(t, before, []time.Time{lamy.UpdatedAt, late.UpdatedAt})

	hasPrefix := func(prefix string) func(accounts.Account) bool {
		return func(a accounts.Account) bool {
			return strings.HasPrefix(strings.ToLower(a.Name), strings.ToLower(prefix))
		}
	}
	hasTag := func(tag string) func(accounts.Account) bool {
		return func(a accounts.Account) bool { return slices.Contains(a.Tags, tag) }
	}
	none := func(accounts.Account) bool { return false }
	type c = filterCase[accounts.Account, accounts.AccountFilter]
	checkFilters(t, all, accountID, []c{
		{"no filter", accounts.AccountFilter{}, func(accounts.Account) bool { return true }, false},
		{"kind client", accounts.AccountFilter{Kind: accounts.KindClient}, func(a accounts.Account) bool { return a.Kind == accounts.KindClient }, true},
		{"kind prospect", accounts.AccountFilter{Kind: accounts.KindProspect}, func(a accounts.Account) bool { return a.Kind == accounts.KindProspect }, true},
		{"kind former", accounts.AccountFilter{Kind: accounts.KindFormer}, func(a accounts.Account) bool { return a.Kind == accounts.KindFormer }, true},
		{"owner", accounts.AccountFilter{OwnerID: *rep}, func(a accounts.Account) bool { return sameID(a.OwnerID, *rep) }, true},
		{"other owner", accounts.AccountFilter{OwnerID: *other}, func(a accounts.Account) bool { return sameID(a.OwnerID, *other) }, true},
		{"missing owner", accounts.AccountFilter{OwnerID: missingID}, none, false},
		{"tag bio, not bio-local or bio premium", accounts.AccountFilter{Tag: "bio"}, hasTag("bio"), true},
		{"tag vin, not vins", accounts.AccountFilter{Tag: "vin"}, hasTag("vin"), true},
		{"tag with a space", accounts.AccountFilter{Tag: "bio premium"}, hasTag("bio premium"), true},
		{"tag premium", accounts.AccountFilter{Tag: "premium"}, hasTag("premium"), true},
		{"tag nobody has", accounts.AccountFilter{Tag: "bi"}, none, false},
		{"segment", accounts.AccountFilter{Segment: "boulangerie"}, func(a accounts.Account) bool { return a.Segment == "boulangerie" }, true},
		{"segment epicerie", accounts.AccountFilter{Segment: "epicerie"}, func(a accounts.Account) bool { return a.Segment == "epicerie" }, true},
		{"name prefix", accounts.AccountFilter{NamePrefix: "Boul"}, hasPrefix("Boul"), true},
		{"name prefix in another case", accounts.AccountFilter{NamePrefix: "bOU"}, hasPrefix("bOU"), true},
		{"name prefix of one letter", accounts.AccountFilter{NamePrefix: "b"}, hasPrefix("b"), true},
		{"name prefix with digits", accounts.AccountFilter{NamePrefix: "100"}, hasPrefix("100"), true},
		{"name prefix with % taken literally", accounts.AccountFilter{NamePrefix: "100%"}, hasPrefix("100%"), true},
		{"name prefix with _ taken literally", accounts.AccountFilter{NamePrefix: "vins_"}, hasPrefix("vins_"), true},
		{"name prefix 100_ matches nothing", accounts.AccountFilter{NamePrefix: "100_"}, none, false},
		{"name prefix % matches nothing", accounts.AccountFilter{NamePrefix: "%"}, none, false},
		{"name prefix _ar matches nothing", accounts.AccountFilter{NamePrefix: "_ar"}, none, false},
		{"name prefix b%r matches nothing", accounts.AccountFilter{NamePrefix: "b%r"}, none, false},
		{"name prefix with backslash", accounts.AccountFilter{NamePrefix: `back\`}, hasPrefix(`back\`), true},
		{"name prefix with quote", accounts.AccountFilter{NamePrefix: "o'sull"}, hasPrefix("o'sull"), true},
		{"name prefix with accent", accounts.AccountFilter{NamePrefix: "École"}, hasPrefix("École"), true},
		{"name prefix with accent in another case", accounts.AccountFilter{NamePrefix: "é"}, hasPrefix("é"), true},
		{"name prefix matching no name", accounts.AccountFilter{NamePrefix: "Zz"}, none, false},
		{"updated since", accounts.AccountFilter{UpdatedSince: cut}, func(a accounts.Account) bool { return !a.UpdatedAt.Before(cut) }, false},
		{"updated since is inclusive", accounts.AccountFilter{UpdatedSince: late.UpdatedAt}, func(a accounts.Account) bool { return !a.UpdatedAt.Before(late.UpdatedAt) }, false},
		{"updated since in another zone", accounts.AccountFilter{UpdatedSince: cut.In(paris)}, func(a accounts.Account) bool { return !a.UpdatedAt.Before(cut) }, false},
		{"kind and tag", accounts.AccountFilter{Kind: accounts.KindClient, Tag: "bio"}, func(a accounts.Account) bool {
			return a.Kind == accounts.KindClient && hasTag("bio")(a)
		}, true},
		{"owner and name prefix", accounts.AccountFilter{OwnerID: *rep, NamePrefix: "b"}, func(a accounts.Account) bool {
			return sameID(a.OwnerID, *rep) && hasPrefix("b")(a)
		}, true},
		{"segment and kind and updated since", accounts.AccountFilter{Segment: "cafe", Kind: accounts.KindClient, UpdatedSince: cut}, func(a accounts.Account) bool {
			return a.Segment == "cafe" && a.Kind == accounts.KindClient && !a.UpdatedAt.Before(cut)
		}, false},
	}, func(f accounts.AccountFilter, p accounts.Page) ([]accounts.Account, error) {
		f.Page = p
		return w.s.ListAccounts(w.ctx, f)
	})
}

// testDefaultLimit checks that Limit 0 means pages of 100.
func testDefaultLimit(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	var batch []accounts.Account
	for i := range 120 {
		batch = append(batch, minimalAccount(t, i, accounts.KindProspect, "Prospect "+itoa(int64(i))))
	}
	created, err := w.s.CreateAccounts(w.ctx, batch)
	noErr(t, "CreateAccounts", err)
	want := byID(append([]accounts.Account{w.account}, created...), accountID)
	got, err := w.s.ListAccounts(w.ctx, accounts.AccountFilter{})
	noErr(t, "ListAccounts", err)
	checkList(t, "first default page", got, want[:100], accountID)
	got, err = w.s.ListAccounts(w.ctx, accounts.AccountFilter{Page: accounts.Page{After: want[99].ID}})
	noErr(t, "ListAccounts", err)
	checkList(t, "second default page", got, want[100:], accountID)
}

func testListContacts(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	a1 := w.account
	a2 := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 1, nil))
	var all []accounts.Contact
	for i, acc := range []int64{a1.ID, a2.ID, a1.ID, a1.ID, a2.ID} {
		all = append(all, mustCreate(t, "CreateContact", w.ctx, w.s.CreateContact, contactFixture(t, acc, i)))
	}
	before := updatedAts(all, contactOps.meta)
	pause()
	moved := all[0]
	moved.Title = "Ancienne gérante"
	moved, err := w.s.UpdateContact(w.ctx, moved, moved.Version)
	noErr(t, "UpdateContact", err)
	replace(all, moved, contactID)
	late := mustCreate(t, "CreateContact", w.ctx, w.s.CreateContact, contactFixture(t, a2.ID, 9))
	all = append(all, late)
	cut := since(t, before, []time.Time{moved.UpdatedAt, late.UpdatedAt})

	type c = filterCase[accounts.Contact, accounts.ContactFilter]
	checkFilters(t, all, contactID, []c{
		{"no filter", accounts.ContactFilter{}, func(accounts.Contact) bool { return true }, false},
		{"account", accounts.ContactFilter{AccountID: a1.ID}, func(c accounts.Contact) bool { return c.AccountID == a1.ID }, true},
		{"other account", accounts.ContactFilter{AccountID: a2.ID}, func(c accounts.Contact) bool { return c.AccountID == a2.ID }, true},
		{"missing account", accounts.ContactFilter{AccountID: missingID}, func(accounts.Contact) bool { return false }, false},
		{"updated since", accounts.ContactFilter{UpdatedSince: cut}, func(c accounts.Contact) bool { return !c.UpdatedAt.Before(cut) }, false},
		{"updated since is inclusive", accounts.ContactFilter{UpdatedSince: late.UpdatedAt}, func(c accounts.Contact) bool { return !c.UpdatedAt.Before(late.UpdatedAt) }, false},
		{"account and updated since", accounts.ContactFilter{AccountID: a2.ID, UpdatedSince: cut}, func(c accounts.Contact) bool {
			return c.AccountID == a2.ID && !c.UpdatedAt.Before(cut)
		}, false},
	}, func(f accounts.ContactFilter, p accounts.Page) ([]accounts.Contact, error) {
		f.Page = p
		return w.s.ListContacts(w.ctx, f)
	})
}

func testListOpportunities(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	a1 := w.account
	a2 := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 1, nil))
	rep2 := mustCreate(t, "CreateUser", w.ctx, w.s.CreateUser, userFixture(t, 1, accounts.RoleRep, nil))
	s1 := w.stage
	s2 := mustCreate(t, "CreateStage", w.ctx, w.s.CreateStage, stageFixture(t, 2, 2))
	specs := []struct {
		account, stage int64
		owner          *int64
		status         accounts.OpportunityStatus
	}{
		{a1.ID, s1.ID, &w.rep.ID, accounts.StatusOpen},
		{a1.ID, s2.ID, &rep2.ID, accounts.StatusWon},
		{a2.ID, s1.ID, nil, accounts.StatusLost},
		{a2.ID, s2.ID, &w.rep.ID, accounts.StatusOpen},
		{a1.ID, s2.ID, nil, accounts.StatusOpen},
		{a2.ID, s1.ID, &rep2.ID, accounts.StatusWon},
		{a1.ID, s1.ID, &w.rep.ID, accounts.StatusLost},
	}
	var all []accounts.Opportunity
	for i, sp := range specs {
		o := opportunityFixture(t, sp.account, sp.stage, sp.owner, i)
		o.Status = sp.status
		all = append(all, mustCreate(t, "CreateOpportunity", w.ctx, w.s.CreateOpportunity, o))
	}
	before := updatedAts(all, opportunityOps.meta)
	pause()
	won := all[0]
	won.Status = accounts.StatusWon
	won, err := w.s.UpdateOpportunity(w.ctx, won, won.Version)
	noErr(t, "UpdateOpportunity", err)
	replace(all, won, opportunityID)
	late := mustCreate(t, "CreateOpportunity", w.ctx, w.s.CreateOpportunity, opportunityFixture(t, a2.ID, s2.ID, &rep2.ID, 9))
	all = append(all, late)
	cut := since(t, before, []time.Time{won.UpdatedAt, late.UpdatedAt})

	type c = filterCase[accounts.Opportunity, accounts.OpportunityFilter]
	checkFilters(t, all, opportunityID, []c{
		{"no filter", accounts.OpportunityFilter{}, func(accounts.Opportunity) bool { return true }, false},
		{"account", accounts.OpportunityFilter{AccountID: a1.ID}, func(o accounts.Opportunity) bool { return o.AccountID == a1.ID }, true},
		{"other account", accounts.OpportunityFilter{AccountID: a2.ID}, func(o accounts.Opportunity) bool { return o.AccountID == a2.ID }, true},
		{"owner", accounts.OpportunityFilter{OwnerID: w.rep.ID}, func(o accounts.Opportunity) bool { return sameID(o.OwnerID, w.rep.ID) }, true},
		{"other owner", accounts.OpportunityFilter{OwnerID: rep2.ID}, func(o accounts.Opportunity) bool { return sameID(o.OwnerID, rep2.ID) }, true},
		{"stage", accounts.OpportunityFilter{StageID: s1.ID}, func(o accounts.Opportunity) bool { return o.StageID == s1.ID }, true},
		{"other stage", accounts.OpportunityFilter{StageID: s2.ID}, func(o accounts.Opportunity) bool { return o.StageID == s2.ID }, true},
		{"status open", accounts.OpportunityFilter{Status: accounts.StatusOpen}, func(o accounts.Opportunity) bool { return o.Status == accounts.StatusOpen }, true},
		{"status won", accounts.OpportunityFilter{Status: accounts.StatusWon}, func(o accounts.Opportunity) bool { return o.Status == accounts.StatusWon }, true},
		{"status lost", accounts.OpportunityFilter{Status: accounts.StatusLost}, func(o accounts.Opportunity) bool { return o.Status == accounts.StatusLost }, true},
		{"updated since", accounts.OpportunityFilter{UpdatedSince: cut}, func(o accounts.Opportunity) bool { return !o.UpdatedAt.Before(cut) }, false},
		{"updated since is inclusive", accounts.OpportunityFilter{UpdatedSince: late.UpdatedAt}, func(o accounts.Opportunity) bool { return !o.UpdatedAt.Before(late.UpdatedAt) }, false},
		{"account and stage and status", accounts.OpportunityFilter{AccountID: a1.ID, StageID: s2.ID, Status: accounts.StatusOpen}, func(o accounts.Opportunity) bool {
			return o.AccountID == a1.ID && o.StageID == s2.ID && o.Status == accounts.StatusOpen
		}, true},
		{"owner and status", accounts.OpportunityFilter{OwnerID: w.rep.ID, Status: accounts.StatusWon}, func(o accounts.Opportunity) bool {
			return sameID(o.OwnerID, w.rep.ID) && o.Status == accounts.StatusWon
		}, false},
	}, func(f accounts.OpportunityFilter, p accounts.Page) ([]accounts.Opportunity, error) {
		f.Page = p
		return w.s.ListOpportunities(w.ctx, f)
	})
}

func testListActivities(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	a1, a2 := &w.account.ID, ptr(mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 1, nil)).ID)
	rep, rep2 := &w.rep.ID, ptr(mustCreate(t, "CreateUser", w.ctx, w.s.CreateUser, userFixture(t, 1, accounts.RoleRep, nil)).ID)
	specs := []struct {
		account, owner *int64
		typ            accounts.ActivityType
	}{
		{a1, rep, accounts.ActivityVisit},
		{a2, rep2, accounts.ActivityCall},
		{nil, rep, accounts.ActivityNote},
		{a1, nil, accounts.ActivityEmail},
		{a2, rep, accounts.ActivityVisit},
		{nil, nil, accounts.ActivityCall},
		{a1, rep2, accounts.ActivityNote},
	}
	var all []accounts.Activity
	for i, sp := range specs {
		a := activityFixture(t, sp.account, sp.owner, i)
		a.Type = sp.typ
		if sp.typ != accounts.ActivityVisit {
			a.CheckIn = nil
		}
		mustValid(t, "activity", a.Validate())
		all = append(all, mustCreate(t, "CreateActivity", w.ctx, w.s.CreateActivity, a))
	}
	before := updatedAts(all, activityOps.meta)
	pause()
	done := all[1]
	done.Done, done.Report = false, "Annulé par le client."
	done, err := w.s.UpdateActivity(w.ctx, done, done.Version)
	noErr(t, "UpdateActivity", err)
	replace(all, done, activityID)
	late := mustCreate(t, "CreateActivity", w.ctx, w.s.CreateActivity, activityFixture(t, a1, rep2, 9))
	all = append(all, late)
	cut := since(t, before, []time.Time{done.UpdatedAt, late.UpdatedAt})

	type c = filterCase[accounts.Activity, accounts.ActivityFilter]
	checkFilters(t, all, activityID, []c{
		{"no filter", accounts.ActivityFilter{}, func(accounts.Activity) bool { return true }, false},
		{"account", accounts.ActivityFilter{AccountID: *a1}, func(a accounts.Activity) bool { return sameID(a.AccountID, *a1) }, true},
		{"other account", accounts.ActivityFilter{AccountID: *a2}, func(a accounts.Activity) bool { return sameID(a.AccountID, *a2) }, true},
		{"owner", accounts.ActivityFilter{OwnerID: *rep}, func(a accounts.Activity) bool { return sameID(a.OwnerID, *rep) }, true},
		{"other owner", accounts.ActivityFilter{OwnerID: *rep2}, func(a accounts.Activity) bool { return sameID(a.OwnerID, *rep2) }, true},
		{"type visit", accounts.ActivityFilter{Type: accounts.ActivityVisit}, func(a accounts.Activity) bool { return a.Type == accounts.ActivityVisit }, true},
		{"type call", accounts.ActivityFilter{Type: accounts.ActivityCall}, func(a accounts.Activity) bool { return a.Type == accounts.ActivityCall }, true},
		{"type email", accounts.ActivityFilter{Type: accounts.ActivityEmail}, func(a accounts.Activity) bool { return a.Type == accounts.ActivityEmail }, true},
		{"type note", accounts.ActivityFilter{Type: accounts.ActivityNote}, func(a accounts.Activity) bool { return a.Type == accounts.ActivityNote }, true},
		{"updated since", accounts.ActivityFilter{UpdatedSince: cut}, func(a accounts.Activity) bool { return !a.UpdatedAt.Before(cut) }, false},
		{"updated since is inclusive", accounts.ActivityFilter{UpdatedSince: late.UpdatedAt}, func(a accounts.Activity) bool { return !a.UpdatedAt.Before(late.UpdatedAt) }, false},
		{"start from", accounts.ActivityFilter{StartFrom: day(3)}, func(a accounts.Activity) bool { return !a.Start.Before(day(3)) }, true},
		{"start before", accounts.ActivityFilter{StartBefore: day(3)}, func(a accounts.Activity) bool { return a.Start.Before(day(3)) }, true},
		{"start in a range", accounts.ActivityFilter{StartFrom: day(2), StartBefore: day(5)}, func(a accounts.Activity) bool {
			return !a.Start.Before(day(2)) && a.Start.Before(day(5))
		}, true},
		{"account and owner and type", accounts.ActivityFilter{AccountID: *a1, OwnerID: *rep, Type: accounts.ActivityVisit}, func(a accounts.Activity) bool {
			return sameID(a.AccountID, *a1) && sameID(a.OwnerID, *rep) && a.Type == accounts.ActivityVisit
		}, true},
	}, func(f accounts.ActivityFilter, p accounts.Page) ([]accounts.Activity, error) {
		f.Page = p
		return w.s.ListActivities(w.ctx, f)
	})
}

func testListTasks(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	a1 := &w.account.ID
	a2 := ptr(mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 1, nil)).ID)
	rep, mgr := w.rep.ID, w.manager.ID
	specs := []struct {
		account  *int64
		assignee int64
		status   accounts.TaskStatus
		due      accounts.Date
	}{
		{a1, rep, accounts.TaskOpen, "2025-03-28"},
		{nil, rep, accounts.TaskDone, "2025-03-31"},
		{a2, mgr, accounts.TaskOpen, "2025-04-01"},
		{a1, mgr, accounts.TaskCancelled, ""},
		{nil, mgr, accounts.TaskOpen, ""},
		{a2, rep, accounts.TaskDone, "2025-12-31"},
		{a1, rep, accounts.TaskOpen, "2024-12-31"},
	}
	var all []accounts.Task
	for i, sp := range specs {
		by := &mgr
		if i == 2 {
			by = &rep // the rep handed a task to the manager
		}
		tk := taskFixture(t, sp.account, sp.assignee, by, i)
		tk.Status, tk.Due = sp.status, sp.due
		all = append(all, mustCreate(t, "CreateTask", w.ctx, w.s.CreateTask, tk))
	}
	before := updatedAts(all, taskOps.meta)
	pause()
	closed := all[0]
	closed.Status = accounts.TaskDone
	closed, err := w.s.UpdateTask(w.ctx, closed, closed.Version)
	noErr(t, "UpdateTask", err)
	replace(all, closed, taskID)
	late := mustCreate(t, "CreateTask", w.ctx, w.s.CreateTask, taskFixture(t, a2, rep, nil, 9))
	all = append(all, late)
	cut := since(t, before, []time.Time{closed.UpdatedAt, late.UpdatedAt})

	type c = filterCase[accounts.Task, accounts.TaskFilter]
	checkFilters(t, all, taskID, []c{
		{"no filter", accounts.TaskFilter{}, func(accounts.Task) bool { return true }, false},
		{"account", accounts.TaskFilter{AccountID: *a1}, func(tk accounts.Task) bool { return sameID(tk.AccountID, *a1) }, true},
		{"other account", accounts.TaskFilter{AccountID: *a2}, func(tk accounts.Task) bool { return sameID(tk.AccountID, *a2) }, true},
		{"assignee", accounts.TaskFilter{AssigneeID: rep}, func(tk accounts.Task) bool { return tk.AssigneeID == rep }, true},
		{"other assignee", accounts.TaskFilter{AssigneeID: mgr}, func(tk accounts.Task) bool { return tk.AssigneeID == mgr }, true},
		{"created by", accounts.TaskFilter{CreatedBy: rep}, func(tk accounts.Task) bool { return sameID(tk.CreatedBy, rep) }, true},
		{"status open", accounts.TaskFilter{Status: accounts.TaskOpen}, func(tk accounts.Task) bool { return tk.Status == accounts.TaskOpen }, true},
		{"status done", accounts.TaskFilter{Status: accounts.TaskDone}, func(tk accounts.Task) bool { return tk.Status == accounts.TaskDone }, true},
		{"status cancelled", accounts.TaskFilter{Status: accounts.TaskCancelled}, func(tk accounts.Task) bool { return tk.Status == accounts.TaskCancelled }, true},
		{"updated since", accounts.TaskFilter{UpdatedSince: cut}, func(tk accounts.Task) bool { return !tk.UpdatedAt.Before(cut) }, false},
		{"updated since is inclusive", accounts.TaskFilter{UpdatedSince: late.UpdatedAt}, func(tk accounts.Task) bool { return !tk.UpdatedAt.Before(late.UpdatedAt) }, false},
		{"assignee and status", accounts.TaskFilter{AssigneeID: mgr, Status: accounts.TaskOpen}, func(tk accounts.Task) bool {
			return tk.AssigneeID == mgr && tk.Status == accounts.TaskOpen
		}, true},
		{"account and assignee", accounts.TaskFilter{AccountID: *a2, AssigneeID: rep}, func(tk accounts.Task) bool {
			return sameID(tk.AccountID, *a2) && tk.AssigneeID == rep
		}, true},
		// Date order, not text order of a time; no due date is never before.
		{"due before", accounts.TaskFilter{DueBefore: "2025-04-01"}, func(tk accounts.Task) bool {
			return tk.Due != "" && tk.Due < "2025-04-01"
		}, true},
		{"due before is exclusive", accounts.TaskFilter{DueBefore: "2025-03-28"}, func(tk accounts.Task) bool {
			return tk.Due != "" && tk.Due < "2025-03-28"
		}, true},
		{"overdue: open and due before", accounts.TaskFilter{Status: accounts.TaskOpen, DueBefore: "2025-04-02"}, func(tk accounts.Task) bool {
			return tk.Status == accounts.TaskOpen && tk.Due != "" && tk.Due < "2025-04-02"
		}, true},
	}, func(f accounts.TaskFilter, p accounts.Page) ([]accounts.Task, error) {
		f.Page = p
		return w.s.ListTasks(w.ctx, f)
	})
	_, err = w.s.ListTasks(w.ctx, accounts.TaskFilter{DueBefore: "01/04/2025"})
	wantErr(t, "ListTasks due before a non-date", err, accounts.ErrInvalid)
}

func testListTerritories(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	rep, rep2 := &w.rep.ID, ptr(mustCreate(t, "CreateUser", w.ctx, w.s.CreateUser, userFixture(t, 1, accounts.RoleRep, nil)).ID)
	specs := []struct {
		layer    string
		assignee *int64
	}{
		{"boulangerie", rep},
		{"boucherie", rep},
		{"boulangerie", rep2},
		{"pâtisserie", nil},
		{"boulangerie", nil},
		{"boucherie", rep2},
	}
	var all []accounts.Territory
	for i, sp := range specs {
		tr := territoryFixture(t, sp.assignee, i)
		tr.Layer = sp.layer
		if i%2 == 1 {
			tr.Geometry = area(t, multiPolygon)
		}
		all = append(all, mustCreate(t, "CreateTerritory", w.ctx, w.s.CreateTerritory, tr))
	}

	type c = filterCase[accounts.Territory, accounts.TerritoryFilter]
	checkFilters(t, all, territoryID, []c{
		{"no filter", accounts.TerritoryFilter{}, func(accounts.Territory) bool { return true }, false},
		{"layer", accounts.TerritoryFilter{Layer: "boulangerie"}, func(tr accounts.Territory) bool { return tr.Layer == "boulangerie" }, true},
		{"layer with accent", accounts.TerritoryFilter{Layer: "pâtisserie"}, func(tr accounts.Territory) bool { return tr.Layer == "pâtisserie" }, true},
		{"missing layer", accounts.TerritoryFilter{Layer: "boulanger"}, func(accounts.Territory) bool { return false }, false},
		{"assignee", accounts.TerritoryFilter{AssigneeID: *rep}, func(tr accounts.Territory) bool { return sameID(tr.AssigneeID, *rep) }, true},
		{"other assignee", accounts.TerritoryFilter{AssigneeID: *rep2}, func(tr accounts.Territory) bool { return sameID(tr.AssigneeID, *rep2) }, true},
		{"layer and assignee", accounts.TerritoryFilter{Layer: "boucherie", AssigneeID: *rep2}, func(tr accounts.Territory) bool {
			return tr.Layer == "boucherie" && sameID(tr.AssigneeID, *rep2)
		}, true},
	}, func(f accounts.TerritoryFilter, p accounts.Page) ([]accounts.Territory, error) {
		f.Page = p
		return w.s.ListTerritories(w.ctx, f)
	})
}

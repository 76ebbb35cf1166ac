package web

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// What a signed-in user may see and change. Admins see everything. A rep
// sees the accounts they follow (owner, or assignee in any territory
// layer) and reads the prospects nobody owns; a manager sees what their
// team (the users whose manager they are) and they themselves follow. The
// rule is applied by the store to lists (AccountFilter.Visible) and by the
// index to spatial queries (geo.Filter.Visible); single records are checked
// with Visibility.Sees. With Config.OpenVisibility every user reads every
// account, and changes those they follow.

// scope is the visibility of the signed-in user for reading (write false)
// or changing (write true): nil means everything.
func (s *Server) scope(c *gin.Context, write bool) (*accounts.Visibility, error) {
	p, _ := current(c)
	switch {
	case p.user.Role == accounts.RoleAdmin:
		return nil, nil
	case s.cfg.OpenVisibility && !write:
		return nil, nil
	}
	users := []int64{p.user.ID}
	if p.user.Role == accounts.RoleManager {
		team, err := s.team(c)
		if err != nil {
			return nil, err
		}
		users = append(users, team...)
	}
	return &accounts.Visibility{Users: users, Prospects: !write}, nil
}

// teamKey is where a request keeps its manager's team once read.
const teamKey = "tournee.team"

// team is the ids of the users whose manager is the signed-in user, read
// once per request: a request may check several records.
func (s *Server) team(c *gin.Context) ([]int64, error) {
	if v, ok := c.Get(teamKey); ok {
		return v.([]int64), nil
	}
	p, _ := current(c)
	ids := []int64{}
	f := accounts.UserFilter{ManagerID: p.user.ID, Page: accounts.Page{Limit: 1000}}
	for {
		us, err := s.svc.ListUsers(c.Request.Context(), f)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			ids = append(ids, u.ID)
		}
		if len(us) < f.Limit {
			c.Set(teamKey, ids)
			return ids, nil
		}
		f.After = us[len(us)-1].ID
	}
}

// geoScope is v for the spatial index.
func geoScope(v *accounts.Visibility) *geo.Visibility {
	if v == nil {
		return nil
	}
	g := &geo.Visibility{Users: v.Users, OpenLayer: accounts.OwnerLayer}
	if v.Prospects {
		g.OpenKinds = []geo.Kind{accounts.KindCode(accounts.KindProspect)}
	}
	return g
}

// seeAccount refuses account a to a user who may not see it (ErrNotFound,
// so that ids reveal nothing) or, for write, change it.
func (s *Server) seeAccount(c *gin.Context, a accounts.Account, write bool) error {
	read, err := s.scope(c, false)
	if err != nil {
		return err
	}
	if read != nil && !read.Sees(a) {
		return accounts.NotFound(accounts.EntityAccount, a.ID)
	}
	if !write {
		return nil
	}
	change, err := s.scope(c, true)
	if err != nil {
		return err
	}
	if change != nil && !change.Sees(a) {
		return fmt.Errorf("%w: you may change only the accounts you or your team follow", accounts.ErrForbidden)
	}
	return nil
}

// seeAccountID is seeAccount for an account known by id; no account is
// not found either.
func (s *Server) seeAccountID(c *gin.Context, id int64, write bool) error {
	if p, _ := current(c); p.user.Role == accounts.RoleAdmin {
		return nil // sees everything; the write itself checks the reference
	}
	a, err := s.svc.GetAccount(c.Request.Context(), id)
	if err != nil {
		return err
	}
	return s.seeAccount(c, a, write)
}

// seeUser refuses to act for another user than oneself, one's team (for a
// manager) or anyone (for an admin): planning, booking, a ledger.
func (s *Server) seeUser(c *gin.Context, id int64) error {
	p, _ := current(c)
	switch {
	case p.user.Role == accounts.RoleAdmin || p.user.ID == id:
		return nil
	case p.user.Role == accounts.RoleManager:
		team, err := s.team(c)
		if err != nil {
			return err
		}
		if slices.Contains(team, id) {
			return nil
		}
	}
	return fmt.Errorf("%w: you may act only for yourself or your team", accounts.ErrForbidden)
}

// Guards and restrictions of the records that hang on accounts.

func (s *Server) guardAccount(c *gin.Context, a *accounts.Account, write bool) error {
	if a.ID == 0 { // a create: the new account must be one the user follows
		if a.OwnerID == nil {
			return nil // a new prospect for anyone to take
		}
		return s.seeAccount(c, *a, true)
	}
	return s.seeAccount(c, *a, write)
}

func (s *Server) restrictAccounts(c *gin.Context, f *accounts.AccountFilter) error {
	v, err := s.scope(c, false)
	f.Visible = v
	return err
}

// onAccount guards a record of an account (contact, opportunity): it is
// seen and changed with its account.
func onAccount[T any](s *Server, accountID func(*T) int64) func(c *gin.Context, v *T, write bool) error {
	return func(c *gin.Context, v *T, write bool) error {
		id := accountID(v)
		err := s.seeAccountID(c, id, write)
		if m, ok := any(v).(interface{ Metadata() *accounts.Meta }); ok && m.Metadata().ID == 0 && errors.Is(err, accounts.ErrNotFound) {
			// A new record naming an account the user cannot see: the
			// same answer as for an account that does not exist.
			return &accounts.FieldError{Field: "account_id", Message: fmt.Sprintf("account_id %d does not exist", id)}
		}
		return err
	}
}

// requireAccount makes users who do not see everything name the account
// whose records they list, and checks that they see it.
func (s *Server) requireAccount(c *gin.Context, id int64) error {
	v, err := s.scope(c, false)
	if err != nil || v == nil {
		return err
	}
	if id == 0 {
		return &accounts.FieldError{Field: "account_id", Message: "account_id is required: list the records of an account you follow"}
	}
	return s.seeAccountID(c, id, false)
}

// guardOwned guards an activity or task: its owner (or assignee, or the
// user who delegated it) sees it, and so does whoever sees its account.
func (s *Server) guardOwned(c *gin.Context, people []*int64, accountID *int64, write bool) error {
	p, _ := current(c)
	if p.user.Role == accounts.RoleAdmin {
		return nil
	}
	if write && accountID != nil {
		// Whoever the record's people are, a write may only hang it on an
		// account the user sees: a task or visit of one's own on another
		// team's account would reveal that the account exists. (One's own
		// records stay readable after the account has moved away.)
		if err := s.seeAccountID(c, *accountID, false); err != nil {
			return err
		}
	}
	for _, id := range people {
		if id != nil && *id == p.user.ID {
			return nil
		}
	}
	if accountID != nil {
		return s.seeAccountID(c, *accountID, write)
	}
	if err := s.seeUserOf(c, people); err == nil {
		return nil
	}
	return fmt.Errorf("%w: not yours", accounts.ErrNotFound)
}

// seeUserOf lets a manager see the records of their team.
func (s *Server) seeUserOf(c *gin.Context, people []*int64) error {
	for _, id := range people {
		if id != nil && s.seeUser(c, *id) == nil {
			return nil
		}
	}
	return accounts.ErrForbidden
}

// restrictOwned narrows a list of activities or tasks: to an account the
// user sees, or to a person (owner, assignee) the user may act for, by
// default the user.
func (s *Server) restrictOwned(c *gin.Context, person *int64, accountID int64) error {
	p, _ := current(c)
	switch {
	case p.user.Role == accounts.RoleAdmin:
		return nil
	case accountID != 0:
		return s.seeAccountID(c, accountID, false)
	case *person == 0:
		*person = p.user.ID
		return nil
	}
	return s.seeUser(c, *person)
}

// entryVisible is Visibility.Sees for an index entry, for results that no
// spatial query (which applies geo.Filter.Visible) selected.
func entryVisible(e geo.Entry, v *accounts.Visibility) bool {
	if v == nil {
		return true
	}
	owned := false
	for _, a := range e.Assignees {
		if slices.Contains(v.Users, a.UserID) {
			return true
		}
		owned = owned || a.Layer == accounts.OwnerLayer
	}
	return v.Prospects && !owned && accounts.KindOf(e.Kind) == accounts.KindProspect
}

// visibleGeo is the index filter of what the signed-in user may read.
func (s *Server) visibleGeo(c *gin.Context) (*geo.Visibility, error) {
	v, err := s.scope(c, false)
	return geoScope(v), err
}

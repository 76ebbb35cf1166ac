package accounts

import "slices"

// Visibility says which accounts a user may see: those any of Users
// follows (owner, or assignee in any territory layer), plus, with
// Prospects, the prospects nobody owns (readable by every rep).
// A nil *Visibility means everything (admins).
//
// A prospect nobody owns stays readable with Prospects even when a
// territory assigns it to someone: ownership, not assignment, is what
// makes an account a rep's own. A non-nil Visibility with no Users and no
// Prospects sees nothing, so that a forgotten field fails closed.
type Visibility struct {
	Users     []int64
	Prospects bool
}

// Sees reports whether v lets its holder see a (using a.OwnerID and
// a.Assignees as stored). It is the rule that stores apply in SQL for
// AccountFilter.Visible, for the accounts that a caller already holds.
func (v *Visibility) Sees(a Account) bool {
	if v == nil {
		return true
	}
	if a.OwnerID != nil && slices.Contains(v.Users, *a.OwnerID) {
		return true
	}
	for _, u := range a.Assignees {
		if slices.Contains(v.Users, u) {
			return true
		}
	}
	return v.Prospects && a.OwnerID == nil && a.Kind == KindProspect
}

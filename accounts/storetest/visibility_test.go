package storetest

import (
	"testing"

	"github.com/tournee/tournee/accounts"
)

// TestSees checks Visibility.Sees on accounts built in Go; the conformance
// suite checks that stores agree with it.
func TestSees(t *testing.T) {
	const rep, other, third int64 = 1, 2, 3
	client := func(owner *int64, assignees map[string]int64) accounts.Account {
		return accounts.Account{Kind: accounts.KindClient, OwnerID: owner, Assignees: assignees}
	}
	prospect := func(owner *int64, assignees map[string]int64) accounts.Account {
		a := client(owner, assignees)
		a.Kind = accounts.KindProspect
		return a
	}
	former := func(owner *int64) accounts.Account {
		a := client(owner, nil)
		a.Kind = accounts.KindFormer
		return a
	}
	tests := []struct {
		name string
		v    *accounts.Visibility
		a    accounts.Account
		want bool
	}{
		{"nil sees another's account", nil, client(ptr(other), nil), true},
		{"nil sees an unowned client", nil, client(nil, nil), true},
		{"owner", &accounts.Visibility{Users: []int64{rep}}, client(ptr(rep), nil), true},
		{"owner of a former client", &accounts.Visibility{Users: []int64{rep}}, former(ptr(rep)), true},
		{"another's account", &accounts.Visibility{Users: []int64{rep}}, client(ptr(other), nil), false},
		{"another's account, with prospects", &accounts.Visibility{Users: []int64{rep}, Prospects: true}, client(ptr(other), nil), false},
		{"assignee in one layer", &accounts.Visibility{Users: []int64{rep}}, client(ptr(other), map[string]int64{"sales": rep}), true},
		{"assignee in a second layer", &accounts.Visibility{Users: []int64{rep}},
			client(nil, map[string]int64{"sales": other, "maintenance": rep}), true},
		{"others assigned in every layer", &accounts.Visibility{Users: []int64{rep}},
			client(ptr(third), map[string]int64{"sales": other, "maintenance": third}), false},
		{"team: owner is the second user", &accounts.Visibility{Users: []int64{rep, other}}, client(ptr(other), nil), true},
		{"team: assignee is the second user", &accounts.Visibility{Users: []int64{rep, other}},
			client(ptr(third), map[string]int64{"sales": other}), true},
		{"team: outside the team", &accounts.Visibility{Users: []int64{rep, other}}, client(ptr(third), nil), false},
		{"unowned prospect, with prospects", &accounts.Visibility{Users: []int64{rep}, Prospects: true}, prospect(nil, nil), true},
		{"unowned prospect assigned to another, with prospects", &accounts.Visibility{Users: []int64{rep}, Prospects: true},
			prospect(nil, map[string]int64{"sales": other}), true},
		{"unowned prospect, without prospects", &accounts.Visibility{Users: []int64{rep}}, prospect(nil, nil), false},
		{"another's prospect, with prospects", &accounts.Visibility{Users: []int64{rep}, Prospects: true}, prospect(ptr(other), nil), false},
		{"own prospect, without prospects", &accounts.Visibility{Users: []int64{rep}}, prospect(ptr(rep), nil), true},
		{"unowned client, with prospects", &accounts.Visibility{Users: []int64{rep}, Prospects: true}, client(nil, nil), false},
		{"unowned former client, with prospects", &accounts.Visibility{Users: []int64{rep}, Prospects: true}, former(nil), false},
		{"prospects only: unowned prospect", &accounts.Visibility{Prospects: true}, prospect(nil, nil), true},
		{"prospects only: owned account", &accounts.Visibility{Prospects: true}, client(ptr(rep), map[string]int64{"sales": rep}), false},
		{"empty: unowned prospect", &accounts.Visibility{}, prospect(nil, nil), false},
		{"empty: owned account", &accounts.Visibility{}, client(ptr(rep), map[string]int64{"sales": rep}), false},
		{"empty users: owned account", &accounts.Visibility{Users: []int64{}}, client(ptr(rep), nil), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.Sees(tc.a); got != tc.want {
				owner := "nobody"
				if tc.a.OwnerID != nil {
					owner = itoa(*tc.a.OwnerID)
				}
				t.Errorf("%+v.Sees(owner %s, assignees %v, kind %s): got %v, want %v",
					tc.v, owner, tc.a.Assignees, tc.a.Kind, got, tc.want)
			}
		})
	}
}

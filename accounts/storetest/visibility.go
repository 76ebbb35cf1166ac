package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// testVisibility checks AccountFilter.Visible: a rep's list holds the
// accounts the rep owns or follows in some territory layer, and, with
// Prospects, the prospects nobody owns; never another rep's accounts. Every
// case also checks that Visibility.Sees, applied to the stored accounts,
// selects what the store does.
func testVisibility(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	ctx := w.asActor
	mgr := w.manager.ID
	a := w.rep.ID // the manager's team is a and b; c is in no team
	b := mustCreate(t, "CreateUser", ctx, w.s.CreateUser, userFixture(t, 1, accounts.RoleRep, &mgr)).ID
	c := mustCreate(t, "CreateUser", ctx, w.s.CreateUser, userFixture(t, 2, accounts.RoleRep, nil)).ID

	territory := func(layer string, g geo.Area, assignee *int64) accounts.Territory {
		t.Helper()
		tr := accounts.Territory{Layer: layer, Name: layer, Geometry: g, AssigneeID: assignee}
		mustValid(t, "territory", tr.Validate())
		return mustCreate(t, "CreateTerritory", ctx, w.s.CreateTerritory, tr)
	}
	territory("sales", box(t, 5, 45, 6, 46), &a)
	territory("maintenance", box(t, 5.5, 45, 7, 46), &b)
	salesC := territory("sales", box(t, 7, 45, 8, 46), &c)
	territory("delivery", box(t, 4, 44, 9, 47), nil) // holds every placed account, follows nobody

	// outside is in no territory; the other points name the territories
	// that hold them.
	outside := geo.Point{Lat: 43.6, Lng: 1.44}
	salesA := geo.Point{Lat: 45.5, Lng: 5.2}
	salesAMaintB := geo.Point{Lat: 45.5, Lng: 5.8}
	maintB := geo.Point{Lat: 45.5, Lng: 6.5}
	inSalesC := geo.Point{Lat: 45.5, Lng: 7.5}
	specs := []struct {
		key     string // also the name
		kind    accounts.Kind
		owner   *int64
		at      geo.Point
		segment string
		tags    []string
	}{
		{"Boulangerie of a", accounts.KindClient, &a, outside, "boulangerie", []string{"bio"}},
		{"Boulangerie of b", accounts.KindClient, &b, outside, "boulangerie", []string{"bio"}},
		{"Boucherie of c in sales of a", accounts.KindClient, &c, salesA, "boucherie", nil},
		{"Boucherie of c in sales of a and maintenance of b", accounts.KindClient, &c, salesAMaintB, "boucherie", []string{"bio"}},
		{"Café prospect of nobody", accounts.KindProspect, nil, outside, "cafe", nil},
		{"Café prospect of nobody in sales of c", accounts.KindProspect, nil, inSalesC, "cafe", []string{"bio"}},
		{"Café prospect of b", accounts.KindProspect, &b, outside, "cafe", nil},
		{"Café prospect of c in sales of a", accounts.KindProspect, &c, salesA, "cafe", nil},
		{"Boulangerie client of nobody", accounts.KindClient, nil, outside, "boulangerie", nil},
		{"Boulangerie former of nobody", accounts.KindFormer, nil, outside, "boulangerie", nil},
		{"Boucherie of nobody in maintenance of b", accounts.KindClient, nil, maintB, "boucherie", nil},
		{"Boucherie of nobody pinned to c", accounts.KindClient, nil, outside, "boucherie", nil},
		{"Bar former of a in sales of c", accounts.KindFormer, &a, inSalesC, "cafe", []string{"bio"}},
		{"Bar prospect of a", accounts.KindProspect, &a, outside, "cafe", nil},
	}
	keys := map[int64]string{w.account.ID: "world account of a"}
	id := map[string]int64{"world account of a": w.account.ID}
	for i, sp := range specs {
		acc := minimalAccount(t, i, sp.kind, sp.key)
		acc.OwnerID, acc.Point, acc.Segment, acc.Tags = sp.owner, sp.at, sp.segment, sp.tags
		mustValid(t, "account", acc.Validate())
		acc = mustCreate(t, "CreateAccount", ctx, w.s.CreateAccount, acc)
		keys[acc.ID], id[sp.key] = sp.key, acc.ID
	}
	_, err := w.s.PinAccount(ctx, id["Boucherie of nobody pinned to c"], "sales", c)
	noErr(t, "PinAccount", err)
	pause()
	late, err := w.s.GetAccount(ctx, id["Boulangerie of b"])
	noErr(t, "GetAccount", err)
	late.Tags = []string{"bio", "premium"}
	late, err = w.s.UpdateAccount(ctx, late, late.Version)
	noErr(t, "UpdateAccount", err)
	cut := late.UpdatedAt

	// stored reads every account back: territories and pins changed
	// their Assignees after they were created.
	stored := func() []accounts.Account {
		t.Helper()
		return listAll(t, "ListAccounts", 0, accountID, func(p accounts.Page) ([]accounts.Account, error) {
			return w.s.ListAccounts(ctx, accounts.AccountFilter{Page: p})
		})
	}
	all := stored()

	ofA := []string{"world account of a", "Boulangerie of a", "Bar former of a in sales of c", "Bar prospect of a",
		"Boucherie of c in sales of a", "Boucherie of c in sales of a and maintenance of b", "Café prospect of c in sales of a"}
	ofB := []string{"Boulangerie of b", "Café prospect of b",
		"Boucherie of c in sales of a and maintenance of b", "Boucherie of nobody in maintenance of b"}
	ofC := []string{"Boucherie of c in sales of a", "Boucherie of c in sales of a and maintenance of b",
		"Café prospect of c in sales of a", "Café prospect of nobody in sales of c", "Boucherie of nobody pinned to c",
		"Bar former of a in sales of c"}
	prospects := []string{"Café prospect of nobody", "Café prospect of nobody in sales of c"}
	var everyone []string
	for _, acc := range all {
		everyone = append(everyone, keys[acc.ID])
	}
	union := func(sets ...[]string) []string {
		var out []string
		for _, s := range sets {
			for _, k := range s {
				if !slices.Contains(out, k) {
					out = append(out, k)
				}
			}
		}
		return out
	}
	users := func(ids ...int64) *accounts.Visibility { return &accounts.Visibility{Users: ids} }
	withProspects := func(v *accounts.Visibility) *accounts.Visibility {
		v.Prospects = true
		return v
	}

	// The intended sets, spelled out: Sees must select them from the
	// stored accounts, and the store must list them.
	sets := []struct {
		name string
		v    *accounts.Visibility
		want []string
	}{
		{"nil sees everything", nil, everyone},
		{"owner and assignee", users(a), ofA},
		{"other rep", users(b), ofB},
		{"rep of no team, by territory and pin", users(c), ofC},
		{"owner and assignee with prospects", withProspects(users(a)), union(ofA, prospects)},
		{"manager's team", users(a, b), union(ofA, ofB)},
		{"manager's team with prospects", withProspects(users(a, b)), union(ofA, ofB, prospects)},
		{"a user given twice", users(a, a), ofA},
		{"prospects only", &accounts.Visibility{Prospects: true}, prospects},
		{"user who follows nothing", users(mgr), nil},
		{"user who follows nothing, with prospects", withProspects(users(mgr)), prospects},
		{"missing user", users(missingID), nil},
		{"empty visibility", &accounts.Visibility{}, nil},
		{"empty users", &accounts.Visibility{Users: []int64{}}, nil},
	}
	checkSees := func(t *testing.T, v *accounts.Visibility, all []accounts.Account, want []string) {
		t.Helper()
		var got []string
		for _, acc := range filter(all, v.Sees) {
			got = append(got, keys[acc.ID])
		}
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Errorf("Sees:\ngot  %q\nwant %q", got, want)
		}
	}
	for _, set := range sets {
		t.Run("Sees/"+set.name, func(t *testing.T) { checkSees(t, set.v, all, set.want) })
	}
	for _, never := range []string{"Boulangerie client of nobody", "Boulangerie former of nobody"} {
		if slices.Contains(union(ofA, ofB, ofC, prospects), never) {
			t.Fatalf("test data: %q, an unassigned account that is not a prospect, is in a visible set", never)
		}
	}

	type cs = filterCase[accounts.Account, accounts.AccountFilter]
	var cases []cs
	for _, set := range sets {
		some := len(set.want) > 0 && len(set.want) < len(all)
		cases = append(cases, cs{set.name, accounts.AccountFilter{Visible: set.v}, set.v.Sees, some})
	}
	and := func(v *accounts.Visibility, keep func(accounts.Account) bool) func(accounts.Account) bool {
		return func(acc accounts.Account) bool { return v.Sees(acc) && keep(acc) }
	}
	va, team, teamP := users(a), users(a, b), withProspects(users(a, b))
	cases = append(cases,
		cs{"with kind", accounts.AccountFilter{Visible: va, Kind: accounts.KindClient},
			and(va, func(acc accounts.Account) bool { return acc.Kind == accounts.KindClient }), true},
		cs{"with prospects and kind prospect", accounts.AccountFilter{Visible: withProspects(users(a)), Kind: accounts.KindProspect},
			and(withProspects(users(a)), func(acc accounts.Account) bool { return acc.Kind == accounts.KindProspect }), true},
		cs{"with owner: another rep's accounts that a follows", accounts.AccountFilter{Visible: va, OwnerID: c},
			and(va, func(acc accounts.Account) bool { return sameID(acc.OwnerID, c) }), true},
		cs{"with owner out of sight", accounts.AccountFilter{Visible: va, OwnerID: b},
			func(accounts.Account) bool { return false }, false},
		cs{"with name prefix", accounts.AccountFilter{Visible: team, NamePrefix: "bou"},
			and(team, func(acc accounts.Account) bool { return strings.HasPrefix(strings.ToLower(acc.Name), "bou") }), true},
		cs{"with segment", accounts.AccountFilter{Visible: teamP, Segment: "cafe"},
			and(teamP, func(acc accounts.Account) bool { return acc.Segment == "cafe" }), true},
		cs{"with tag", accounts.AccountFilter{Visible: teamP, Tag: "bio"},
			and(teamP, func(acc accounts.Account) bool { return slices.Contains(acc.Tags, "bio") }), true},
		cs{"with updated since", accounts.AccountFilter{Visible: team, UpdatedSince: cut},
			and(team, func(acc accounts.Account) bool { return !acc.UpdatedAt.Before(cut) }), true},
		cs{"with updated since, out of sight", accounts.AccountFilter{Visible: users(c), UpdatedSince: cut},
			func(accounts.Account) bool { return false }, false},
	)
	checkFilters(t, all, accountID, cases, func(f accounts.AccountFilter, p accounts.Page) ([]accounts.Account, error) {
		f.Page = p
		return w.s.ListAccounts(ctx, f)
	})

	// Visibility follows the assignments as the store recomputes them:
	// c's sales territory goes to b, and the pin goes.
	t.Run("after reassignment", func(t *testing.T) {
		salesC.AssigneeID = &b
		_, err := w.s.UpdateTerritory(ctx, salesC, salesC.Version)
		noErr(t, "UpdateTerritory", err)
		_, err = w.s.UnpinAccount(ctx, id["Boucherie of nobody pinned to c"], "sales")
		noErr(t, "UnpinAccount", err)
		all := stored()
		moved := []string{"Café prospect of nobody in sales of c", "Bar former of a in sales of c"}
		checkSees(t, users(b), all, union(ofB, moved))
		checkSees(t, users(c), all, []string{"Boucherie of c in sales of a",
			"Boucherie of c in sales of a and maintenance of b", "Café prospect of c in sales of a"})
		var cases []cs
		for _, set := range []struct {
			name string
			v    *accounts.Visibility
		}{{"a", users(a)}, {"b", users(b)}, {"c", users(c)}, {"team with prospects", teamP}} {
			cases = append(cases, cs{set.name, accounts.AccountFilter{Visible: set.v}, set.v.Sees, true})
		}
		checkFilters(t, all, accountID, cases, func(f accounts.AccountFilter, p accounts.Page) ([]accounts.Account, error) {
			f.Page = p
			return w.s.ListAccounts(ctx, f)
		})
	})
}

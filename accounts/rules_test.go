package accounts_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr/file"

	"github.com/tournee/tournee/accounts"
)

// rule is a valid rule around expression.
func rule(expression string) accounts.Rule {
	return accounts.Rule{
		Name:       "test",
		Expression: expression,
		Actions:    []accounts.Action{{Type: accounts.ActionScore, Value: 10}},
		Enabled:    true,
	}
}

func match(t *testing.T, expression string, f accounts.Facts) bool {
	t.Helper()
	c, err := accounts.CompileRule(rule(expression))
	if err != nil {
		t.Fatal(err)
	}
	ok, err := c.Match(f)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// fields lists the fields named by the FieldErrors in err.
func fields(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var fe *accounts.FieldError
		if errors.As(err, &fe) {
			out = append(out, fe.Field)
		}
	}
	walk(err)
	return out
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		expression string
		want       string // in the message
	}{
		{`revenu_month > 1`, "unknown name revenu_month at line 1, column 1"},
		{"kind == \"client\" &&\n  revenue_month > \"x\"", "mismatched types float64 and string) at line 2, column 17"},
		{`1 +`, "line 1, column 3"},
		{`revenue_month`, "expected bool, but got float64"},
		{`days_since("2027-01-01") > 3`, "line 1, column"},
		{`now() != nil`, "not callable at line 1, column 1"},
		{` `, "expression is required"},
	}
	for _, tt := range tests {
		t.Run(tt.expression, func(t *testing.T) {
			_, err := accounts.CompileRule(rule(tt.expression))
			var fe *accounts.FieldError
			if !errors.As(err, &fe) || fe.Field != "expression" || !errors.Is(err, accounts.ErrInvalid) {
				t.Fatalf("got %v, want an invalid expression error", err)
			}
			if !strings.Contains(fe.Message, tt.want) || !strings.HasPrefix(fe.Message, "expression") {
				t.Errorf("got %q, want it to contain %q", fe.Message, tt.want)
			}
		})
	}
}

func TestRuleValidate(t *testing.T) {
	long := strings.Repeat("x", 201)
	tests := []struct {
		name   string
		change func(r *accounts.Rule)
		want   []string
	}{
		{"valid", func(r *accounts.Rule) {}, nil},
		{"every action", func(r *accounts.Rule) {
			r.Actions = []accounts.Action{
				{Type: accounts.ActionScore, Mode: accounts.ScoreSet, Value: 0},
				{Type: accounts.ActionAlert, CC: []string{"manager", " user:12", "role:admin"}, Message: strings.Repeat("m", 500)},
				{Type: accounts.ActionTask, Title: "Call", DueInDays: 7},
				{Type: accounts.ActionReassign, Pool: "open"},
			}
			r.CooldownDays = 30
		}, nil},
		{"no name", func(r *accounts.Rule) { r.Name = "  " }, []string{"name"}},
		{"long name", func(r *accounts.Rule) { r.Name = long }, []string{"name"}},
		{"no actions", func(r *accounts.Rule) { r.Actions = nil }, []string{"actions"}},
		{"negative cooldown", func(r *accounts.Rule) { r.CooldownDays = -1 }, []string{"cooldown_days"}},
		{"several at once", func(r *accounts.Rule) { r.Name, r.Expression = "", "kind ==" }, []string{"name", "expression"}},
		{"score not finite", func(r *accounts.Rule) {
			r.Actions = append(r.Actions, accounts.Action{Type: accounts.ActionScore, Value: math.NaN()}, accounts.Action{Type: accounts.ActionScore, Value: math.Inf(1)})
		}, []string{"actions[1].value", "actions[2].value"}},
		{"score mode", func(r *accounts.Rule) { r.Actions[0].Mode = "double" }, []string{"actions[0].mode"}},
		{"unknown type", func(r *accounts.Rule) { r.Actions[0].Type = "sms" }, []string{"actions[0].type"}},
		{"alert without message", func(r *accounts.Rule) { r.Actions[0] = accounts.Action{Type: accounts.ActionAlert} }, []string{"actions[0].message"}},
		{"alert cc", func(r *accounts.Rule) {
			r.Actions[0] = accounts.Action{Type: accounts.ActionAlert, Message: "m", CC: []string{"manager", "user:0", "role:boss", "director"}}
		}, []string{"actions[0].cc[1]", "actions[0].cc[2]", "actions[0].cc[3]"}},
		{"task", func(r *accounts.Rule) { r.Actions[0] = accounts.Action{Type: accounts.ActionTask, DueInDays: -1} }, []string{"actions[0].title", "actions[0].due_in_days"}},
		{"reassign to nobody", func(r *accounts.Rule) { r.Actions[0] = accounts.Action{Type: accounts.ActionReassign} }, []string{"actions[0].to_user_id"}},
		{"reassign twice over", func(r *accounts.Rule) {
			r.Actions[0] = accounts.Action{Type: accounts.ActionReassign, ToUserID: ptr(int64(5)), Pool: "open"}
		}, []string{"actions[0].to_user_id"}},
		{"reassign to no user", func(r *accounts.Rule) {
			r.Actions[0] = accounts.Action{Type: accounts.ActionReassign, ToUserID: ptr(int64(0))}
		}, []string{"actions[0].to_user_id"}},
		{"two reassignments", func(r *accounts.Rule) {
			r.Actions = append(r.Actions, accounts.Action{Type: accounts.ActionReassign, Pool: "open"}, accounts.Action{Type: accounts.ActionReassign, Pool: "territory:sales"})
		}, []string{"actions[2].type"}},
		{"reassign to a territory", func(r *accounts.Rule) {
			r.Actions[0] = accounts.Action{Type: accounts.ActionReassign, Pool: " territory:Sales "}
		}, nil},
		{"blank pool", func(r *accounts.Rule) { r.Actions[0] = accounts.Action{Type: accounts.ActionReassign, Pool: "  "} }, []string{"actions[0].to_user_id"}},
		{"unknown pool", func(r *accounts.Rule) {
			r.Actions[0] = accounts.Action{Type: accounts.ActionReassign, Pool: "prospects"}
		}, []string{"actions[0].pool"}},
		{"territory pool without a layer", func(r *accounts.Rule) {
			r.Actions[0] = accounts.Action{Type: accounts.ActionReassign, Pool: "territory: "}
		}, []string{"actions[0].pool"}},
		{"territory pool of owners", func(r *accounts.Rule) {
			r.Actions[0] = accounts.Action{Type: accounts.ActionReassign, Pool: "territory:" + accounts.OwnerLayer}
		}, []string{"actions[0].pool"}},
		{"field of another type", func(r *accounts.Rule) {
			r.Actions[0] = accounts.Action{Type: accounts.ActionTask, Title: "Call", Message: "lost"}
		}, []string{"actions[0].message"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rule("true")
			tt.change(&r)
			err := r.Validate()
			if got := fields(err); !slices.Equal(got, tt.want) {
				t.Errorf("got fields %v, want %v (%v)", got, tt.want, err)
			}
			if err != nil && !errors.Is(err, accounts.ErrInvalid) {
				t.Errorf("got %v, want an ErrInvalid", err)
			}
		})
	}
}

func TestRuleValidateFillsDefaults(t *testing.T) {
	r := rule("true")
	r.Name = " Dormant clients "
	r.Actions = append(r.Actions, accounts.Action{Type: accounts.ActionAlert, Message: "m", CC: []string{" manager "}},
		accounts.Action{Type: accounts.ActionReassign, Pool: " territory: Sales"})
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if r.Name != "Dormant clients" || r.Actions[0].Mode != accounts.ScoreAdd || r.Actions[1].CC[0] != "manager" {
		t.Errorf("got name %q, mode %q, cc %q; want trimmed name, add, trimmed cc", r.Name, r.Actions[0].Mode, r.Actions[1].CC[0])
	}
	if got := r.Actions[2].Pool; got != "territory:sales" {
		t.Errorf("got pool %q, want the layer as territories write it, %q", got, "territory:sales")
	}
}

func TestCompileRuleCopies(t *testing.T) {
	r := rule("true")
	r.Actions = append(r.Actions, accounts.Action{Type: accounts.ActionAlert, Message: "m", CC: []string{" manager"}})
	c, err := accounts.CompileRule(r)
	if err != nil {
		t.Fatal(err)
	}
	if r.Actions[0].Mode != "" || r.Actions[1].CC[0] != " manager" {
		t.Errorf("got caller's actions %+v, want them untouched", r.Actions)
	}
	r.Actions[0].Value = 99
	if got := c.Rule.Actions[0]; got.Mode != accounts.ScoreAdd || got.Value != 10 {
		t.Errorf("got compiled action %+v, want add 10", got)
	}
}

func TestRuleJSON(t *testing.T) {
	in := `{"id":3,"version":1,"created_at":"2027-01-01T00:00:00Z","updated_at":"2027-01-01T00:00:00Z",` +
		`"name":"Dormant","expression":"!qualified","actions":[` +
		`{"type":"score","mode":"add","value":10},` +
		`{"type":"score","mode":"set","value":50},` +
		`{"type":"alert","cc":["manager","user:12","role:admin"],"message":"Call them"},` +
		`{"type":"task","title":"Book a visit","due_in_days":7},` +
		`{"type":"reassign","to_user_id":5}` +
		`],"enabled":true,"cooldown_days":30}`
	var r accounts.Rule
	dec := json.NewDecoder(strings.NewReader(in))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("got %s, want %s", out, in)
	}

	var a accounts.Action
	if err := json.Unmarshal([]byte(`{"type":"reassign","pool":"open"}`), &a); err != nil || a.Pool != "open" || a.ToUserID != nil {
		t.Errorf("got %+v, %v; want a reassignment to the open pool", a, err)
	}
}

func TestParseRecipient(t *testing.T) {
	tests := []struct {
		in   string
		want accounts.Recipient
		ok   bool
	}{
		{"manager", accounts.Recipient{Manager: true}, true},
		{"user:12", accounts.Recipient{UserID: 12}, true},
		{"role:rep", accounts.Recipient{Role: accounts.RoleRep}, true},
		{"user:-1", accounts.Recipient{}, false},
		{"user:", accounts.Recipient{}, false},
		{"role:", accounts.Recipient{}, false},
		{"owner", accounts.Recipient{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := accounts.ParseRecipient(tt.in)
			if got != tt.want || (err == nil) != tt.ok {
				t.Errorf("got %+v, %v; want %+v, ok %v", got, err, tt.want, tt.ok)
			}
			if err != nil && !errors.Is(err, accounts.ErrInvalid) {
				t.Errorf("got %v, want an ErrInvalid", err)
			}
		})
	}
}

func TestMatchRuntimeError(t *testing.T) {
	tests := []struct {
		name, expression string
		custom           map[string]any
		want             string
	}{
		{"missing custom field", `custom.employees > 50`, nil, "<nil> > int at line 1, column 18"},
		{"custom field of another type", `custom.employees > 50`, map[string]any{"employees": "many"}, "string > int"},
		{"custom field not a bool", `custom.key_account`, map[string]any{"key_account": "yes"}, "bool(string)"},
		{"nested field of nothing", `custom.address.city == "Lyon"`, nil, "cannot fetch city"},
		{"index out of range", `tags[3] == "vip"`, nil, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rule(tt.expression)
			r.ID, r.Name = 4, "Big customers"
			c, err := accounts.CompileRule(r)
			if err != nil {
				t.Fatal(err)
			}
			ok, err := c.Match(accounts.Facts{Custom: tt.custom})
			if err == nil || ok {
				t.Fatalf("got %v, %v; want an error", ok, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, `rule 4 "Big customers": `) || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("got %q, want one line naming the rule and containing %q", msg, tt.want)
			}
			if fe := (*file.Error)(nil); !errors.As(err, &fe) || fe.Line != 1 {
				t.Errorf("got %v, want the expression's position kept", err)
			}
		})
	}
}

func TestMatchIgnoresEnabled(t *testing.T) {
	r := rule(`kind == "client"`)
	r.Enabled = false
	c, err := accounts.CompileRule(r)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := c.Match(accounts.Facts{Kind: "client"}); !ok || err != nil {
		t.Errorf("got %v, %v; want true", ok, err)
	}
}

// TestDesignExamples runs the rules of design.md §7 on the accounts they
// describe.
func TestDesignExamples(t *testing.T) {
	loc := paris(t)
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, loc) }

	lambda := accounts.Account{
		Meta:           accounts.Meta{ID: 1, CreatedAt: at(2020, 3, 1)},
		Kind:           accounts.KindClient,
		Name:           "LAMBDA SARL",
		PotentialCents: 4_000_000,
		LastVisitAt:    ptr(at(2026, 9, 25)),
	}
	// March 2027 is 11.5 % below March 2026.
	lambdaRevenue := revenue(map[accounts.Month]int64{"2026-03": 2_000_000, "2027-03": 1_770_000, "2027-02": 2_500_000})
	const dormant = `revenue_month < 0.9 * revenue_month_last_year && potential_monthly > 30000 && days_since_visit > 180`

	prospect := accounts.Account{
		Meta: accounts.Meta{ID: 2, CreatedAt: at(2027, 2, 15)},
		Kind: accounts.KindProspect,
		Name: "New prospect",
	}
	qualifiedProspect := prospect
	qualifiedProspect.Qualification.QualifiedAt = ptr(accounts.Date("2027-03-01"))
	const unqualified = `kind == "prospect" && !qualified && days_since_created > 60`

	buyer := []accounts.Contact{{AccountID: 1, Name: "Buyer", Title: "Head of purchasing",
		Dates: []accounts.KeyDate{{Label: "Retirement", Date: "2027-07-01"}}}}
	const succession = `next_key_date("retire") <= 60`

	tests := []struct {
		name       string
		expression string
		account    accounts.Account
		revenue    []accounts.Revenue
		contacts   []accounts.Contact
		now        time.Time
		want       bool
	}{
		{"LAMBDA SARL in April", dormant, lambda, lambdaRevenue, nil, at(2027, 4, 10), true},
		{"LAMBDA SARL visited in January", dormant, func() accounts.Account { a := lambda; a.LastVisitAt = ptr(at(2027, 1, 12)); return a }(), lambdaRevenue, nil, at(2027, 4, 10), false},
		{"LAMBDA SARL in March compares February", dormant, lambda, lambdaRevenue, nil, at(2027, 3, 20), false},
		{"prospect on 24 April", unqualified, prospect, nil, nil, at(2027, 4, 24), true},
		{"prospect on 10 April", unqualified, prospect, nil, nil, at(2027, 4, 10), false},
		{"qualified prospect on 24 April", unqualified, qualifiedProspect, nil, nil, at(2027, 4, 24), false},
		{"retirement on 2 May", succession, lambda, nil, buyer, at(2027, 5, 2), true},
		{"retirement on 1 May", succession, lambda, nil, buyer, at(2027, 5, 1), false},
		{"retirement passed", succession, lambda, nil, buyer, at(2027, 7, 2), false},
		{"no retirement known", succession, lambda, nil, nil, at(2027, 5, 2), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := accounts.FactsOf(tt.account, tt.revenue, nil, tt.contacts, tt.now, loc)
			if got := match(t, tt.expression, f); got != tt.want {
				t.Errorf("got %v, want %v (facts %+v)", got, tt.want, f)
			}
		})
	}
}

func TestScore(t *testing.T) {
	compiled := func(id int64, name string, actions ...accounts.Action) *accounts.CompiledRule {
		t.Helper()
		r := rule("true")
		r.ID, r.Name, r.Actions = id, name, actions
		c, err := accounts.CompileRule(r)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	add := func(v float64) accounts.Action { return accounts.Action{Type: accounts.ActionScore, Value: v} }
	set := func(v float64) accounts.Action {
		return accounts.Action{Type: accounts.ActionScore, Mode: accounts.ScoreSet, Value: v}
	}
	alert := accounts.Action{Type: accounts.ActionAlert, Message: "m"}

	tests := []struct {
		name  string
		base  float64
		fired []*accounts.CompiledRule
		want  string
	}{
		{"base only", 12.5, nil, `{"total":12.5,"parts":[{"source":"base","value":12.5}]}`},
		{"adds in id order", 10, []*accounts.CompiledRule{compiled(3, "c", add(5)), compiled(1, "a", add(20), alert)},
			`{"total":35,"parts":[{"source":"base","value":10},` +
				`{"source":"rule","rule_id":1,"rule":"a","mode":"add","value":20},` +
				`{"source":"rule","rule_id":3,"rule":"c","mode":"add","value":5}]}`},
		{"set overrides what comes before", 10, []*accounts.CompiledRule{compiled(3, "c", add(5)), compiled(2, "b", set(50)), compiled(1, "a", add(20))},
			`{"total":55,"parts":[{"source":"base","value":10},` +
				`{"source":"rule","rule_id":1,"rule":"a","mode":"add","value":20},` +
				`{"source":"rule","rule_id":2,"rule":"b","mode":"set","value":50},` +
				`{"source":"rule","rule_id":3,"rule":"c","mode":"add","value":5}]}`},
		{"actions of one rule in order", 10, []*accounts.CompiledRule{compiled(1, "a", add(5), set(1), add(2))},
			`{"total":3,"parts":[{"source":"base","value":10},` +
				`{"source":"rule","rule_id":1,"rule":"a","mode":"add","value":5},` +
				`{"source":"rule","rule_id":1,"rule":"a","mode":"set","value":1},` +
				`{"source":"rule","rule_id":1,"rule":"a","mode":"add","value":2}]}`},
		{"never negative", 10, []*accounts.CompiledRule{compiled(1, "demote", add(-25))},
			`{"total":0,"parts":[{"source":"base","value":10},{"source":"rule","rule_id":1,"rule":"demote","mode":"add","value":-25}]}`},
		{"no score action", 7, []*accounts.CompiledRule{compiled(1, "alert only", alert)},
			`{"total":7,"parts":[{"source":"base","value":7}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order := slices.Clone(tt.fired)
			got, err := json.Marshal(accounts.Score(tt.base, tt.fired))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, []byte(tt.want)) {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if !slices.Equal(tt.fired, order) {
				t.Errorf("Score reordered its argument")
			}
		})
	}
}

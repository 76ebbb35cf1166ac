package csvimport_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/csvimport"
	"github.com/tournee/tournee/accounts/postgres"
	"github.com/tournee/tournee/accounts/sqlite"
	"github.com/tournee/tournee/geo"
)

const (
	repEmail = "rep@example.com"
	// seededLegalID is the legal id of the account that newService creates,
	// for contacts and revenue to refer to.
	seededLegalID = "11111111111111"
)

// stores are the stores every test runs against; the PostgreSQL one skips
// when no server is reachable (see postgres.OpenTest).
var stores = []struct {
	name string
	open func(testing.TB) accounts.Store
}{
	{"sqlite", func(tb testing.TB) accounts.Store {
		tb.Helper()
		ctx := context.Background()
		db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "tournee.db"))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			tb.Fatal(err)
		}
		return db
	}},
	{"postgres", func(tb testing.TB) accounts.Store { return postgres.OpenTest(tb) }},
}

// forEachStore runs test once per store, as a subtest named after it.
func forEachStore(t *testing.T, test func(t *testing.T, open func(testing.TB) accounts.Store)) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) { test(t, st.open) })
	}
}

// fixture is a migrated store with one rep and one account.
type fixture struct {
	svc       *accounts.Service
	repID     int64
	accountID int64
}

func newFixture(t testing.TB, open func(testing.TB) accounts.Store) fixture {
	t.Helper()
	ctx := context.Background()
	svc := accounts.NewService(open(t))
	u, err := svc.CreateUser(ctx, accounts.User{Email: repEmail, Name: "Rep", Role: accounts.RoleRep, Home: geo.Point{Lat: 45.76, Lng: 4.83}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := svc.CreateAccount(ctx, accounts.Account{Kind: accounts.KindClient, Name: "LAMBDA SARL", LegalID: seededLegalID, Point: geo.Point{Lat: 45.75, Lng: 4.85}})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, repID: u.ID, accountID: a.ID}
}

func (f fixture) importString(t *testing.T, in string, o csvimport.Options) (csvimport.Report, error) {
	t.Helper()
	return csvimport.Import(context.Background(), f.svc, strings.NewReader(in), o)
}

// listAccounts returns every account but the seeded one, by id.
func (f fixture) listAccounts(t *testing.T) []accounts.Account {
	t.Helper()
	var all []accounts.Account
	var after int64
	for {
		page, err := f.svc.ListAccounts(context.Background(), accounts.AccountFilter{Page: accounts.Page{After: after}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, a := range page {
			if a.ID != f.accountID {
				all = append(all, a)
			}
		}
		after = page[len(page)-1].ID
	}
	return all
}

func (f fixture) listContacts(t *testing.T) []accounts.Contact {
	t.Helper()
	cs, err := f.svc.ListContacts(context.Background(), accounts.ContactFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func (f fixture) listRevenue(t *testing.T) []accounts.Revenue {
	t.Helper()
	rs, err := f.svc.ListRevenue(context.Background(), f.accountID)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// written counts what imports have added to the fixture's store.
func (f fixture) written(t *testing.T) int {
	t.Helper()
	return len(f.listAccounts(t)) + len(f.listContacts(t)) + len(f.listRevenue(t))
}

func TestImportAccounts(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) accounts.Store) {
		f := newFixture(t, open)
		const in = "Raison sociale;Type;SIRET;Adresse;Code postal;Ville;Latitude;Longitude;Potentiel;Segment;Tags;Durée visite;Commercial;Taille;Secteur;Couleur\n" +
			"Menuiserie Dupont;client;552 100 554 00013;12 rue de la Paix;69002;Lyon;45,7640;4,8357;30 000,50;PME;Bois|export;30;REP@example.com;10-49;Menuiserie;bleu\n" +
			"\"Garage du Centre; Fils\";Prospect;;;;Béziers;43.3442;3.2158;1200.5;;;;;;;\n" +
			";;;;;;;;;;;;;;;\n" // a row of bare separators, as spreadsheets leave
		rep, err := f.importString(t, in, csvimport.Options{Kind: csvimport.Accounts})
		if err != nil {
			t.Fatalf("Import: %v (problems %v)", err, rep.Problems)
		}
		if rep.Rows != 2 || rep.Valid != 2 || rep.Created != 2 || rep.Skipped != 0 || rep.Sep != ';' || rep.Encoding != csvimport.UTF8 {
			t.Errorf("report: got %+v, want 2 rows created from UTF-8 with ';'", rep)
		}
		if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "Couleur") {
			t.Errorf("warnings: got %q, want one about Couleur", rep.Warnings)
		}
		got := f.listAccounts(t)
		if len(got) != 2 {
			t.Fatalf("accounts: got %d, want 2", len(got))
		}
		a := got[0]
		want := accounts.Account{
			Kind: accounts.KindClient, Name: "Menuiserie Dupont", LegalID: "55210055400013",
			Address:        accounts.Address{Street: "12 rue de la Paix", PostalCode: "69002", City: "Lyon"},
			Point:          geo.Point{Lat: 45.764, Lng: 4.8357},
			PotentialCents: 3000050, Segment: "PME", Tags: []string{"bois", "export"},
			VisitDuration: 30 * time.Minute, Qualification: accounts.Qualification{Size: "10-49", Sector: "Menuiserie"},
		}
		if a.Kind != want.Kind || a.Name != want.Name || a.LegalID != want.LegalID || a.Address != want.Address ||
			a.Point != want.Point || a.PotentialCents != want.PotentialCents || a.Segment != want.Segment ||
			!slices.Equal(a.Tags, want.Tags) || a.VisitDuration != want.VisitDuration || a.Qualification.Size != "10-49" ||
			a.Qualification.Sector != "Menuiserie" || a.OwnerID == nil || *a.OwnerID != f.repID {
			t.Errorf("first account:\ngot  %+v\nwant %+v with owner %d", a, want, f.repID)
		}
		b := got[1]
		if b.Name != "Garage du Centre; Fils" || b.Kind != accounts.KindProspect || b.Address.City != "Béziers" ||
			b.PotentialCents != 120050 || b.VisitDuration != accounts.DefaultVisitDuration || b.OwnerID != nil {
			t.Errorf("second account: got %+v", b)
		}
	})
}

func TestImportContacts(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) accounts.Store) {
		f := newFixture(t, open)
		in := "SIRET,account_id,Prénom,Nom,Fonction,E-mail,Téléphone,Notes,Date retraite\n" +
			"111 111 111 11111,,Jean,Martin,Acheteur,jean.martin@lambda.fr,04 78 00 00 00,\"Aime le rugby, le vin\",15/07/2026\n" +
			",ID,,Claire Petit,,,,,2027-01-31\n"
		in = strings.Replace(in, ",ID,", ","+itoa(f.accountID)+",", 1)
		rep, err := f.importString(t, in, csvimport.Options{Kind: csvimport.Contacts})
		if err != nil {
			t.Fatalf("Import: %v (problems %v)", err, rep.Problems)
		}
		if rep.Created != 2 || rep.Sep != ',' {
			t.Errorf("report: got %+v, want 2 created with ','", rep)
		}
		got := f.listContacts(t)
		if len(got) != 2 {
			t.Fatalf("contacts: got %d, want 2", len(got))
		}
		c := got[0]
		if c.AccountID != f.accountID || c.Name != "Jean Martin" || c.Title != "Acheteur" || c.Email != "jean.martin@lambda.fr" ||
			c.Phone != "04 78 00 00 00" || c.Notes != "Aime le rugby, le vin" ||
			!slices.Equal(c.Dates, []accounts.KeyDate{{Label: "retirement", Date: "2026-07-15"}}) {
			t.Errorf("first contact: got %+v", c)
		}
		if c := got[1]; c.AccountID != f.accountID || c.Name != "Claire Petit" || c.Dates[0].Date != "2027-01-31" {
			t.Errorf("second contact: got %+v", c)
		}
	})
}

func TestImportRevenue(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) accounts.Store) {
		f := newFixture(t, open)
		in := "SIRET;Mois;Montant\n" +
			seededLegalID + ";03/2025;45 000,00\n" +
			seededLegalID + ";2026-03;39 825,5\n"
		rep, err := f.importString(t, in, csvimport.Options{Kind: csvimport.Revenue})
		if err != nil {
			t.Fatalf("Import: %v (problems %v)", err, rep.Problems)
		}
		if rep.Created != 2 {
			t.Errorf("created: got %d, want 2", rep.Created)
		}
		want := []accounts.Revenue{
			{AccountID: f.accountID, Month: "2025-03", AmountCents: 4500000},
			{AccountID: f.accountID, Month: "2026-03", AmountCents: 3982550},
		}
		if got := f.listRevenue(t); !slices.Equal(got, want) {
			t.Errorf("revenue: got %+v, want %+v", got, want)
		}
	})
}

// TestImportEncodingsAndSeparators checks that the same accounts are read
// whatever the encoding and separator of the file.
func TestImportEncodingsAndSeparators(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) accounts.Store) {
		f := newFixture(t, open) // each case adds one account
		const name, city = "Société Générale d'Équipement", "Béziers"
		utf8Semi := "nom;ville;lat;lng;potentiel\n" + name + ";" + city + ";43,3442;3,2158;30 000,50\n"
		utf8Comma := "name,city,lat,lng,potential\n\"" + name + "\"," + city + ",43.3442,3.2158,30000.50\n"
		cp1252, err := charmap.Windows1252.NewEncoder().String(utf8Semi)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name    string
			in      string
			o       csvimport.Options
			wantEnc string
			wantSep rune
		}{
			{"utf-8 semicolon", utf8Semi, csvimport.Options{}, csvimport.UTF8, ';'},
			{"utf-8 comma", utf8Comma, csvimport.Options{}, csvimport.UTF8, ','},
			{"utf-8 with BOM", "\ufeff" + utf8Semi, csvimport.Options{}, csvimport.UTF8, ';'},
			{"windows-1252 detected", cp1252, csvimport.Options{}, csvimport.Windows1252, ';'},
			{"windows-1252 forced", cp1252, csvimport.Options{Encoding: "cp1252"}, csvimport.Windows1252, ';'},
			{"separator forced", strings.ReplaceAll(utf8Semi, ";", "|"), csvimport.Options{Sep: '|'}, csvimport.UTF8, '|'},
			{"tab separated", strings.ReplaceAll(utf8Semi, ";", "\t"), csvimport.Options{}, csvimport.UTF8, '\t'},
			{"CRLF line ends", strings.ReplaceAll(utf8Semi, "\n", "\r\n"), csvimport.Options{}, csvimport.UTF8, ';'},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := len(f.listAccounts(t))
				c.o.Kind = csvimport.Accounts
				rep, err := f.importString(t, c.in, c.o)
				if err != nil {
					t.Fatalf("Import: %v (problems %v)", err, rep.Problems)
				}
				if rep.Encoding != c.wantEnc || rep.Sep != c.wantSep {
					t.Errorf("read as %s with %q, want %s with %q", rep.Encoding, rep.Sep, c.wantEnc, c.wantSep)
				}
				got := f.listAccounts(t)
				if len(got) != before+1 {
					t.Fatalf("accounts: got %d, want %d", len(got), before+1)
				}
				a := got[len(got)-1]
				if a.Name != name || a.Address.City != city || a.Point != (geo.Point{Lat: 43.3442, Lng: 3.2158}) || a.PotentialCents != 3000050 {
					t.Errorf("account: got %q in %q at %v with %d cents, want %q in %q at 43.3442,3.2158 with 3000050",
						a.Name, a.Address.City, a.Point, a.PotentialCents, name, city)
				}
			})
		}
	})
}

func TestImportRejects(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) accounts.Store) {
		const accountsHeader = "name;kind;legal_id;lat;lng;potential;owner_email\n"
		const goodAccount = "Bon Compte;client;22222222222222;45.1;4.1;1000;rep@example.com\n"
		const contactsHeader = "siret;name;email;retirement\n"
		const goodContact = seededLegalID + ";Jean Martin;jean@lambda.fr;15/07/2026\n"
		const revenueHeader = "siret;month;amount\n"
		// One store for every case: none of them may write anything.
		f := newFixture(t, open)
		const goodRevenue = seededLegalID + ";2026-03;1000\n"
		for _, c := range []struct {
			name string
			kind csvimport.Kind
			in   string
			want csvimport.Problem
		}{
			{"bad lat", csvimport.Accounts, accountsHeader + goodAccount + "X;client;;91;4.1;;\n",
				csvimport.Problem{Line: 3, Field: "lat", Message: "lat must be between -90 and 90"}},
			{"bad lng", csvimport.Accounts, accountsHeader + goodAccount + "X;client;;45;-180.5;;\n",
				csvimport.Problem{Line: 3, Field: "lng", Message: "lng must be between -180 and 180"}},
			{"lat not a number", csvimport.Accounts, accountsHeader + goodAccount + "X;client;;45°N;4;;\n",
				csvimport.Problem{Line: 3, Field: "lat", Message: "lat must be a number in decimal degrees, such as 45.7640"}},
			{"missing lng", csvimport.Accounts, accountsHeader + goodAccount + "X;client;;45;;;\n",
				csvimport.Problem{Line: 3, Field: "lng", Message: "lng is required"}},
			{"missing name", csvimport.Accounts, accountsHeader + goodAccount + " ;client;;45;4;;\n",
				csvimport.Problem{Line: 3, Field: "name", Message: "name is required"}},
			{"unknown kind", csvimport.Accounts, accountsHeader + goodAccount + "X;fournisseur;;45;4;;\n",
				csvimport.Problem{Line: 3, Field: "kind", Message: "kind must be one of prospect, client, former"}},
			{"negative potential", csvimport.Accounts, accountsHeader + goodAccount + "X;client;;45;4;-30 000;\n",
				csvimport.Problem{Line: 3, Field: "potential", Message: "potential must not be negative"}},
			{"potential not an amount", csvimport.Accounts, accountsHeader + goodAccount + "X;client;;45;4;30k;\n",
				csvimport.Problem{Line: 3, Field: "potential", Message: "potential must be an amount in euros, such as 30000 or 30 000,50"}},
			{"unknown owner e-mail", csvimport.Accounts, accountsHeader + goodAccount + "X;client;;45;4;;nobody@example.com\n",
				csvimport.Problem{Line: 3, Field: "owner_email", Message: "owner_email nobody@example.com is not the e-mail of any user"}},
			{"legal id twice in the file", csvimport.Accounts, accountsHeader + goodAccount + "X;client;2222 2222 2222 22;45;4;;\n",
				csvimport.Problem{Line: 3, Field: "legal_id", Message: "legal_id 22222222222222 is already on line 2"}},
			{"legal id already stored", csvimport.Accounts, accountsHeader + goodAccount + "X;client;" + seededLegalID + ";45;4;;\n",
				csvimport.Problem{Line: 3, Field: "legal_id", Message: "an account with legal_id " + seededLegalID + " already exists"}},
			{"missing required column", csvimport.Accounts, "name;lat\nX;45\n",
				csvimport.Problem{Line: 1, Field: "lng", Message: "missing required column lng (lng, lon, long, longitude)"}},
			{"ragged row with too many fields", csvimport.Accounts, accountsHeader + goodAccount + "X;client;;45;4;;;extra\n",
				csvimport.Problem{Line: 3, Message: "the row has 8 fields, the header has 7"}},
			{"ragged row with too few fields", csvimport.Accounts, accountsHeader + goodAccount + "X;client;;45\n",
				csvimport.Problem{Line: 3, Message: "the row has 4 fields, the header has 7"}},
			{"quoted field never closed", csvimport.Accounts, accountsHeader + goodAccount + "\"X;client;;45;4;;\n" + goodAccount,
				csvimport.Problem{Line: 3, Message: "a quoted field is never closed"}},
			{"text after a closing quote", csvimport.Accounts, accountsHeader + goodAccount + "\"X\"Y;client;;45;4;;\n" + goodAccount,
				csvimport.Problem{Line: 3, Message: "a quoted field has text after its closing quote; a \" inside a quoted field must be doubled"}},
			{"bare quote", csvimport.Accounts, accountsHeader + goodAccount + "Le \"Bon\" Coin;client;;45;4;;\n",
				csvimport.Problem{Line: 3, Message: "a \" appears inside a field not enclosed in quotes (column 4); enclose the field in quotes and double the \" inside it"}},
			{"windows-1252 forced as utf-8", csvimport.Accounts, accountsHeader + goodAccount + "B\xe9ziers;client;;45;4;;\n",
				csvimport.Problem{Line: 3, Field: "name", Message: "name is not valid UTF-8; if the file comes from Excel, try the encoding windows-1252"}},
			{"invalid month", csvimport.Revenue, revenueHeader + goodRevenue + seededLegalID + ";13/2026;1000\n",
				csvimport.Problem{Line: 3, Field: "month", Message: "month must be YYYY-MM or MM/YYYY"}},
			{"month twice for an account", csvimport.Revenue, revenueHeader + goodRevenue + seededLegalID + ";03/2026;2000\n",
				csvimport.Problem{Line: 3, Field: "month", Message: "the revenue of this account for 2026-03 is already on line 2"}},
			{"unknown account for revenue", csvimport.Revenue, revenueHeader + goodRevenue + "99999999999999;2026-04;1000\n",
				csvimport.Problem{Line: 3, Field: "account_legal_id", Message: "no account has the legal_id 99999999999999"}},
			{"missing amount", csvimport.Revenue, revenueHeader + goodRevenue + seededLegalID + ";2026-04;\n",
				csvimport.Problem{Line: 3, Field: "amount", Message: "amount is required"}},
			{"no account column", csvimport.Revenue, "month;amount\n2026-03;1000\n",
				csvimport.Problem{Line: 1, Field: "account_legal_id", Message: "missing required column account_legal_id (siret) or account_id"}},
			{"unknown account for contact", csvimport.Contacts, "account_id;name\nSEEDED;Jean\n9999;Paul\n",
				csvimport.Problem{Line: 3, Field: "account_id", Message: "account_id 9999 does not exist"}},
			{"invalid e-mail", csvimport.Contacts, contactsHeader + goodContact + seededLegalID + ";Paul;paul@;\n",
				csvimport.Problem{Line: 3, Field: "email", Message: "email must be an e-mail address"}},
			{"invalid date", csvimport.Contacts, contactsHeader + goodContact + seededLegalID + ";Paul;;31/02/2027\n",
				csvimport.Problem{Line: 3, Field: "retirement", Message: "retirement must be a date dd/mm/yyyy or yyyy-mm-dd"}},
			{"missing account", csvimport.Contacts, contactsHeader + goodContact + ";Paul;;\n",
				csvimport.Problem{Line: 3, Field: "account_legal_id", Message: "account_legal_id is required"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				o := csvimport.Options{Kind: c.kind}
				if strings.HasPrefix(c.name, "windows-1252") {
					o.Encoding = "utf-8"
				}
				rep, err := f.importString(t, strings.ReplaceAll(c.in, "SEEDED", itoa(f.accountID)), o)
				if !errors.Is(err, accounts.ErrInvalid) {
					t.Errorf("error: got %v, want ErrInvalid", err)
				}
				if len(rep.Problems) != 1 || rep.Problems[0] != c.want {
					t.Errorf("problems:\ngot  %+v\nwant [%+v]", rep.Problems, c.want)
				}
				if rep.Created != 0 {
					t.Errorf("created: got %d, want 0", rep.Created)
				}
				if n := f.written(t); n != 0 {
					t.Errorf("store: got %d records written, want none", n)
				}
			})
		}
	})
}

func TestImportBadOptions(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) accounts.Store) {
		f := newFixture(t, open)
		for _, o := range []csvimport.Options{
			{Kind: "opportunities"},
			{Kind: csvimport.Accounts, Mode: "some"},
			{Kind: csvimport.Accounts, Encoding: "ebcdic"},
			{Kind: csvimport.Accounts, Sep: ':'},
		} {
			if _, err := f.importString(t, "name;lat;lng\nX;45;4\n", o); !errors.Is(err, accounts.ErrInvalid) {
				t.Errorf("Import with %+v: got %v, want ErrInvalid", o, err)
			}
		}
		for name, in := range map[string]string{"empty": "", "UTF-16": "\xff\xfen\x00a\x00m\x00e\x00"} {
			if _, err := f.importString(t, in, csvimport.Options{Kind: csvimport.Accounts}); !errors.Is(err, accounts.ErrInvalid) {
				t.Errorf("Import of an %s file: got %v, want ErrInvalid", name, err)
			}
		}
	})
}

// mixed has three good rows (lines 2, 4, 6) and two bad ones, one of them
// with two problems.
const mixed = "name;lat;lng;potential\n" +
	"Un;45.1;4.1;100\n" +
	"Deux;95;4.2;-1\n" +
	"Trois;45.3;4.3;300\n" +
	";45.4;4.4;\n" +
	"Cinq;45.5;4.5;500\n"

var mixedProblems = []csvimport.Problem{
	{Line: 3, Field: "lat", Message: "lat must be between -90 and 90"},
	{Line: 3, Field: "potential", Message: "potential must not be negative"},
	{Line: 5, Field: "name", Message: "name is required"},
}

func TestImportSkip(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) accounts.Store) {
		for _, batch := range []int{0, 1, 2} {
			t.Run("batch "+itoa(int64(batch)), func(t *testing.T) {
				f := newFixture(t, open)
				var writes []csvimport.Progress
				rep, err := f.importString(t, mixed, csvimport.Options{Kind: csvimport.Accounts, Mode: csvimport.Skip, BatchSize: batch,
					Progress: func(p csvimport.Progress) {
						if p.Stage == csvimport.StageWrite {
							writes = append(writes, p)
						}
					}})
				if err != nil {
					t.Fatalf("Import: %v", err)
				}
				if rep.Rows != 5 || rep.Valid != 3 || rep.Created != 3 || rep.Skipped != 2 || rep.BadRows() != 2 {
					t.Errorf("report: got rows %d, valid %d, created %d, skipped %d; want 5, 3, 3, 2", rep.Rows, rep.Valid, rep.Created, rep.Skipped)
				}
				if !slices.Equal(rep.Problems, mixedProblems) {
					t.Errorf("problems:\ngot  %+v\nwant %+v", rep.Problems, mixedProblems)
				}
				var names []string
				for _, a := range f.listAccounts(t) {
					names = append(names, a.Name)
				}
				if want := []string{"Un", "Trois", "Cinq"}; !slices.Equal(names, want) {
					t.Errorf("accounts: got %q, want %q", names, want)
				}
				if last := writes[len(writes)-1]; last.Done != 3 || last.Total != 3 {
					t.Errorf("last write progress: got %+v, want 3 of 3", last)
				}
			})
		}
	})
}

func TestImportAllOrNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) accounts.Store) {
		f := newFixture(t, open)
		rep, err := f.importString(t, mixed, csvimport.Options{Kind: csvimport.Accounts})
		if !errors.Is(err, accounts.ErrInvalid) || !strings.Contains(err.Error(), "2 of 5 rows have problems; nothing was written") {
			t.Errorf("error: got %v, want 2 of 5 rows have problems", err)
		}
		if !slices.Equal(rep.Problems, mixedProblems) {
			t.Errorf("problems:\ngot  %+v\nwant %+v", rep.Problems, mixedProblems)
		}
		if n := f.written(t); rep.Created != 0 || n != 0 {
			t.Errorf("created %d, store has %d new records; want none", rep.Created, n)
		}
	})
}

func TestImportDryRun(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) accounts.Store) {
		f := newFixture(t, open) // no case may write anything
		for _, c := range []struct {
			name      string
			in        string
			mode      csvimport.Mode
			wantValid int
			wantErr   bool
		}{
			{"good file", "name;lat;lng\nUn;45;4\nDeux;46;5\n", csvimport.AllOrNothing, 2, false},
			{"bad rows, all or nothing", mixed, csvimport.AllOrNothing, 3, true},
			{"bad rows, skip", mixed, csvimport.Skip, 3, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				rep, err := f.importString(t, c.in, csvimport.Options{Kind: csvimport.Accounts, Mode: c.mode, DryRun: true})
				if (err != nil) != c.wantErr {
					t.Errorf("error: got %v, want error %v", err, c.wantErr)
				}
				if rep.Valid != c.wantValid || rep.Created != 0 || !rep.DryRun {
					t.Errorf("report: got valid %d, created %d; want %d, 0", rep.Valid, rep.Created, c.wantValid)
				}
				if n := f.written(t); n != 0 {
					t.Errorf("store: got %d records written, want none", n)
				}
			})
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

package csvimport_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/csvimport"
)

// TestImport100k imports 100,000 generated accounts into each store and logs
// the time it took and the memory it used. It is a measurement, not an
// assertion, and runs only when asked, one store at a time so that the peak
// RSS is that store's (GOMEMLIMIT=off measures without the command's soft
// memory limit):
//
//	TOURNEE_IMPORT_100K=1 go test -run 'TestImport100k/sqlite' -v ./accounts/csvimport
//	TOURNEE_IMPORT_100K=1 go test -run 'TestImport100k/postgres' -v ./accounts/csvimport
func TestImport100k(t *testing.T) {
	if os.Getenv("TOURNEE_IMPORT_100K") == "" {
		t.Skip("set TOURNEE_IMPORT_100K=1 to import 100,000 accounts")
	}
	forEachStore(t, func(t *testing.T, open func(testing.TB) accounts.Store) {
		import100k(t, newFixture(t, open))
	})
}

func import100k(t *testing.T, f fixture) {
	const n = 100_000
	path := filepath.Join(t.TempDir(), "accounts.csv")
	writeAccounts(t, path, n)
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	st, _ := file.Stat()

	if os.Getenv("GOMEMLIMIT") == "" {
		// As 'tournee import' runs it (cmd/tournee/import.go).
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(256 << 20))
	}
	runtime.GC()
	start := time.Now()
	rep, err := csvimport.Import(context.Background(), f.svc, file, csvimport.Options{Kind: csvimport.Accounts})
	took := time.Since(start)
	if err != nil {
		t.Fatalf("Import: %v (first problems %v)", err, rep.Problems[:min(5, len(rep.Problems))])
	}
	if rep.Created != n {
		t.Fatalf("created: got %d, want %d", rep.Created, n)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("imported %d accounts (%.1f MB of CSV, %s) in %s; Go runtime memory %.0f MB (Sys), peak RSS %s",
		n, float64(st.Size())/1e6, rep.Encoding, took.Round(time.Millisecond), float64(ms.Sys)/1e6, peakRSS())

	got, err := f.svc.ListAccounts(context.Background(), accounts.AccountFilter{Page: accounts.Page{After: f.accountID + n - 1}})
	if err != nil || len(got) != 1 || got[0].Name != fmt.Sprintf("Compte %d", n-1) {
		t.Errorf("last account: got %v, %v", got, err)
	}
}

// writeAccounts writes n accounts around France as a French Excel would:
// Windows-1252, ';', decimal commas.
func writeAccounts(t *testing.T, path string, n int) {
	t.Helper()
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(file)
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []string{"client", "prospect", "ancien client"}
	sectors := []string{"Menuiserie", "Boulangerie", "Garage", "Pharmacie", "Hôtellerie"}
	fmt.Fprintln(w, "Raison sociale;Type;SIRET;Adresse;Code postal;Ville;Latitude;Longitude;Potentiel;Segment;Tags;Durée visite;Commercial;Taille;Secteur")
	for i := range n {
		lat := 43 + rng.Float64()*6
		lng := -1 + rng.Float64()*8
		line := fmt.Sprintf("Compte %d;%s;%014d;%d rue de la République;%05d;Béziers;%.6f;%.6f;%d %03d,%02d;PME;bois|export;%d;%s;10-49;%s\n",
			i, kinds[i%3], 30_000_000_000_000+i, 1+i%200, 1000+i%95000, lat, lng,
			1+rng.IntN(99), rng.IntN(1000), rng.IntN(100), 15+i%60, repEmail, sectors[i%5])
		w.WriteString(strings.ReplaceAll(strings.ReplaceAll(line, "é", "\xe9"), "ô", "\xf4"))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
}

// peakRSS reads the process's resident-memory high-water mark on Linux.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultTestURL is the server OpenTest uses when TEST_DATABASE_URL is not set.
const DefaultTestURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// OpenTest is for tests, of this package and of others (web): it returns a
// store over a migrated, empty database that no other test uses while t
// runs, on the server given by TEST_DATABASE_URL (default DefaultTestURL, a
// role that may create databases). Ids start at 1 in each store.
//
// When the server cannot be reached the test is skipped with a hint, or
// fails when CI=true, since CI must run these tests.
//
// Creating and dropping a database costs about a second once PostGIS is in
// it, and the conformance suite opens a store per subtest, so OpenTest keeps
// a pool of databases on the server: tournee_test_<hash>_<n>, copied from a
// migrated template (tournee_test_<hash>_template; the hash is that of the
// migrations, so a schema change gets new ones). A test holds an advisory
// lock on its database while it runs, which keeps other tests and other
// test processes out, and empties it with DELETE when it takes it: one
// commit, no DDL. The databases stay for later runs; drop them at will.
func OpenTest(t testing.TB) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	server := os.Getenv("TEST_DATABASE_URL")
	if server == "" {
		server = DefaultTestURL
	}
	admin, err := connectAdmin(ctx, server)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s is unreachable and CI requires it: %v", redact(server), err)
		}
		t.Skipf("PostgreSQL at %s is unreachable (%v): start PostgreSQL or set TEST_DATABASE_URL", redact(server), err)
	}
	// admin lives as long as the store: its session holds the lock.
	t.Cleanup(func() { admin.Close(context.Background()) })

	prefix, err := testPrefix(ctx, admin)
	if err != nil {
		t.Fatalf("postgres test databases: %v", err)
	}
	name, err := claimTestDatabase(ctx, admin, server, prefix)
	if err != nil {
		t.Fatalf("postgres test database: %v", err)
	}
	// A test needs no durability: not waiting for the disk at each commit
	// makes the suite several times faster on a busy machine.
	db, err := Open(ctx, withDatabase(server, name, "synchronous_commit", "off"))
	if err != nil {
		t.Fatalf("open test database %s: %v", name, err)
	}
	t.Cleanup(func() { db.Close() }) // runs before admin closes: cleanups run last first
	if err := emptyTestDatabase(ctx, db); err != nil {
		t.Fatalf("empty test database %s: %v", name, err)
	}
	return db
}

// claimTestDatabase locks the first pool database no one holds, creating
// it from the template if it does not exist yet.
func claimTestDatabase(ctx context.Context, admin *pgx.Conn, server, prefix string) (string, error) {
	template, err := testTemplate(ctx, admin, server, prefix)
	if err != nil {
		return "", err
	}
	for n := range 100 {
		name := fmt.Sprintf("%s_%d", prefix, n)
		var locked bool
		if err := admin.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, name).Scan(&locked); err != nil {
			return "", err
		}
		if !locked {
			continue
		}
		var exists bool
		if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
			return "", err
		}
		if !exists {
			if _, err := admin.Exec(ctx, "CREATE DATABASE "+quote(name)+" TEMPLATE "+quote(template)); err != nil {
				return "", err
			}
		}
		return name, nil
	}
	return "", fmt.Errorf("all 100 test databases %s_* are in use", prefix)
}

// testTables are the tables a test writes, children first for the
// foreign keys.
var testTables = []string{"changes", "idempotency_keys", "deliveries", "webhooks", "alerts", "rule_firings", "rules",
	"account_assignments", "revenue", "contacts", "opportunities", "activities", "tasks", "territories",
	"accounts", "stages", "credentials", "users"}

// noIDTables are the test tables without an identity column to restart.
var noIDTables = []string{"changes", "idempotency_keys", "rule_firings", "account_assignments", "revenue"}

// emptyTestDatabase deletes every record and restarts ids and the change
// feed, as in a database just migrated. A test leaves few rows, and DELETE
// empties them in one commit without DDL; but after a bulk test the dead
// rows would slow every later test until autovacuum came, so then TRUNCATE
// gives the space back. Sent as one simple-protocol query, the statements
// run in one implicit transaction and one round trip.
func emptyTestDatabase(ctx context.Context, db *DB) error {
	var size int64
	err := db.pool.QueryRow(ctx, `SELECT sum(pg_total_relation_size(t::regclass))::bigint FROM unnest($1::text[]) AS t`,
		testTables).Scan(&size)
	if err != nil {
		return err
	}
	var q strings.Builder
	if size > 8<<20 {
		q.WriteString("TRUNCATE " + strings.Join(testTables, ", ") + " RESTART IDENTITY;")
	} else {
		for _, t := range testTables {
			q.WriteString("DELETE FROM " + t + ";")
			if !slices.Contains(noIDTables, t) {
				q.WriteString("SELECT setval(pg_get_serial_sequence('" + t + "', 'id'), 1, false);")
			}
		}
	}
	q.WriteString("UPDATE change_counter SET seq = 0")
	_, err = db.pool.Exec(ctx, q.String(), pgx.QueryExecModeSimpleProtocol)
	return err
}

// testPrefix names the test databases after the migrations and whether
// PostGIS is available: a template built before PostGIS was installed
// lacks the geometry columns.
func testPrefix(ctx context.Context, admin *pgx.Conn) (string, error) {
	var postgis bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis')`).Scan(&postgis); err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintln(h, "postgis", postgis)
	err := fs.WalkDir(migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.ReadFile(path)
		fmt.Fprintln(h, path, len(b))
		h.Write(b)
		return err
	})
	return "tournee_test_" + hex.EncodeToString(h.Sum(nil))[:12], err
}

func connectAdmin(ctx context.Context, server string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return pgx.Connect(ctx, server)
}

// templates remembers the template this process already checked.
var templates struct {
	sync.Mutex
	name string
}

// testTemplate returns the name of the migrated template of the pool,
// creating it if no process has yet. An advisory lock (scoped to the admin
// database, which every test process connects to) keeps two test binaries
// from building it together; the build happens under a temporary name and
// is renamed when complete, so a killed run leaves no half-built template.
func testTemplate(ctx context.Context, admin *pgx.Conn, server, prefix string) (string, error) {
	templates.Lock()
	defer templates.Unlock()
	if templates.name != "" {
		return templates.name, nil
	}
	name := prefix + "_template"

	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(hashtext($1))`, name); err != nil {
		return "", err
	}
	defer admin.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext($1))`, name)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		building := name + "_" + randomHex(4)
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+quote(building)); err != nil {
			return "", err
		}
		err := func() error {
			db, err := Open(ctx, withDatabase(server, building))
			if err != nil {
				return err
			}
			defer db.Close()
			return db.Migrate(ctx)
		}()
		if err == nil {
			_, err = admin.Exec(ctx, "ALTER DATABASE "+quote(building)+" RENAME TO "+quote(name))
		}
		if err != nil {
			admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(building)+" WITH (FORCE)")
			return "", err
		}
	}
	templates.name = name
	return name, nil
}

// withDatabase returns the connection string server with its database
// replaced by name and with the given run-time parameters (key, value...).
func withDatabase(server, name string, params ...string) string {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		s := server + " dbname=" + name // key=value form: the last key wins
		for i := 0; i+1 < len(params); i += 2 {
			s += " " + params[i] + "=" + params[i+1]
		}
		return s
	}
	u.Path = "/" + name
	q := u.Query()
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// redact hides the password of a connection URL in messages.
func redact(server string) string {
	if u, err := url.Parse(server); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return "the server of TEST_DATABASE_URL"
}

func quote(ident string) string { return pgx.Identifier{ident}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}

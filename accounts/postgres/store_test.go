package postgres_test

import (
	"testing"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/postgres"
	"github.com/tournee/tournee/accounts/storetest"
)

// TestStore runs the conformance suite that the SQLite store passes too.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) accounts.Store { return postgres.OpenTest(t) })
}

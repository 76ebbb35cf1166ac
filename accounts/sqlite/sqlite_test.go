package sqlite

import (
	"testing"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/storetest"
)

// TestStore runs the conformance suite that every store passes.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) accounts.Store { return openTest(t) })
}

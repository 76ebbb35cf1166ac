package accounts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

func TestPasswordHash(t *testing.T) {
	h, err := accounts.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "horse") {
		t.Errorf("hash %q is not an argon2id PHC string, or shows the password", h)
	}
	h2, err := accounts.HashPassword("correct horse battery")
	if err != nil || h2 == h {
		t.Errorf("two hashes of one password are equal (%v): the salt is not random", err)
	}
	tests := []struct {
		name, hash, pw string
		want           bool
	}{
		{"right", h, "correct horse battery", true},
		{"other salt, right", h2, "correct horse battery", true},
		{"wrong", h, "correct horse batterie", false},
		{"empty", h, "", false},
		{"truncated hash", h[:len(h)-4], "correct horse battery", false},
		{"other algorithm", strings.Replace(h, "argon2id", "argon2i", 1), "correct horse battery", false},
		{"absurd memory", strings.Replace(h, "m=19456", "m=999999999", 1), "correct horse battery", false},
		{"not a hash", "plain", "plain", false},
	}
	for _, tc := range tests {
		if got := accounts.CheckPassword(tc.hash, tc.pw); got != tc.want {
			t.Errorf("%s: CheckPassword = %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := accounts.HashPassword("short"); err == nil {
		t.Error("a 5-character password was accepted")
	}
	if accounts.CheckNoPassword("anything") {
		t.Error("CheckNoPassword succeeded")
	}
}

func TestSecrets(t *testing.T) {
	s1, h1, err := accounts.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	s2, h2, _ := accounts.NewSecret()
	if s1 == s2 || h1 == h2 || len(s1) < 40 {
		t.Errorf("secrets %q and %q are equal or short", s1, s2)
	}
	if accounts.SecretHash(s1) != h1 || strings.Contains(h1, s1) {
		t.Errorf("hash %q of %q does not match or contains it", h1, s1)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	revoked := now.Add(-time.Minute)
	tests := []struct {
		name string
		c    accounts.Credential
		idle time.Duration
		want bool
	}{
		{"fresh", accounts.Credential{ExpiresAt: now.Add(time.Hour), LastUsed: now}, 0, true},
		{"expired", accounts.Credential{ExpiresAt: now, LastUsed: now}, 0, false},
		{"revoked", accounts.Credential{ExpiresAt: now.Add(time.Hour), LastUsed: now, RevokedAt: &revoked}, 0, false},
		{"idle too long", accounts.Credential{ExpiresAt: now.Add(time.Hour), LastUsed: now.Add(-31 * time.Minute)}, 30 * time.Minute, false},
		{"idle but in time", accounts.Credential{ExpiresAt: now.Add(time.Hour), LastUsed: now.Add(-29 * time.Minute)}, 30 * time.Minute, true},
	}
	for _, tc := range tests {
		if got := tc.c.Active(now, tc.idle); got != tc.want {
			t.Errorf("%s: Active = %v, want %v", tc.name, got, tc.want)
		}
	}
}

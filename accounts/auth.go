package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Sign-in: passwords hashed with argon2id, and credentials — browser
// sessions, access and refresh tokens, personal API tokens — that are
// random secrets of which stores keep only a SHA-256 hash. A secret has 256
// bits of entropy, so a fast hash is enough to make a stolen table useless;
// passwords are low-entropy and get the slow, memory-hard hash.

// Argon2id parameters: 19 MiB, two passes, one lane, the minimum that
// current guidance recommends; about 30 ms a check on one core, which also
// caps how fast one process can be used to guess.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 12

// HashPassword returns pw hashed with argon2id in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), which carries its parameters so
// that they can be raised later without invalidating stored hashes.
func HashPassword(pw string) (string, error) {
	if len([]rune(pw)) < MinPasswordLen {
		return "", invalid("password", "password must be at least %d characters", MinPasswordLen)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches hash, in time that does not
// depend on where they differ. A malformed hash matches nothing.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 16 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked when the e-mail names nobody, so that a sign-in
// takes as long whether or not the account exists.
var dummyHash = func() string {
	h, err := HashPassword("not a password of anyone")
	if err != nil {
		panic(err)
	}
	return h
}()

// CheckNoPassword spends the time of a password check and fails: call it
// when there is no user, so that timing does not tell which part was wrong.
func CheckNoPassword(pw string) bool {
	CheckPassword(dummyHash, pw)
	return false
}

// CredentialKind is what a credential is for.
type CredentialKind string

const (
	// CredentialSession is a browser session, carried by a cookie.
	CredentialSession CredentialKind = "session"
	// CredentialAccess is a short-lived bearer token for the API.
	CredentialAccess CredentialKind = "access"
	// CredentialRefresh trades for a new access token; revocable.
	CredentialRefresh CredentialKind = "refresh"
	// CredentialAPI is a personal API token a user creates for a script
	// or an integration, until it expires or is revoked.
	CredentialAPI CredentialKind = "api"
)

// Credential is a signed-in state: the secret itself is never stored, only
// its hash (see NewSecret).
type Credential struct {
	ID     int64          `json:"id"`
	UserID int64          `json:"user_id"`
	Kind   CredentialKind `json:"kind"`
	// Name labels an API token ("export ERP"), or a session's client.
	Name string `json:"name"`
	Hash string `json:"-"`
	// Parent is the refresh token an access token was made from, so that
	// revoking the refresh token revokes what it made.
	Parent    *int64     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  time.Time  `json:"last_used"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// Active reports whether c may be used at now: not revoked and not
// expired; idle, when not zero, also ends it idle after LastUsed.
func (c Credential) Active(now time.Time, idle time.Duration) bool {
	if c.RevokedAt != nil || !now.Before(c.ExpiresAt) {
		return false
	}
	return idle == 0 || now.Sub(c.LastUsed) < idle
}

// NewSecret returns a new random secret, as given to the client, and the
// hash a store keeps of it.
func NewSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, SecretHash(secret), nil
}

// SecretHash is the hash a store keeps of a secret, and looks it up by.
func SecretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// AuthStore keeps passwords and credentials. Stores implement it.
//
// Neither is part of a record: User has no field for the password hash and
// no other read returns it; setting a password or writing a credential
// moves no version and writes no change row, so that a password change
// makes no concurrent edit of the user stale and the change feed tells
// replicas nothing of it. No error of these methods carries a hash. Times
// are kept in UTC, truncated to the microsecond. A user's credentials go
// with the user (DeleteUser), and those made from a credential (Parent)
// with that credential.
type AuthStore interface {
	// SetPasswordHash stores the hash of user id's password, "" removing
	// it; ErrNotFound if there is no such user.
	SetPasswordHash(ctx context.Context, userID int64, hash string) error
	// PasswordHash returns the user with email (any case) and the hash of
	// their password, "" if they have none; ErrNotFound if there is no
	// such user.
	PasswordHash(ctx context.Context, email string) (User, string, error)

	// CreateCredential stores c (ID and CreatedAt are the store's; a zero
	// LastUsed is CreatedAt; RevokedAt is ignored). An unknown user or
	// Parent, or an empty Hash, is ErrInvalid; a Hash already stored is
	// ErrConflict.
	CreateCredential(ctx context.Context, c Credential) (Credential, error)
	// CredentialByHash returns the credential with hash and its user,
	// ErrNotFound if there is none (revoked and expired ones included:
	// the caller decides with Active).
	CredentialByHash(ctx context.Context, hash string) (Credential, User, error)
	// TouchCredential records a use at at; LastUsed never moves back,
	// since concurrent requests may report their uses out of order.
	// ErrNotFound if there is no credential id.
	TouchCredential(ctx context.Context, id int64, at time.Time) error
	// RevokeCredential revokes credential id of userID and those made from
	// it (Parent names it), in one statement; ErrNotFound, revoking
	// nothing, if userID has no such credential. A credential already
	// revoked keeps the time of its first revocation.
	RevokeCredential(ctx context.Context, userID, id int64, at time.Time) error
	// RevokeCredentials revokes every credential of userID (a password
	// change, a user removed from the team); those already revoked keep
	// their time.
	RevokeCredentials(ctx context.Context, userID int64, at time.Time) error
	// ListCredentials returns userID's credentials not yet expired at now
	// (revoked ones included, with RevokedAt), newest first: by CreatedAt,
	// then id.
	ListCredentials(ctx context.Context, userID int64, now time.Time) ([]Credential, error)
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
)

// Passwords and credentials (accounts.AuthStore). The password hash lives
// in users.password_hash, which no user read selects: userColumns names its
// columns, and only PasswordHash adds that one. Neither a password nor a
// credential write is a record write: no version moves, no change row is
// written. No error carries a hash.

// credentialColumns are the columns scanCredential reads, in its order.
const credentialColumns = `id, user_id, kind, name, hash, parent_id, created_at, last_used, expires_at, revoked_at`

const (
	setPasswordHash = `UPDATE users SET password_hash = NULLIF($2, '') WHERE id = $1`
	// passwordHash reads the hash before the user's columns (see prefixed).
	passwordHash = `SELECT coalesce(password_hash, ''), ` + userColumns + ` FROM users WHERE lower(email) = lower($1)`

	insertCredential = `INSERT INTO credentials (user_id, kind, name, hash, parent_id, created_at, last_used, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING ` + credentialColumns
	// credentialByHash joins the user through userColumns, which leave
	// out the password hash.
	credentialByHash = `SELECT c.*, u.* FROM (SELECT ` + credentialColumns + ` FROM credentials WHERE hash = $1) AS c
JOIN (SELECT ` + userColumns + ` FROM users) AS u ON u.id = c.user_id`
	// touchCredential never moves last_used back: concurrent requests may
	// report their uses out of order.
	touchCredential = `UPDATE credentials SET last_used = greatest(last_used, $2) WHERE id = $1`
	// revokeCredential revokes $2 if it is user $3's, and the credentials
	// made from it, in one statement; an earlier revocation keeps its time.
	revokeCredential = `UPDATE credentials SET revoked_at = coalesce(revoked_at, $1)
WHERE (id = $2 AND user_id = $3)
   OR parent_id IN (SELECT id FROM credentials WHERE id = $2 AND user_id = $3)`
	revokeCredentials = `UPDATE credentials SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`
	listCredentials   = `SELECT ` + credentialColumns + ` FROM credentials
WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id DESC`
)

// credentialDests are the scan destinations of credentialColumns into c;
// pass c to utc after the scan.
func credentialDests(c *accounts.Credential) []any {
	return []any{&c.ID, &c.UserID, &c.Kind, &c.Name, &c.Hash, &c.Parent, &c.CreatedAt, &c.LastUsed, &c.ExpiresAt, &c.RevokedAt}
}

// utc brings the times of c, as read, to UTC.
func utc(c *accounts.Credential) {
	c.CreatedAt, c.LastUsed, c.ExpiresAt = c.CreatedAt.UTC(), c.LastUsed.UTC(), c.ExpiresAt.UTC()
	if c.RevokedAt != nil {
		*c.RevokedAt = c.RevokedAt.UTC()
	}
}

func scanCredential(row scanner) (accounts.Credential, error) {
	var c accounts.Credential
	err := row.Scan(credentialDests(&c)...)
	utc(&c)
	return c, err
}

// prefixed is a scanner whose rows hold the columns of dest first, then
// those its caller scans: one row gives a credential and its user.
type prefixed struct {
	s    scanner
	dest []any
}

func (p prefixed) Scan(dest ...any) error { return p.s.Scan(append(slices.Clip(p.dest), dest...)...) }

// SetPasswordHash stores the hash of user userID's password; "" removes
// it. The user's version and updated_at stay, and no change row is written.
func (db *DB) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	return db.execOne(ctx, accounts.NotFound(accounts.EntityUser, userID), setPasswordHash, userID, hash)
}

// PasswordHash returns the user with email, whatever its case, and the
// hash of their password, "" if they have none.
func (db *DB) PasswordHash(ctx context.Context, email string) (accounts.User, string, error) {
	var hash string
	u, err := scanUser(prefixed{db.pool.QueryRow(ctx, passwordHash, email), []any{&hash}})
	if errors.Is(err, pgx.ErrNoRows) {
		return accounts.User{}, "", fmt.Errorf("%w: no user with email %q", accounts.ErrNotFound, email)
	}
	if err != nil {
		return accounts.User{}, "", translate(err, false)
	}
	return u, hash, nil
}

// CreateCredential stores c. ID and CreatedAt are the store's; a zero
// LastUsed is CreatedAt, and RevokedAt is ignored. An unknown user or
// parent is ErrInvalid, a hash already stored ErrConflict.
func (db *DB) CreateCredential(ctx context.Context, c accounts.Credential) (accounts.Credential, error) {
	now := db.now()
	if c.LastUsed.IsZero() {
		c.LastUsed = now
	}
	out, err := scanCredential(db.pool.QueryRow(ctx, insertCredential, c.UserID, string(c.Kind), c.Name, c.Hash, c.Parent,
		now, ts(c.LastUsed), ts(c.ExpiresAt)))
	if err != nil {
		return accounts.Credential{}, translate(err, false)
	}
	return out, nil
}

// CredentialByHash returns the credential with hash and its user, revoked
// and expired ones included.
func (db *DB) CredentialByHash(ctx context.Context, hash string) (accounts.Credential, accounts.User, error) {
	var c accounts.Credential
	u, err := scanUser(prefixed{db.pool.QueryRow(ctx, credentialByHash, hash), credentialDests(&c)})
	if errors.Is(err, pgx.ErrNoRows) {
		return accounts.Credential{}, accounts.User{}, fmt.Errorf("%w: credential", accounts.ErrNotFound)
	}
	if err != nil {
		return accounts.Credential{}, accounts.User{}, translate(err, false)
	}
	utc(&c)
	return c, u, nil
}

// TouchCredential records a use of credential id at at; LastUsed never
// moves back.
func (db *DB) TouchCredential(ctx context.Context, id int64, at time.Time) error {
	return db.execOne(ctx, fmt.Errorf("%w: credential %d", accounts.ErrNotFound, id), touchCredential, id, ts(at))
}

// RevokeCredential revokes credential id of userID and those made from it.
func (db *DB) RevokeCredential(ctx context.Context, userID, id int64, at time.Time) error {
	return db.execOne(ctx, fmt.Errorf("%w: credential %d of user %d", accounts.ErrNotFound, id, userID),
		revokeCredential, ts(at), id, userID)
}

// RevokeCredentials revokes every credential of userID not yet revoked.
func (db *DB) RevokeCredentials(ctx context.Context, userID int64, at time.Time) error {
	_, err := db.pool.Exec(ctx, revokeCredentials, userID, ts(at))
	return translate(err, false)
}

// ListCredentials returns userID's credentials not expired at now, revoked
// ones included, newest first.
func (db *DB) ListCredentials(ctx context.Context, userID int64, now time.Time) ([]accounts.Credential, error) {
	return list(ctx, db, scanCredential, listCredentials, userID, ts(now))
}

// execOne runs a write statement and returns missing when it changed no row.
func (db *DB) execOne(ctx context.Context, missing error, query string, args ...any) error {
	tag, err := db.pool.Exec(ctx, query, args...)
	if err != nil {
		return translate(err, false)
	}
	if tag.RowsAffected() == 0 {
		return missing
	}
	return nil
}

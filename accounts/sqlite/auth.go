package sqlite

import (
	"context"
	"slices"
	"time"

	"github.com/tournee/tournee/accounts"
)

// Passwords and credentials (accounts.AuthStore). The password hash lives
// in users.password_hash, which no user read selects: selectUser names its
// columns, and only PasswordHash adds that one. Neither a password nor a
// credential write is a record write: no version moves, no change row is
// written. No error carries a hash.

// credentialColumns are the columns scanCredential reads, in its order.
const credentialColumns = `id, user_id, kind, name, hash, parent_id, created_at, last_used, expires_at, revoked_at`

const (
	selectCredential = `SELECT ` + credentialColumns + ` FROM credentials`

	setPasswordHash = `UPDATE users SET password_hash = NULLIF(?, '') WHERE id = ?`
	// passwordHash reads the hash before the user's columns (see prefixed).
	passwordHash = `SELECT coalesce(password_hash, ''), ` + userColumns + ` FROM users WHERE email_key = ?`

	insertCredential = `INSERT INTO credentials (user_id, kind, name, hash, parent_id, created_at, last_used, expires_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	// credentialByHash joins the user through selectUser, whose explicit
	// columns leave out the password hash.
	credentialByHash = `SELECT c.*, u.* FROM (` + selectCredential + ` WHERE hash = ?) AS c
	JOIN (` + selectUser + `) AS u ON u.id = c.user_id`
	// touchCredential never moves last_used back: concurrent requests may
	// report their uses out of order. Fixed-width text compares as time.
	touchCredential = `UPDATE credentials SET last_used = max(last_used, ?) WHERE id = ?`
	// revokeCredential revokes ?2 if it is user ?3's, and the credentials
	// made from it, in one statement; an earlier revocation keeps its time.
	revokeCredential = `UPDATE credentials SET revoked_at = coalesce(revoked_at, ?1)
	WHERE (id = ?2 AND user_id = ?3)
	   OR parent_id IN (SELECT id FROM credentials WHERE id = ?2 AND user_id = ?3)`
	revokeCredentials = `UPDATE credentials SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`
	listCredentials   = selectCredential + ` WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC, id DESC`
)

// credentialDests are the scan destinations of credentialColumns into c.
func credentialDests(c *accounts.Credential) []any {
	return []any{&c.ID, &c.UserID, &c.Kind, &c.Name, &c.Hash, &c.Parent,
		timeCol{&c.CreatedAt}, timeCol{&c.LastUsed}, timeCol{&c.ExpiresAt}, nullTimeCol{&c.RevokedAt}}
}

func scanCredential(s scanner) (accounts.Credential, error) {
	var c accounts.Credential
	err := s.Scan(credentialDests(&c)...)
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
	return db.execOne(ctx, accounts.NotFound(accounts.EntityUser, userID), setPasswordHash, hash, userID)
}

// PasswordHash returns the user with email, whatever its case, and the
// hash of their password, "" if they have none.
func (db *DB) PasswordHash(ctx context.Context, email string) (accounts.User, string, error) {
	var hash string
	u, err := scanUser(prefixed{db.db.QueryRowContext(ctx, passwordHash, emailKey(email)), []any{&hash}})
	if isNoRows(err) {
		return accounts.User{}, "", notFoundf("user with email %q", email)
	}
	if err != nil {
		return accounts.User{}, "", err
	}
	return u, hash, nil
}

// CreateCredential stores c. ID and CreatedAt are the store's; a zero
// LastUsed is CreatedAt, and RevokedAt is ignored. An unknown user or
// parent is ErrInvalid, a hash already stored ErrConflict.
func (db *DB) CreateCredential(ctx context.Context, c accounts.Credential) (accounts.Credential, error) {
	c.CreatedAt = db.now()
	if c.LastUsed.IsZero() {
		c.LastUsed = c.CreatedAt
	}
	c.LastUsed, c.ExpiresAt, c.RevokedAt = truncated(c.LastUsed), truncated(c.ExpiresAt), nil
	res, err := db.db.ExecContext(ctx, insertCredential, c.UserID, c.Kind, c.Name, c.Hash, c.Parent,
		formatTime(c.CreatedAt), formatTime(c.LastUsed), formatTime(c.ExpiresAt))
	if err != nil {
		return accounts.Credential{}, writeError(err)
	}
	if c.ID, err = res.LastInsertId(); err != nil {
		return accounts.Credential{}, err
	}
	return c, nil
}

// CredentialByHash returns the credential with hash and its user, revoked
// and expired ones included.
func (db *DB) CredentialByHash(ctx context.Context, hash string) (accounts.Credential, accounts.User, error) {
	var c accounts.Credential
	u, err := scanUser(prefixed{db.db.QueryRowContext(ctx, credentialByHash, hash), credentialDests(&c)})
	if isNoRows(err) {
		return accounts.Credential{}, accounts.User{}, notFoundf("credential")
	}
	if err != nil {
		return accounts.Credential{}, accounts.User{}, err
	}
	return c, u, nil
}

// TouchCredential records a use of credential id at at; LastUsed never
// moves back.
func (db *DB) TouchCredential(ctx context.Context, id int64, at time.Time) error {
	return db.execOne(ctx, notFoundf("credential %d", id), touchCredential, formatTime(at), id)
}

// RevokeCredential revokes credential id of userID and those made from it.
func (db *DB) RevokeCredential(ctx context.Context, userID, id int64, at time.Time) error {
	return db.execOne(ctx, notFoundf("credential %d of user %d", id, userID), revokeCredential, formatTime(at), id, userID)
}

// RevokeCredentials revokes every credential of userID not yet revoked.
func (db *DB) RevokeCredentials(ctx context.Context, userID int64, at time.Time) error {
	_, err := db.db.ExecContext(ctx, revokeCredentials, formatTime(at), userID)
	return err
}

// ListCredentials returns userID's credentials not expired at now, revoked
// ones included, newest first.
func (db *DB) ListCredentials(ctx context.Context, userID int64, now time.Time) ([]accounts.Credential, error) {
	return list(ctx, db.db, scanCredential, listCredentials, userID, formatTime(now))
}

// execOne runs a write statement and returns missing when it changed no row.
func (db *DB) execOne(ctx context.Context, missing error, query string, args ...any) error {
	res, err := db.db.ExecContext(ctx, query, args...)
	if err != nil {
		return writeError(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return missing
	}
	return nil
}

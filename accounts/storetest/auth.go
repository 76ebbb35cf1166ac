package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

// Passwords and credentials (accounts.AuthStore).

func testAuth(t *testing.T, open func(*testing.T) accounts.Store) {
	t.Run("Password", func(t *testing.T) { testPassword(t, open) })
	t.Run("PasswordNotARecordWrite", func(t *testing.T) { testPasswordNotARecordWrite(t, open) })
	t.Run("Credentials", func(t *testing.T) { testCredentials(t, open) })
	t.Run("CredentialErrors", func(t *testing.T) { testCredentialErrors(t, open) })
	t.Run("Touch", func(t *testing.T) { testTouchCredential(t, open) })
	t.Run("Revoke", func(t *testing.T) { testRevokeCredential(t, open) })
	t.Run("RevokeAll", func(t *testing.T) { testRevokeCredentials(t, open) })
	t.Run("List", func(t *testing.T) { testListCredentials(t, open) })
	t.Run("DeleteUser", func(t *testing.T) { testDeleteUserCredentials(t, open) })
}

// passwordFixture is a hash in the form HashPassword writes; computing a
// real one takes tens of milliseconds that the store does not care about.
func passwordFixture(i int) string {
	return fmt.Sprintf("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0%02d$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", i)
}

// credentialFixture is a credential of user with a hash of its own (i),
// used last at base and expiring at expires, given off UTC and below the
// microsecond so that the store must bring them to what it keeps.
func credentialFixture(user int64, kind accounts.CredentialKind, i int, parent *int64, expires time.Time) accounts.Credential {
	paris := time.FixedZone("CET", 3600)
	return accounts.Credential{
		UserID:    user,
		Kind:      kind,
		Name:      fmt.Sprintf("Firefox sur Linux %02d", i),
		Hash:      accounts.SecretHash(fmt.Sprintf("secret %d", i)),
		Parent:    parent,
		LastUsed:  base.Add(789 * time.Nanosecond).In(paris),
		ExpiresAt: expires.Add(789 * time.Nanosecond).In(paris),
	}
}

func credentialID(c accounts.Credential) int64 { return c.ID }

// credentialByHash reads back c.
func credentialByHash(t *testing.T, s accounts.Store, c accounts.Credential) accounts.Credential {
	t.Helper()
	got, _, err := s.CredentialByHash(context.Background(), c.Hash)
	noErr(t, "CredentialByHash", err)
	return got
}

// checkRevoked checks whether each of cs is revoked, and when want is not
// nil that it was at *want.
func checkRevoked(t *testing.T, what string, s accounts.Store, want *time.Time, cs ...accounts.Credential) {
	t.Helper()
	for _, c := range cs {
		got := credentialByHash(t, s, c).RevokedAt
		switch {
		case want == nil && got != nil:
			t.Errorf("%s: credential %d: got RevokedAt %v, want nil", what, c.ID, *got)
		case want != nil && got == nil:
			t.Errorf("%s: credential %d: got RevokedAt nil, want %v", what, c.ID, *want)
		case want != nil && !got.Equal(*want):
			t.Errorf("%s: credential %d: got RevokedAt %v, want %v", what, c.ID, *got, *want)
		case got != nil:
			checkStoredTime(t, what+": RevokedAt", *got)
		}
	}
}

// checkNoHash fails when the JSON form of v shows hash.
func checkNoHash(t *testing.T, what string, v any, hash string) {
	t.Helper()
	b, err := json.Marshal(v)
	noErr(t, "json.Marshal", err)
	if strings.Contains(string(b), hash) {
		t.Errorf("%s: got %s, want no password hash in it", what, b)
	}
}

func testPassword(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	ctx := w.ctx

	u, hash, err := w.s.PasswordHash(ctx, w.rep.Email)
	noErr(t, "PasswordHash before any is set", err)
	checkSame(t, "PasswordHash: user", u, w.rep)
	if hash != "" {
		t.Errorf("PasswordHash before any is set: got %q, want empty", hash)
	}

	noErr(t, "SetPasswordHash", w.s.SetPasswordHash(ctx, w.rep.ID, passwordFixture(1)))
	noErr(t, "SetPasswordHash", w.s.SetPasswordHash(ctx, w.manager.ID, passwordFixture(2)))
	// Any case, as UserByEmail.
	for _, email := range []string{w.rep.Email, strings.ToUpper(w.rep.Email), strings.ToUpper(w.rep.Email[:1]) + w.rep.Email[1:]} {
		u, hash, err := w.s.PasswordHash(ctx, email)
		noErr(t, "PasswordHash of "+email, err)
		checkSame(t, "PasswordHash of "+email+": user", u, w.rep)
		if want := passwordFixture(1); hash != want {
			t.Errorf("PasswordHash of %s: got %q, want %q", email, hash, want)
		}
	}

	// Replacing, then removing.
	noErr(t, "SetPasswordHash again", w.s.SetPasswordHash(ctx, w.rep.ID, passwordFixture(3)))
	if _, hash, _ := w.s.PasswordHash(ctx, w.rep.Email); hash != passwordFixture(3) {
		t.Errorf("PasswordHash after a change: got %q, want %q", hash, passwordFixture(3))
	}
	noErr(t, "SetPasswordHash empty", w.s.SetPasswordHash(ctx, w.rep.ID, ""))
	if _, hash, _ := w.s.PasswordHash(ctx, w.rep.Email); hash != "" {
		t.Errorf("PasswordHash after removal: got %q, want empty", hash)
	}
	if _, hash, _ := w.s.PasswordHash(ctx, w.manager.Email); hash != passwordFixture(2) {
		t.Errorf("PasswordHash of another user: got %q, want %q", hash, passwordFixture(2))
	}

	_, _, err = w.s.PasswordHash(ctx, "nobody@example.fr")
	wantErr(t, "PasswordHash of an unknown e-mail", err, accounts.ErrNotFound)
	err = w.s.SetPasswordHash(ctx, missingID, passwordFixture(4))
	wantErr(t, "SetPasswordHash of an unknown user", err, accounts.ErrNotFound)
	if err != nil && strings.Contains(err.Error(), passwordFixture(4)) {
		t.Errorf("SetPasswordHash of an unknown user: got error %q, want no hash in it", err)
	}
}

// testPasswordNotARecordWrite checks that a password is not part of the
// user record: setting it bumps nothing, logs no change, and no user read
// shows it.
func testPasswordNotARecordWrite(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	ctx := w.asActor
	seq, err := w.s.LastChangeSeq(ctx)
	noErr(t, "LastChangeSeq", err)
	hash := passwordFixture(1)
	noErr(t, "SetPasswordHash", w.s.SetPasswordHash(ctx, w.manager.ID, hash))
	if got, err := w.s.LastChangeSeq(ctx); err != nil || got != seq {
		t.Errorf("LastChangeSeq after SetPasswordHash: got %d (%v), want %d: no change row", got, err, seq)
	}

	got, err := w.s.GetUser(ctx, w.manager.ID)
	noErr(t, "GetUser", err)
	checkSame(t, "GetUser after SetPasswordHash", got, w.manager)
	checkNoHash(t, "GetUser", got, hash)
	byEmail, err := w.s.UserByEmail(ctx, w.manager.Email)
	noErr(t, "UserByEmail", err)
	checkNoHash(t, "UserByEmail", byEmail, hash)
	users, err := w.s.ListUsers(ctx, accounts.UserFilter{})
	noErr(t, "ListUsers", err)
	checkNoHash(t, "ListUsers", users, hash)
	u, _, err := w.s.PasswordHash(ctx, w.manager.Email)
	noErr(t, "PasswordHash", err)
	checkNoHash(t, "PasswordHash: user", u, hash)

	// The user's own writes leave the password alone.
	got.Name = "Élodie Fournier-Martin"
	_, err = w.s.UpdateUser(ctx, got, got.Version)
	noErr(t, "UpdateUser", err)
	if _, h, _ := w.s.PasswordHash(ctx, w.manager.Email); h != hash {
		t.Errorf("PasswordHash after UpdateUser: got %q, want %q", h, hash)
	}
}

func testCredentials(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	ctx := w.asActor
	seq, err := w.s.LastChangeSeq(ctx)
	noErr(t, "LastChangeSeq", err)

	in := credentialFixture(w.rep.ID, accounts.CredentialRefresh, 1, nil, day(30))
	in.ID, in.CreatedAt = 77, day(-400) // the store's
	revoked := day(-1)
	in.RevokedAt = &revoked // ignored
	c := mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, in)
	if c.ID <= 0 {
		t.Errorf("CreateCredential: got ID %d, want > 0", c.ID)
	}
	if c.CreatedAt.Equal(in.CreatedAt) {
		t.Errorf("CreateCredential: got CreatedAt %v as given, want the store's clock", c.CreatedAt)
	}
	checkStoredTime(t, "CreateCredential: CreatedAt", c.CreatedAt)
	checkStoredTime(t, "CreateCredential: LastUsed", c.LastUsed)
	checkStoredTime(t, "CreateCredential: ExpiresAt", c.ExpiresAt)
	if want := base; !c.LastUsed.Equal(want) {
		t.Errorf("CreateCredential: got LastUsed %v, want %v", c.LastUsed, want)
	}
	if want := day(30); !c.ExpiresAt.Equal(want) {
		t.Errorf("CreateCredential: got ExpiresAt %v, want %v", c.ExpiresAt, want)
	}
	if c.RevokedAt != nil {
		t.Errorf("CreateCredential: got RevokedAt %v, want nil", *c.RevokedAt)
	}
	want := in
	want.ID, want.CreatedAt, want.LastUsed, want.ExpiresAt, want.RevokedAt = c.ID, c.CreatedAt, base, day(30), nil
	checkSame(t, "CreateCredential", c, want)

	got, u, err := w.s.CredentialByHash(ctx, accounts.SecretHash("secret 1"))
	noErr(t, "CredentialByHash", err)
	checkSame(t, "CredentialByHash", got, c)
	checkSame(t, "CredentialByHash: user", u, w.rep)

	// An access token made from it; a zero LastUsed is its creation.
	access := credentialFixture(w.rep.ID, accounts.CredentialAccess, 2, &c.ID, day(1))
	access.LastUsed = time.Time{}
	a := mustCreate(t, "CreateCredential with parent", ctx, w.s.CreateCredential, access)
	if a.Parent == nil || *a.Parent != c.ID {
		t.Errorf("CreateCredential with parent: got Parent %v, want %d", a.Parent, c.ID)
	}
	if !a.LastUsed.Equal(a.CreatedAt) {
		t.Errorf("CreateCredential with zero LastUsed: got %v, want CreatedAt %v", a.LastUsed, a.CreatedAt)
	}
	checkSame(t, "CredentialByHash of the access token", credentialByHash(t, w.s, a), a)

	// Each kind round-trips.
	for i, kind := range []accounts.CredentialKind{accounts.CredentialSession, accounts.CredentialAPI} {
		c := mustCreate(t, "CreateCredential "+string(kind), ctx, w.s.CreateCredential,
			credentialFixture(w.manager.ID, kind, 10+i, nil, day(365)))
		checkSame(t, "CredentialByHash of "+string(kind), credentialByHash(t, w.s, c), c)
	}

	if got, err := w.s.LastChangeSeq(ctx); err != nil || got != seq {
		t.Errorf("LastChangeSeq after credential writes: got %d (%v), want %d: no change row", got, err, seq)
	}
}

func testCredentialErrors(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	ctx := w.ctx
	c := mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, credentialFixture(w.rep.ID, accounts.CredentialSession, 1, nil, day(1)))

	unknown := accounts.SecretHash("never issued")
	_, _, err := w.s.CredentialByHash(ctx, unknown)
	wantErr(t, "CredentialByHash of an unknown hash", err, accounts.ErrNotFound)
	if err != nil && strings.Contains(err.Error(), unknown) {
		t.Errorf("CredentialByHash of an unknown hash: got error %q, want no hash in it", err)
	}

	// A second credential with the same hash, even of another user.
	dup := credentialFixture(w.manager.ID, accounts.CredentialAPI, 1, nil, day(2))
	_, err = w.s.CreateCredential(ctx, dup)
	wantErr(t, "CreateCredential with a hash in use", err, accounts.ErrConflict)
	if err != nil && strings.Contains(err.Error(), dup.Hash) {
		t.Errorf("CreateCredential with a hash in use: got error %q, want no hash in it", err)
	}
	if got, u, err := w.s.CredentialByHash(ctx, c.Hash); err != nil || got.ID != c.ID || u.ID != w.rep.ID {
		t.Errorf("CredentialByHash after the conflict: got credential %d of user %d (%v), want %d of %d", got.ID, u.ID, err, c.ID, w.rep.ID)
	}

	tests := []struct {
		name string
		c    accounts.Credential
	}{
		{"unknown user", credentialFixture(missingID, accounts.CredentialSession, 2, nil, day(1))},
		{"unknown parent", credentialFixture(w.rep.ID, accounts.CredentialAccess, 3, ptr(missingID), day(1))},
		{"empty hash", func() accounts.Credential {
			c := credentialFixture(w.rep.ID, accounts.CredentialSession, 4, nil, day(1))
			c.Hash = ""
			return c
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.s.CreateCredential(ctx, tt.c)
			wantErr(t, "CreateCredential", err, accounts.ErrInvalid)
		})
	}
	if got, err := w.s.ListCredentials(ctx, w.rep.ID, base); err != nil || len(got) != 1 {
		t.Errorf("ListCredentials after failed creates: got %d credentials (%v), want 1", len(got), err)
	}
}

func testTouchCredential(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	ctx := w.ctx
	c := mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, credentialFixture(w.rep.ID, accounts.CredentialSession, 1, nil, day(1)))
	other := mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, credentialFixture(w.rep.ID, accounts.CredentialSession, 2, nil, day(1)))

	later := base.Add(90*time.Minute + 999*time.Nanosecond)
	noErr(t, "TouchCredential", w.s.TouchCredential(ctx, c.ID, later.In(time.FixedZone("CET", 3600))))
	got := credentialByHash(t, w.s, c)
	if want := later.Truncate(time.Microsecond); !got.LastUsed.Equal(want) {
		t.Errorf("TouchCredential: got LastUsed %v, want %v", got.LastUsed, want)
	}
	checkStoredTime(t, "TouchCredential: LastUsed", got.LastUsed)
	want := c
	want.LastUsed = got.LastUsed
	checkSame(t, "TouchCredential: the rest", got, want)
	checkSame(t, "TouchCredential: another credential", credentialByHash(t, w.s, other), other)

	// A use reported late does not move it back.
	noErr(t, "TouchCredential earlier", w.s.TouchCredential(ctx, c.ID, base.Add(time.Minute)))
	if got := credentialByHash(t, w.s, c); !got.LastUsed.Equal(later.Truncate(time.Microsecond)) {
		t.Errorf("TouchCredential earlier: got LastUsed %v, want %v", got.LastUsed, later.Truncate(time.Microsecond))
	}

	wantErr(t, "TouchCredential of an unknown id", w.s.TouchCredential(ctx, missingID, later), accounts.ErrNotFound)
}

func testRevokeCredential(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	ctx := w.ctx
	create := func(user int64, kind accounts.CredentialKind, i int, parent *int64) accounts.Credential {
		t.Helper()
		return mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, credentialFixture(user, kind, i, parent, day(30)))
	}
	refresh := create(w.rep.ID, accounts.CredentialRefresh, 1, nil)
	access1 := create(w.rep.ID, accounts.CredentialAccess, 2, &refresh.ID)
	access2 := create(w.rep.ID, accounts.CredentialAccess, 3, &refresh.ID)
	otherRefresh := create(w.rep.ID, accounts.CredentialRefresh, 4, nil)
	otherAccess := create(w.rep.ID, accounts.CredentialAccess, 5, &otherRefresh.ID)
	session := create(w.rep.ID, accounts.CredentialSession, 6, nil)
	managers := create(w.manager.ID, accounts.CredentialSession, 7, nil)
	all := []accounts.Credential{refresh, access1, access2, otherRefresh, otherAccess, session, managers}

	at := day(2).Add(456 * time.Nanosecond)
	wantErr(t, "RevokeCredential of another user's credential",
		w.s.RevokeCredential(ctx, w.manager.ID, refresh.ID, at), accounts.ErrNotFound)
	wantErr(t, "RevokeCredential of an unknown credential",
		w.s.RevokeCredential(ctx, w.rep.ID, missingID, at), accounts.ErrNotFound)
	wantErr(t, "RevokeCredential of an unknown user",
		w.s.RevokeCredential(ctx, missingID, refresh.ID, at), accounts.ErrNotFound)
	checkRevoked(t, "after refused revocations", w.s, nil, all...)

	// Revoking an access token leaves the refresh token it came from.
	noErr(t, "RevokeCredential of an access token", w.s.RevokeCredential(ctx, w.rep.ID, otherAccess.ID, at))
	checkRevoked(t, "RevokeCredential of an access token", w.s, ptr(at.Truncate(time.Microsecond)), otherAccess)
	checkRevoked(t, "RevokeCredential of an access token", w.s, nil, otherRefresh)

	// Revoking a refresh token revokes what it made, and nothing else.
	noErr(t, "RevokeCredential of a refresh token", w.s.RevokeCredential(ctx, w.rep.ID, refresh.ID, at))
	checkRevoked(t, "RevokeCredential of a refresh token", w.s, ptr(at.Truncate(time.Microsecond)), refresh, access1, access2)
	checkRevoked(t, "RevokeCredential of a refresh token", w.s, nil, otherRefresh, session, managers)

	// Again, later: not an error, and the first time stays.
	noErr(t, "RevokeCredential again", w.s.RevokeCredential(ctx, w.rep.ID, refresh.ID, day(3)))
	checkRevoked(t, "RevokeCredential again", w.s, ptr(at.Truncate(time.Microsecond)), refresh, access1, access2)

	// The rest of a revoked credential is as it was.
	got := credentialByHash(t, w.s, access1)
	want := access1
	want.RevokedAt = got.RevokedAt
	checkSame(t, "a revoked credential", got, want)
}

func testRevokeCredentials(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	ctx := w.ctx
	var reps []accounts.Credential
	for i, kind := range []accounts.CredentialKind{accounts.CredentialSession, accounts.CredentialRefresh, accounts.CredentialAPI} {
		reps = append(reps, mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, credentialFixture(w.rep.ID, kind, i, nil, day(30))))
	}
	reps = append(reps, mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential,
		credentialFixture(w.rep.ID, accounts.CredentialAccess, 3, &reps[1].ID, day(1))))
	// Expired already: revoked too, harmlessly.
	reps = append(reps, mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential,
		credentialFixture(w.rep.ID, accounts.CredentialSession, 4, nil, day(-1))))
	managers := mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, credentialFixture(w.manager.ID, accounts.CredentialSession, 5, nil, day(30)))

	first := day(1)
	noErr(t, "RevokeCredential", w.s.RevokeCredential(ctx, w.rep.ID, reps[2].ID, first))
	at := day(2)
	noErr(t, "RevokeCredentials", w.s.RevokeCredentials(ctx, w.rep.ID, at))
	checkRevoked(t, "RevokeCredentials", w.s, &at, reps[0], reps[1], reps[3], reps[4])
	checkRevoked(t, "RevokeCredentials of one revoked before", w.s, &first, reps[2])
	checkRevoked(t, "RevokeCredentials: another user's", w.s, nil, managers)

	noErr(t, "RevokeCredentials of a user without any", w.s.RevokeCredentials(ctx, missingID, at))
}

func testListCredentials(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	ctx := w.ctx
	now := day(10)
	var made []accounts.Credential
	create := func(user int64, i int, expires time.Time) accounts.Credential {
		t.Helper()
		c := credentialFixture(user, accounts.CredentialAPI, i, nil, expires)
		c.ExpiresAt = expires // exactly, for the boundary
		got := mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, c)
		made = append(made, got)
		return got
	}
	c1 := create(w.rep.ID, 1, day(40))
	create(w.rep.ID, 2, now.Add(-time.Microsecond)) // expired
	create(w.rep.ID, 3, now)                        // expires at now: expired
	c4 := create(w.rep.ID, 4, now.Add(time.Microsecond))
	create(w.manager.ID, 5, day(40)) // another user's
	c6 := create(w.rep.ID, 6, day(20))
	noErr(t, "RevokeCredential", w.s.RevokeCredential(ctx, w.rep.ID, c6.ID, day(9)))
	c6 = credentialByHash(t, w.s, c6)

	got, err := w.s.ListCredentials(ctx, w.rep.ID, now)
	noErr(t, "ListCredentials", err)
	checkList(t, "ListCredentials (revoked included, newest first)", got, []accounts.Credential{c6, c4, c1}, credentialID)
	for i := 1; i < len(got); i++ {
		if got[i].CreatedAt.After(got[i-1].CreatedAt) {
			t.Errorf("ListCredentials: credential %d created at %v after %d created at %v, want newest first",
				got[i].ID, got[i].CreatedAt, got[i-1].ID, got[i-1].CreatedAt)
		}
	}

	got, err = w.s.ListCredentials(ctx, w.rep.ID, day(100))
	noErr(t, "ListCredentials when all expired", err)
	if got == nil || len(got) != 0 {
		t.Errorf("ListCredentials when all expired: got %v, want an empty, non-nil list", got)
	}
	got, err = w.s.ListCredentials(ctx, missingID, now)
	noErr(t, "ListCredentials of an unknown user", err)
	if len(got) != 0 {
		t.Errorf("ListCredentials of an unknown user: got %d credentials, want none", len(got))
	}
}

func testDeleteUserCredentials(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	ctx := w.asActor
	u := mustCreate(t, "CreateUser", ctx, w.s.CreateUser, userFixture(t, 92, accounts.RoleRep, nil))
	noErr(t, "SetPasswordHash", w.s.SetPasswordHash(ctx, u.ID, passwordFixture(1)))
	refresh := mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, credentialFixture(u.ID, accounts.CredentialRefresh, 1, nil, day(30)))
	access := mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, credentialFixture(u.ID, accounts.CredentialAccess, 2, &refresh.ID, day(1)))
	// A credential made from one of u's goes with it, whoever it is of.
	odd := mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, credentialFixture(w.rep.ID, accounts.CredentialAccess, 3, &refresh.ID, day(1)))
	kept := mustCreate(t, "CreateCredential", ctx, w.s.CreateCredential, credentialFixture(w.rep.ID, accounts.CredentialSession, 4, nil, day(30)))

	noErr(t, "DeleteUser of a user with credentials", w.s.DeleteUser(ctx, u.ID, u.Version))
	for _, c := range []accounts.Credential{refresh, access, odd} {
		_, _, err := w.s.CredentialByHash(ctx, c.Hash)
		wantErr(t, fmt.Sprintf("CredentialByHash of credential %d after DeleteUser", c.ID), err, accounts.ErrNotFound)
	}
	checkSame(t, "another user's credential after DeleteUser", credentialByHash(t, w.s, kept), kept)
	got, err := w.s.ListCredentials(ctx, u.ID, base)
	noErr(t, "ListCredentials after DeleteUser", err)
	if len(got) != 0 {
		t.Errorf("ListCredentials after DeleteUser: got %d credentials, want none", len(got))
	}
	_, _, err = w.s.PasswordHash(ctx, u.Email)
	wantErr(t, "PasswordHash after DeleteUser", err, accounts.ErrNotFound)

	// The hashes are free again.
	mustCreate(t, "CreateCredential with a deleted credential's hash", ctx, w.s.CreateCredential,
		credentialFixture(w.rep.ID, accounts.CredentialRefresh, 1, nil, day(30)))
}

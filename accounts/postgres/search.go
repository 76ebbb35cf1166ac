package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
)

// searchReports ranks each matching record with ts_rank and keeps each
// account's best one; %s is the tsquery built by tsQuery. Kinds: 0 an
// activity, 1 a contact, 2 the account's own name. $1 is NULL for every
// account, or the ids to keep; $2 the limit.
const searchReports = `WITH q AS (SELECT %s AS q),
hits AS (
	SELECT a.account_id, 0 AS kind, a.id, ts_rank(a.search, q.q)::float8 AS rank
	FROM activities a, q
	WHERE a.search @@ q.q AND a.account_id IS NOT NULL
		AND ($1::bigint[] IS NULL OR a.account_id = ANY ($1))
	UNION ALL
	SELECT c.account_id, 1, c.id, ts_rank(c.search, q.q)::float8
	FROM contacts c, q
	WHERE c.search @@ q.q AND ($1::bigint[] IS NULL OR c.account_id = ANY ($1))
	UNION ALL
	SELECT ac.id, 2, ac.id, ts_rank(ac.search, q.q)::float8
	FROM accounts ac, q
	WHERE ac.search @@ q.q AND ($1::bigint[] IS NULL OR ac.id = ANY ($1))
)
SELECT account_id, kind, id, rank, matches FROM (
	SELECT account_id, kind, id, rank,
		row_number() OVER (PARTITION BY account_id ORDER BY rank DESC, kind, id) AS n,
		count(*) OVER (PARTITION BY account_id) AS matches
	FROM hits) h
WHERE n = 1
ORDER BY rank DESC, account_id
LIMIT $2`

// tsQuery returns the tsquery of terms, all required, and its arguments
// from $3 on: PostgreSQL stems words and phrases with the french
// configuration, as it indexed the text; a prefix goes through the simple
// configuration, unstemmed. Every term is a bound parameter, so that what
// a user types never becomes SQL.
func tsQuery(terms []accounts.SearchTerm) (string, []any) {
	parts := make([]string, len(terms))
	args := make([]any, len(terms))
	for i, t := range terms {
		n := i + 3
		switch {
		case t.Prefix:
			// Only letters and digits: nothing that to_tsquery reads as
			// an operator.
			parts[i] = fmt.Sprintf("to_tsquery('pg_catalog.simple', $%d || ':*')", n)
		case t.Phrase:
			parts[i] = fmt.Sprintf("phraseto_tsquery('pg_catalog.french', tournee_unaccent($%d))", n)
		default:
			parts[i] = fmt.Sprintf("plainto_tsquery('pg_catalog.french', tournee_unaccent($%d))", n)
		}
		args[i] = t.Text
	}
	return strings.Join(parts, " && "), args
}

// SearchReports finds the accounts whose activities or contacts match q.
func (db *DB) SearchReports(ctx context.Context, q accounts.ReportQuery) ([]accounts.ReportHit, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if q.AccountIDs != nil && len(q.AccountIDs) == 0 {
		return []accounts.ReportHit{}, nil
	}
	terms := q.Terms()
	query, termArgs := tsQuery(terms)
	var ids []int64 // nil: every account
	if q.AccountIDs != nil {
		ids = q.AccountIDs
	}
	rows, err := db.pool.Query(ctx, fmt.Sprintf(searchReports, query), append([]any{ids, q.Limit}, termArgs...)...)
	if err != nil {
		return nil, err
	}
	hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (accounts.ReportHit, error) {
		var h accounts.ReportHit
		var kind, id int64
		err := r.Scan(&h.AccountID, &kind, &id, &h.Rank, &h.Matches)
		switch kind {
		case 0:
			h.ActivityID = id
		case 1:
			h.ContactID = id
		}
		return h, err
	})
	if err != nil {
		return nil, err
	}
	if hits == nil {
		hits = []accounts.ReportHit{}
	}
	return hits, db.snippets(ctx, hits, terms)
}

// snippets fills the snippet of each hit from its record's text, cut by
// the same code as the SQLite store's.
func (db *DB) snippets(ctx context.Context, hits []accounts.ReportHit, terms []accounts.SearchTerm) error {
	var activities, contacts, names []int64
	for _, h := range hits {
		switch {
		case h.ActivityID != 0:
			activities = append(activities, h.ActivityID)
		case h.ContactID != 0:
			contacts = append(contacts, h.ContactID)
		default:
			names = append(names, h.AccountID)
		}
	}
	if len(hits) == 0 {
		return nil
	}
	rows, err := db.pool.Query(ctx, `SELECT 0, id, subject, report FROM activities WHERE id = ANY ($1)
		UNION ALL SELECT 1, id, '', notes FROM contacts WHERE id = ANY ($2)
		UNION ALL SELECT 2, id, '', name FROM accounts WHERE id = ANY ($3)`, activities, contacts, names)
	if err != nil {
		return err
	}
	texts := map[[2]int64]string{}
	var kind, id int64
	var subject, body string
	_, err = pgx.ForEachRow(rows, []any{&kind, &id, &subject, &body}, func() error {
		texts[[2]int64{kind, id}] = accounts.RecordText(subject, body)
		return nil
	})
	if err != nil {
		return err
	}
	for i, h := range hits {
		key := [2]int64{2, h.AccountID}
		switch {
		case h.ActivityID != 0:
			key = [2]int64{0, h.ActivityID}
		case h.ContactID != 0:
			key = [2]int64{1, h.ContactID}
		}
		hits[i].Snippet = accounts.ReportSnippet(texts[key], terms)
	}
	return nil
}

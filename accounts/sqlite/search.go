package sqlite

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"modernc.org/sqlite"

	"github.com/tournee/tournee/accounts"
)

// registerFunctions registers, once per process, the SQL functions that
// the schema's triggers call: tournee_search_text(text) is
// accounts.SearchText, the folded and stemmed words FTS5 indexes.
var registerFunctions = sync.OnceValue(func() error {
	return sqlite.RegisterDeterministicScalarFunction("tournee_search_text", 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case string:
				return accounts.SearchText(v), nil
			case []byte:
				return accounts.SearchText(string(v)), nil
			case nil:
				return "", nil
			default:
				return nil, fmt.Errorf("tournee_search_text: want text, got %T", v)
			}
		})
})

// matchExpr is the FTS5 query for terms, stemmed as the index is: each
// term a quoted string (a phrase when it has several words, a prefix with
// *), all required. Terms hold only letters and digits, so that nothing a
// user types reaches FTS5 as syntax; quotes are doubled all the same.
func matchExpr(terms []accounts.SearchTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		text := t.Text
		if !t.Prefix {
			text = accounts.SearchText(text)
		}
		parts[i] = `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
		if t.Prefix {
			parts[i] += "*"
		}
	}
	return strings.Join(parts, " AND ")
}

// searchReports ranks each matching record with bm25 (negated: higher is
// better; an activity's subject and an account's name weigh twice a report
// or notes) and keeps each account's best one. Kinds: 0 an activity, 1 a
// contact, 2 the account's own name. ?2 is NULL for every account, or a
// JSON array of ids.
const searchReports = `WITH hits AS (
	SELECT a.account_id, 0 AS kind, a.id, -bm25(activity_search, 2.0, 1.0) AS rank
	FROM activity_search JOIN activities a ON a.id = activity_search.rowid
	WHERE activity_search MATCH ?1 AND a.account_id IS NOT NULL
		AND (?2 IS NULL OR a.account_id IN (SELECT value FROM json_each(?2)))
	UNION ALL
	SELECT c.account_id, 1, c.id, -bm25(contact_search)
	FROM contact_search JOIN contacts c ON c.id = contact_search.rowid
	WHERE contact_search MATCH ?1
		AND (?2 IS NULL OR c.account_id IN (SELECT value FROM json_each(?2)))
	UNION ALL
	SELECT ac.id, 2, ac.id, -bm25(account_search, 2.0)
	FROM account_search JOIN accounts ac ON ac.id = account_search.rowid
	WHERE account_search MATCH ?1
		AND (?2 IS NULL OR ac.id IN (SELECT value FROM json_each(?2)))
)
SELECT account_id, kind, id, rank, matches FROM (
	SELECT account_id, kind, id, rank,
		row_number() OVER (PARTITION BY account_id ORDER BY rank DESC, kind, id) AS n,
		count(*) OVER (PARTITION BY account_id) AS matches
	FROM hits)
WHERE n = 1
ORDER BY rank DESC, account_id
LIMIT ?3`

// SearchReports finds the accounts whose activities or contacts match q.
func (db *DB) SearchReports(ctx context.Context, q accounts.ReportQuery) ([]accounts.ReportHit, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if q.AccountIDs != nil && len(q.AccountIDs) == 0 {
		return []accounts.ReportHit{}, nil
	}
	terms := q.Terms()
	var ids any // NULL: every account
	if q.AccountIDs != nil {
		b, err := json.Marshal(q.AccountIDs)
		if err != nil {
			return nil, err
		}
		ids = string(b)
	}
	rows, err := db.db.QueryContext(ctx, searchReports, matchExpr(terms), ids, q.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	hits := []accounts.ReportHit{}
	for rows.Next() {
		var h accounts.ReportHit
		var kind, id int64
		if err := rows.Scan(&h.AccountID, &kind, &id, &h.Rank, &h.Matches); err != nil {
			return nil, err
		}
		switch kind {
		case 0:
			h.ActivityID = id
		case 1:
			h.ContactID = id
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return hits, db.snippets(ctx, hits, terms)
}

// snippets fills the snippet of each hit from its record's text.
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
	texts := map[[2]int64]string{}
	for kind, q := range []struct {
		ids   []int64
		query string
	}{
		{activities, `SELECT id, subject, report FROM activities WHERE id IN (SELECT value FROM json_each(?))`},
		{contacts, `SELECT id, '', notes FROM contacts WHERE id IN (SELECT value FROM json_each(?))`},
		{names, `SELECT id, '', name FROM accounts WHERE id IN (SELECT value FROM json_each(?))`},
	} {
		if len(q.ids) == 0 {
			continue
		}
		b, err := json.Marshal(q.ids)
		if err != nil {
			return err
		}
		rows, err := db.db.QueryContext(ctx, q.query, string(b))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var subject, body string
			if err := rows.Scan(&id, &subject, &body); err != nil {
				rows.Close()
				return err
			}
			texts[[2]int64{int64(kind), id}] = accounts.RecordText(subject, body)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i, h := range hits {
		hits[i].Snippet = accounts.ReportSnippet(texts[snippetKey(h)], terms)
	}
	return nil
}

// snippetKey names the record of h's snippet: kind and id.
func snippetKey(h accounts.ReportHit) [2]int64 {
	switch {
	case h.ActivityID != 0:
		return [2]int64{0, h.ActivityID}
	case h.ContactID != 0:
		return [2]int64{1, h.ContactID}
	}
	return [2]int64{2, h.AccountID}
}

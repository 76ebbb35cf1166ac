package web

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
)

// record is any versioned record: a pointer to a struct that embeds accounts.Meta.
type record[T any] interface {
	*T
	Metadata() *accounts.Meta
}

// resource describes the CRUD endpoints of one record type; mount registers them.
type resource[T any, F any] struct {
	path   string // plural, in URLs
	entity string // singular, in messages
	create func(context.Context, T) (T, error)
	get    func(context.Context, int64) (T, error)
	update func(context.Context, T, int64) (T, error)
	delete func(context.Context, int64, int64) error
	list   func(context.Context, F) ([]T, error)
	// filter reads the list's query parameters into its filter with page p.
	filter func(q *query, p accounts.Page) F
	// geoJSON, when set, answers a list request whose Accept header asks
	// for application/geo+json, instead of the page of records.
	geoJSON handler
	// guard, when set, refuses a record the signed-in user may not see
	// (write false) or change (write true); it runs on the stored record
	// before a read, update or delete, and on the new one before a create
	// or an update is written. It answers ErrNotFound for what the user may
	// not see, so that ids of others' records reveal nothing.
	guard func(c *gin.Context, v *T, write bool) error
	// restrict, when set, narrows a list's filter to what the signed-in
	// user may see.
	restrict func(c *gin.Context, f *F) error
}

// check runs the guard of r, if any.
func (r resource[T, F]) check(c *gin.Context, v *T, write bool) error {
	if r.guard == nil {
		return nil
	}
	return r.guard(c, v, write)
}

// list is the JSON shape of every list response.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

const (
	defaultPageSize = 50
	maxPageSize     = 500
)

func mount[T any, F any, P record[T]](s *Server, g *gin.RouterGroup, r resource[T, F]) {
	s.api.resource(g.BasePath(), r.path, new(T))
	base := "/" + r.path
	g.POST(base, s.idempotent, s.h(func(c *gin.Context) error {
		var v T
		if err := decodeJSON(c, &v); err != nil {
			return err
		}
		*P(&v).Metadata() = accounts.Meta{}
		if err := r.check(c, &v, true); err != nil {
			return err
		}
		out, err := r.create(c.Request.Context(), v)
		if err != nil {
			return err
		}
		m := P(&out).Metadata()
		c.Header("ETag", etag(m.Version))
		c.Header("Location", fmt.Sprintf("%s/%d", c.Request.URL.Path, m.ID))
		c.JSON(http.StatusCreated, out)
		return nil
	}))
	g.GET(base+"/:id", s.h(func(c *gin.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		out, err := r.get(c.Request.Context(), id)
		if err != nil {
			return err
		}
		if err := r.check(c, &out, false); err != nil {
			return err
		}
		tag := etag(P(&out).Metadata().Version)
		c.Header("ETag", tag)
		if c.GetHeader("If-None-Match") == tag {
			c.Status(http.StatusNotModified)
			return nil
		}
		c.JSON(http.StatusOK, out)
		return nil
	}))
	g.PATCH(base+"/:id", s.h(func(c *gin.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		version, err := ifMatch(c)
		if err != nil {
			return err
		}
		ctx := c.Request.Context()
		cur, err := r.get(ctx, id)
		if err != nil {
			return err
		}
		if err := r.check(c, &cur, true); err != nil {
			return err
		}
		meta := *P(&cur).Metadata()
		if version == 0 {
			// Without If-Match the update still must not overwrite a write
			// that lands between our read and our write.
			version = meta.Version
		}
		if version != meta.Version {
			return fmt.Errorf("%w: %s %d is at version %d", accounts.ErrStale, r.entity, id, meta.Version)
		}
		// Decoding onto the current record makes the body a partial update:
		// fields it leaves out keep their value.
		if err := decodeJSON(c, &cur); err != nil {
			return err
		}
		*P(&cur).Metadata() = meta
		// The record as it would be written must stay the user's too
		// (a rep may not hand an account to another rep).
		if err := r.check(c, &cur, true); err != nil {
			return err
		}
		out, err := r.update(ctx, cur, version)
		if err != nil {
			return err
		}
		c.Header("ETag", etag(P(&out).Metadata().Version))
		c.JSON(http.StatusOK, out)
		return nil
	}))
	g.DELETE(base+"/:id", s.h(func(c *gin.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		version, err := ifMatch(c)
		if err != nil {
			return err
		}
		if r.guard != nil {
			cur, err := r.get(c.Request.Context(), id)
			if err != nil {
				return err
			}
			if err := r.check(c, &cur, true); err != nil {
				return err
			}
		}
		if err := r.delete(c.Request.Context(), id, version); err != nil {
			return err
		}
		c.Status(http.StatusNoContent)
		return nil
	}))
	g.GET(base, s.h(func(c *gin.Context) error {
		if r.geoJSON != nil && strings.Contains(c.GetHeader("Accept"), geoJSONType) {
			return r.geoJSON(c)
		}
		q := newQuery(c)
		page := q.page()
		// Ask for one more than a page to know whether another page follows.
		f := r.filter(q, accounts.Page{After: page.After, Limit: page.Limit + 1})
		if err := q.err(); err != nil {
			return err
		}
		if r.restrict != nil {
			if err := r.restrict(c, &f); err != nil {
				return err
			}
		}
		items, err := r.list(c.Request.Context(), f)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, pageOf(items, page.Limit, func(v *T) int64 { return P(v).Metadata().ID }))
		return nil
	}))
}

// pageOf trims items fetched with one extra to a page and its cursor.
func pageOf[T any](items []T, limit int, id func(*T) int64) list[T] {
	out := list[T]{Items: items}
	if out.Items == nil {
		out.Items = []T{}
	}
	if len(items) > limit {
		out.Items = items[:limit]
		out.NextCursor = encodeCursor(id(&out.Items[limit-1]))
	}
	return out
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch reads the version a client last saw from If-Match ("3", W/"3" or
// *); 0 means the client sent none.
func ifMatch(c *gin.Context) (int64, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%w: If-Match must be the ETag of the record, such as \"3\"", errBadRequest)
	}
	return v, nil
}

func pathID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &accounts.FieldError{Field: "id", Message: "id must be a positive integer"}
	}
	return id, nil
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("id:" + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	id, perr := strconv.ParseInt(strings.TrimPrefix(string(b), "id:"), 10, 64)
	if err != nil || perr != nil || !strings.HasPrefix(string(b), "id:") || id < 0 {
		return 0, &accounts.FieldError{Field: "cursor", Message: "cursor is not valid"}
	}
	return id, nil
}

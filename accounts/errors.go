package accounts

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Stores and services wrap them with detail meant for the
// user; web maps each to one HTTP status.
var (
	ErrNotFound  = errors.New("not found")
	ErrInvalid   = errors.New("invalid")
	ErrConflict  = errors.New("conflict")
	ErrStale     = errors.New("stale version") // If-Match did not match the stored version
	ErrForbidden = errors.New("forbidden")
	// ErrTooMany is a request that would act on more records than one
	// request may (a mailing to too long a list): well formed, but to be
	// narrowed.
	ErrTooMany = errors.New("too many")
)

// FieldError is a validation error that names the field at fault.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Message }

// Unwrap makes every FieldError an ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// invalid returns a FieldError for field with a formatted message that
// should start with the field name, as users read it.
func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound wraps ErrNotFound with the entity and id.
func NotFound(entity string, id int64) error {
	return fmt.Errorf("%w: %s %d", ErrNotFound, entity, id)
}

// Overlap wraps ErrConflict for a booking that overlaps activity id, which
// runs from start to end.
func Overlap(id int64, start, end time.Time) error {
	return fmt.Errorf("%w: activity %d already takes %s to %s", ErrConflict, id,
		start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
}

// Prefixed puts prefix before the field of a validation error (and before
// its message, which starts with the field), for an element of a list.
func Prefixed(prefix string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: prefix + fe.Field, Message: prefix + fe.Message}
	}
	return err
}

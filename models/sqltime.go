package models

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// SQLTime scans an aggregate of a time column: PostgreSQL returns a time,
// SQLite returns MAX(...) of a datetime as the text it stored.
type SQLTime struct{ time.Time }

var sqliteLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
}

func (t *SQLTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
		return nil
	case time.Time:
		t.Time = x
		return nil
	case []byte:
		return t.parse(string(x))
	case string:
		return t.parse(x)
	}
	return fmt.Errorf("scan time from %T", v)
}

func (t *SQLTime) parse(s string) error {
	for _, layout := range sqliteLayouts {
		if p, err := time.Parse(layout, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan time from %q", s)
}

// Value lets the type be written back, should a query use it.
func (t SQLTime) Value() (driver.Value, error) { return t.Time, nil }

package models

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strings"
	"time"

	"gorm.io/gorm"
)

// A status reply is about twenty statements written out by hand, and
// GORM's building of each (a new Statement, the text copied byte by byte
// to bind its parameters, the callbacks around it) cost about as much CPU
// as SQLite running it. On SQLite, whose placeholders are the ones the
// statements are written with, queryRaw and execRaw hand a statement
// straight to tx's connection, expanding a slice bound to "IN ?" as GORM
// would. On PostgreSQL, or with an argument only GORM knows how to bind,
// they go through GORM. Either way the statement is traced by tx's logger.

// direct returns the statement and arguments to send to tx's connection
// as they are, or ok false when GORM must build it.
func direct(tx *gorm.DB, query string, args []any) (string, []any, bool) {
	if tx.Dialector.Name() != "sqlite" {
		return "", nil, false
	}
	expand := false
	for _, a := range args {
		switch a.(type) {
		case nil, string, bool, int, int64, uint, time.Time, driver.Valuer:
			continue
		case inList:
			expand = true
			continue
		case []byte, gorm.Valuer, *gorm.DB:
			return "", nil, false
		}
		switch rv := reflect.ValueOf(a); rv.Kind() {
		case reflect.Slice, reflect.Array:
			expand = true
		case reflect.Interface, reflect.Map, reflect.Struct, reflect.Func, reflect.Chan:
			return "", nil, false
		}
	}
	if !expand {
		return query, args, true
	}
	var b strings.Builder
	flat := make([]any, 0, len(args))
	i := 0
	for j := 0; j < len(query); j++ {
		c := query[j]
		if c != '?' || i >= len(args) {
			b.WriteByte(c)
			continue
		}
		a := args[i]
		i++
		if e, ok := a.(inList); ok {
			// As IDsIn builds it on SQLite.
			column, ids := e.inList()
			b.WriteString(column + " IN ")
			a = ids
		}
		rv := reflect.ValueOf(a)
		if a == nil || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
			b.WriteByte('?')
			flat = append(flat, a)
			continue
		}
		if rv.Len() == 0 {
			b.WriteString("(NULL)")
			continue
		}
		b.WriteByte('(')
		for k := range rv.Len() {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('?')
			flat = append(flat, rv.Index(k).Interface())
		}
		b.WriteByte(')')
	}
	if i != len(args) {
		return "", nil, false
	}
	return b.String(), flat, true
}

// queryRaw runs a query written out by hand inside tx.
func queryRaw(tx *gorm.DB, query string, args ...any) (*sql.Rows, error) {
	if tx.Error != nil {
		return nil, tx.Error
	}
	q, flat, ok := direct(tx, query, args)
	if !ok {
		return tx.Raw(query, args...).Rows()
	}
	begin := time.Now()
	rows, err := tx.Statement.ConnPool.QueryContext(tx.Statement.Context, q, flat...)
	tx.Logger.Trace(tx.Statement.Context, begin, func() (string, int64) { return tx.Dialector.Explain(q, flat...), -1 }, err)
	return rows, err
}

// execRaw runs a statement written out by hand inside tx and returns the
// rows it changed.
func execRaw(tx *gorm.DB, query string, args ...any) (int64, error) {
	if tx.Error != nil {
		return 0, tx.Error
	}
	q, flat, ok := direct(tx, query, args)
	if !ok {
		res := tx.Exec(query, args...)
		return res.RowsAffected, res.Error
	}
	begin := time.Now()
	var n int64
	res, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, q, flat...)
	if err == nil {
		n, err = res.RowsAffected()
	}
	tx.Logger.Trace(tx.Statement.Context, begin, func() (string, int64) { return tx.Dialector.Explain(q, flat...), n }, err)
	return n, err
}

// scanOne runs a query expected to give one row and scans it into dest;
// sql.ErrNoRows when it gives none.
func scanOne(tx *gorm.DB, query string, args []any, dest ...any) error {
	rows, err := queryRaw(tx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// Savepoint starts a savepoint of tx; RollbackToSavepoint undoes what tx
// did since, and ReleaseSavepoint drops it, keeping what tx did. The
// processor takes one per update, so they are sent as execRaw sends a
// statement.
func Savepoint(tx *gorm.DB, name string) error {
	if _, err := execRaw(tx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("savepoint %s: %w", name, err)
	}
	return nil
}

// RollbackToSavepoint: see Savepoint.
func RollbackToSavepoint(tx *gorm.DB, name string) error {
	if _, err := execRaw(tx, "ROLLBACK TO SAVEPOINT "+name); err != nil {
		return fmt.Errorf("roll back to savepoint %s: %w", name, err)
	}
	return nil
}

// ReleaseSavepoint: see Savepoint.
func ReleaseSavepoint(tx *gorm.DB, name string) error {
	if _, err := execRaw(tx, "RELEASE SAVEPOINT "+name); err != nil {
		return fmt.Errorf("release savepoint %s: %w", name, err)
	}
	return nil
}

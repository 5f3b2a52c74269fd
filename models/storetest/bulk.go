package storetest

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// BulkInsert writes n rows of cols into table through tx, 500 a statement:
// the speed benchmarks seed their cities this way so that they measure what
// the bot does with the data, not an import.
func BulkInsert(tx *gorm.DB, table, cols string, n int, row func(i int) []any) error {
	ph := "(" + strings.TrimSuffix(strings.Repeat("?,", len(strings.Split(cols, ","))), ",") + ")"
	for start := 0; start < n; start += 500 {
		var sb strings.Builder
		var args []any
		for i := start; i < min(start+500, n); i++ {
			if i > start {
				sb.WriteString(",")
			}
			sb.WriteString(ph)
			args = append(args, row(i)...)
		}
		if err := tx.Exec("INSERT INTO "+table+" ("+cols+") VALUES "+sb.String(), args...).Error; err != nil {
			return fmt.Errorf("seed %s: %w", table, err)
		}
	}
	return nil
}

package telegramtest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

func sortStrings(ss []string) { slices.Sort(ss) }

func sortInt64s(ns []int64) { slices.Sort(ns) }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// wireError is an error whose text the real server sends verbatim,
// capitalisation included, so it is not phrased like a Go error.
type wireError string

func (e wireError) Error() string { return string(e) }

func wireErrorf(format string, args ...any) error { return wireError(fmt.Sprintf(format, args...)) }

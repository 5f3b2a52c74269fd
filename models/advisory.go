package models

import "hash/fnv"

// lockName names a PostgreSQL advisory lock for job in this database and
// schema: advisory locks are server-wide, and two taskbot databases (or
// schemas) on one server must not hold each other's locks.
func lockName(db, schema, job string) int64 {
	h := fnv.New64a()
	h.Write([]byte("taskbot:" + db + ":" + schema + ":" + job))
	return int64(h.Sum64())
}

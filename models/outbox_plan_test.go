package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// planNode is what the tests read of a node of EXPLAIN (FORMAT JSON); with
// ANALYZE, its counts are averages per loop.
type planNode struct {
	NodeType      string     `json:"Node Type"`
	Parent        string     `json:"Parent Relationship"`
	Loops         float64    `json:"Actual Loops"`
	Rows          float64    `json:"Actual Rows"`
	RemovedFilter float64    `json:"Rows Removed by Filter"`
	RemovedJoin   float64    `json:"Rows Removed by Join Filter"`
	Plans         []planNode `json:"Plans"`
}

// planWork is how many times the nodes of a plan ran and the rows they
// produced or threw away, summed over the whole plan: a count of work that,
// unlike a duration, does not depend on the machine's load.
func planWork(n planNode) float64 {
	w := n.Loops * (1 + n.Rows + n.RemovedFilter + n.RemovedJoin)
	for _, c := range n.Plans {
		w += planWork(c)
	}
	return w
}

// genericWork prepares query (placeholders $1, $2, …) while the outbox is
// empty, with plan_cache_mode forcing the generic plan, and runs it once so
// that the plan is made then; it then calls fill and returns the planWork
// of that plan run again under EXPLAIN ANALYZE, and the plan for the
// failure. args are the arguments as SQL literals. Everything happens in
// one transaction, rolled back.
func genericWork(t *testing.T, s *models.Store, query, args string, fill func(tx *gorm.DB) error) (float64, string) {
	t.Helper()
	var work float64
	var plan string
	errRollback := errors.New("rollback")
	err := s.Tx(context.Background(), func(tx *gorm.DB) error {
		for _, q := range []string{"SET LOCAL plan_cache_mode = force_generic_plan", "PREPARE q AS " + query, "EXECUTE q(" + args + ")"} {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
		if err := fill(tx); err != nil {
			return err
		}
		if err := tx.Raw("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE q(" + args + ")").Row().Scan(&plan); err != nil {
			return err
		}
		var out []struct{ Plan planNode }
		if err := json.Unmarshal([]byte(plan), &out); err != nil || len(out) != 1 {
			return fmt.Errorf("read plan %q: %v", plan, err)
		}
		work = planWork(out[0].Plan)
		// A prepared statement outlives the transaction.
		if err := tx.Exec("DEALLOCATE q").Error; err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	return work, plan
}

// positional numbers the placeholders of query, ? or @name for the names
// given in order, as $1, $2, … for PREPARE.
func positional(query string, names ...string) string {
	n := 0
	var b strings.Builder
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	query = b.String()
	for i, name := range names {
		query = strings.ReplaceAll(query, "@"+name, fmt.Sprintf("$%d", n+i+1))
	}
	return query
}

// The outbox statements are prepared once per connection, and after a few
// runs PostgreSQL keeps a generic plan for them, made from what it knew of
// the table then: an idle bot polling an empty outbox has its claims
// planned for an empty table, and keeps those plans when a round of
// thousands arrives, until the table is analyzed again. The claim must not
// then make a pass over the queue for every head it takes: it reads each
// queued message a few times at most. (Such a plan once made each claim of
// a 5,000-message round take up to 150 ms, while the calls waited.)
func TestClaimPlanBoundedWhenPlannedEmpty(t *testing.T) {
	const chats = 1000
	s, err := models.Open(context.Background(), storetest.PostgresDSN(t), models.Options{Clock: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	fill := func(tx *gorm.DB) error {
		for i := range chats {
			key := fmt.Sprintf("round:%d", i)
			if err := models.Enqueue(tx, key, int64(100+i), models.OutSendMessage, models.Outgoing{Text: key}); err != nil {
				return err
			}
		}
		return nil
	}
	now := "'" + newClock().Now().Format(time.RFC3339) + "'"
	work, plan := genericWork(t, s, positional(models.ClaimPostgresSQL, "now", "limit", "until", "token", "by"),
		now+", 100, "+now+", 't', 'test'", fill)
	if work > 10*chats {
		t.Errorf("claiming 100 of %d heads: plan work %.0f:\n%s", chats, work, plan)
	}
}

// lockedOutsideInitPlans names the LockRows nodes of plan that do not sit
// under an InitPlan, the one kind of subplan PostgreSQL runs once per
// statement.
func lockedOutsideInitPlans(n planNode, underInit bool) []string {
	underInit = underInit || n.Parent == "InitPlan"
	var out []string
	if n.NodeType == "LockRows" && !underInit {
		out = append(out, fmt.Sprintf("%s under %q", n.NodeType, n.Parent))
	}
	for _, c := range n.Plans {
		out = append(out, lockedOutsideInitPlans(c, underInit)...)
	}
	return out
}

// The hand-on of finished heads locks them with SKIP LOCKED in a subquery.
// Matched by IN, the planner could make that subquery the inner side of a
// join and run it again for every message of the table (a second or more
// at a round's start, while no call could go out); it must be read once,
// as an InitPlan, whatever the planner knows of the table.
func TestHandOnLocksFinishedHeadsOnce(t *testing.T) {
	s, err := models.Open(context.Background(), storetest.PostgresDSN(t), models.Options{Clock: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	var plan string
	query := "EXPLAIN (FORMAT JSON) " + models.PromoteHeadsSQL(models.Postgres)
	if err := s.DB.Raw(query, models.OutboxSent, models.OutboxFailed, 2000).Row().Scan(&plan); err != nil {
		t.Fatal(err)
	}
	var out []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(plan), &out); err != nil || len(out) != 1 {
		t.Fatalf("read plan %q: %v", plan, err)
	}
	if bad := lockedOutsideInitPlans(out[0].Plan, false); len(bad) > 0 {
		t.Errorf("finished heads locked outside an InitPlan (%s):\n%s", strings.Join(bad, ", "), plan)
	}
}

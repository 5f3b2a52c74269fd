package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// The admins see where every leader's commitment stands, a leader their
// own, anyone else nothing (and no tab).
func TestBoardShowsCommitments(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		w := newWorld(t, s, clock)
		wang, err := models.PersonByKey(s.DB, "王建国")
		if err != nil {
			t.Fatal(err)
		}
		err = s.Tx(context.Background(), func(tx *gorm.DB) error {
			year := models.CommitmentYear(clock.Now())
			v, _, err := models.IssueCommitment(tx, models.Actor{Admin: true, Via: models.ViaCLI}, wang.ID, year, models.DefaultCommitmentTemplate(), clock.Now())
			if err != nil {
				return err
			}
			_, err = models.SignCommitment(tx, models.Actor{PersonID: &wang.ID, TelegramID: leaderTG, Via: models.ViaChat},
				models.Signing{VersionID: v.ID, Fingerprint: v.Fingerprint, Method: models.ViaChat, UpdateID: 5}, clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		base := w.serve(t)
		admin := w.initData(t, adminTG, "zh")
		if a := get(t, base, "/app/board", admin); !strings.Contains(a.body, `href="/app/commitments"`) {
			t.Fatal("no tab to the commitments for an admin")
		}
		a := get(t, base, "/app/commitments", admin)
		for _, want := range []string{"签订进度 1/2（2026）", `data-leader="王建国" data-state="signed"`, "已签", "第1版 · 签订于 <time",
			`data-leader="赵敏" data-state="not_issued"`, "未下发"} {
			if a.status != http.StatusOK || !strings.Contains(a.body, want) {
				t.Fatalf("admin's page (%d) lacks %q:\n%s", a.status, want, a.body)
			}
		}
		leader := get(t, base, "/app/commitments", w.initData(t, leaderTG, "zh"))
		if leader.status != http.StatusOK || !strings.Contains(leader.body, `data-leader="王建国"`) || strings.Contains(leader.body, "赵敏") ||
			strings.Contains(leader.body, "签订进度") {
			t.Fatalf("leader's page (%d):\n%s", leader.status, leader.body)
		}
		attendant := w.initData(t, attendantTG, "zh")
		if a := get(t, base, "/app/commitments", attendant); a.status != http.StatusForbidden {
			t.Fatalf("an attendant got the commitments: %d", a.status)
		}
		if a := get(t, base, "/app/board", attendant); strings.Contains(a.body, "/app/commitments") {
			t.Fatal("an attendant's board links to the commitments")
		}
	})
}

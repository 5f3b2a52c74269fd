package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
)

// commitmentList is sampleList with milestones due in 2027 and a second
// leader (李明) on T02.
func commitmentList() []models.TaskSpec {
	list := sampleList()
	list[0].Milestones[0].Due = date(2027, 3, 31)
	list[0].Milestones[1].Due = date(2027, 6, 30)
	list[1].Milestones[0].Due = date(2027, 2, 28)
	list[1].Leaders = append(list[1].Leaders, models.PersonSpec{Name: "李明"})
	return list
}

type commitments struct {
	t                     *testing.T
	s                     *models.Store
	clock                 *storetest.Clock
	wang, li, zhang       uint
	year                  models.Period
	admin                 models.Actor
	tmpl                  models.CommitmentTemplate
	wangTG, liTG, zhangTG int64
}

func newCommitments(t *testing.T, s *models.Store, clock *storetest.Clock) *commitments {
	t.Helper()
	if _, err := s.ImportTasks(context.Background(), commitmentList(), false); err != nil {
		t.Fatal(err)
	}
	c := &commitments{t: t, s: s, clock: clock, tmpl: models.DefaultCommitmentTemplate(),
		admin: models.Actor{Admin: true, TelegramID: 9000, Via: models.ViaChat}, wangTG: 7001, liTG: 7002, zhangTG: 7003}
	for name, ids := range map[string]struct {
		id *uint
		tg int64
	}{"王建国": {&c.wang, c.wangTG}, "李明": {&c.li, c.liTG}, "张伟(区住建局)": {&c.zhang, c.zhangTG}} {
		p, err := models.PersonByKey(s.DB, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := s.DB.Model(p).Update("telegram_id", ids.tg).Error; err != nil {
			t.Fatal(err)
		}
		*ids.id = p.ID
	}
	var err error
	if c.year, err = models.CommitmentPeriod(s.DB, "2027"); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *commitments) as(id uint, tg int64) models.Actor {
	return models.Actor{PersonID: &id, TelegramID: tg, Via: models.ViaChat}
}

func (c *commitments) issue(by models.Actor, leader uint) (*models.CommitmentVersion, bool, error) {
	var v *models.CommitmentVersion
	var issued bool
	err := c.s.Tx(context.Background(), func(tx *gorm.DB) error {
		var err error
		v, issued, err = models.IssueCommitment(tx, by, leader, c.year, c.tmpl, c.clock.Now())
		return err
	})
	return v, issued, err
}

func (c *commitments) sign(by models.Actor, v *models.CommitmentVersion, fp string, update int64) (*models.CommitmentEvent, error) {
	var e *models.CommitmentEvent
	err := c.s.Tx(context.Background(), func(tx *gorm.DB) error {
		var err error
		e, err = models.SignCommitment(tx, by, models.Signing{VersionID: v.ID, Fingerprint: fp, Method: models.ViaChat, UpdateID: update}, c.clock.Now())
		return err
	})
	return e, err
}

func (c *commitments) object(by models.Actor, v *models.CommitmentVersion, text string) (*models.CommitmentEvent, error) {
	var e *models.CommitmentEvent
	err := c.s.Tx(context.Background(), func(tx *gorm.DB) error {
		var err error
		e, err = models.ObjectCommitment(tx, by, v.ID, text, 55, c.clock.Now())
		return err
	})
	return e, err
}

func (c *commitments) progress() models.CommitmentProgress {
	c.t.Helper()
	p, err := models.CommitmentProgressOf(c.s.DB, "2027")
	if err != nil {
		c.t.Fatal(err)
	}
	return p
}

func (c *commitments) state(leader uint) models.CommitmentState {
	c.t.Helper()
	for _, l := range c.progress().Leaders {
		if l.Leader.ID == leader {
			return l.State
		}
	}
	c.t.Fatalf("leader %d not in the progress", leader)
	return ""
}

// The text states the leader's tasks by code with their milestones and
// agreed due dates, the quarters' targets and the template's clauses; it
// and its fingerprint do not change when nothing in the ledger does.
func TestCommitmentTextIsCanonical(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		c := newCommitments(t, s, clock)
		d, err := models.DraftCommitment(s.DB, c.wang, c.year, c.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		text := d.Text()
		for _, want := range []string{
			"2027 年度重点任务目标责任书\n责任领导：王建国\n考核期：2027\n",
			"一、包抓任务及节点\nT01 招商引资\n牵头单位：区发改局\n1. 完成招商对接（完成时限 2027-03-31）\n2. 签约（完成时限 2027-06-30）\nT02 河道综合治理\n牵头单位：区水利局\n1. 清淤（完成时限 2027-02-28）\n",
			"2027Q1（2027-01-01 至 2027-03-31）：应完成节点 2 个\n2027Q2（2027-04-01 至 2027-06-30）：应完成节点 1 个\n2027Q3（2027-07-01 至 2027-09-30）：应完成节点 0 个\n",
			"三、责任条款\n1. 包抓领导对所包抓任务负总责",
			"责任领导（签订）：王建国\n",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "\n\n\n") || !strings.HasSuffix(text, "\n") || strings.HasSuffix(text, "\n\n") {
			t.Errorf("text not in canonical form:\n%q", text)
		}
		// Tasks and milestones loaded in another order give the same bytes.
		for i, j := 0, len(d.Tasks)-1; i < j; i, j = i+1, j-1 {
			d.Tasks[i], d.Tasks[j] = d.Tasks[j], d.Tasks[i]
		}
		for _, task := range d.Tasks {
			for i, j := 0, len(task.Milestones)-1; i < j; i, j = i+1, j-1 {
				task.Milestones[i], task.Milestones[j] = task.Milestones[j], task.Milestones[i]
			}
		}
		if again := d.Text(); again != text {
			t.Fatalf("text depends on the order rows load in:\n%s\n---\n%s", again, text)
		}
		// A title typed with a decomposed character, a tab and a line
		// break reads as one line in NFC.
		d.Tasks[0].Task.Title = "河道\t综合\n治理 e\u0301"
		if got := d.Text(); !strings.Contains(got, "T02 河道 综合 治理 \u00e9\n") {
			t.Fatalf("title not made canonical:\n%s", got)
		}
		if fp := models.Fingerprint(text); len(fp) != 64 || models.ShortFingerprint(fp) != fp[:4]+"…"+fp[60:] {
			t.Fatalf("fingerprint %q, short %q", fp, models.ShortFingerprint(fp))
		}
		en := c.tmpl
		if err := s.DB.Model(&models.Person{}).Where("id = ?", c.wang).Update("language", "en").Error; err != nil {
			t.Fatal(err)
		}
		d, err = models.DraftCommitment(s.DB, c.wang, c.year, en)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Text(); !strings.Contains(got, "1. 完成招商对接 (due 2027-03-31)\n") || !strings.HasPrefix(got, "2027 Commitment on Key Tasks\n") {
			t.Fatalf("English text:\n%s", got)
		}
	})
}

// Only admins issue; issuing again with nothing changed issues nothing; a
// change supersedes the version with a new one, and the old row stays as
// it was.
func TestIssueCommitment(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		c := newCommitments(t, s, clock)
		if _, _, err := c.issue(c.as(c.wang, c.wangTG), c.wang); !errors.Is(err, models.ErrCommitmentAdminsOnly) {
			t.Fatalf("a leader issuing: %v", err)
		}
		if _, _, err := c.issue(c.as(c.zhang, c.zhangTG), c.wang); !errors.Is(err, models.ErrCommitmentAdminsOnly) {
			t.Fatalf("an attendant issuing: %v", err)
		}
		if _, _, err := c.issue(c.admin, c.zhang); !errors.Is(err, models.ErrNoContractedTasks) {
			t.Fatalf("issuing to an attendant who leads nothing: %v", err)
		}
		v1, issued, err := c.issue(c.admin, c.wang)
		if err != nil || !issued || v1.Version != 1 || v1.Fingerprint != models.Fingerprint(v1.Text) || v1.IssuedByTelegramID != 9000 {
			t.Fatalf("first issue: %+v, %v, %v", v1, issued, err)
		}
		again, issued, err := c.issue(c.admin, c.wang)
		if err != nil || issued || again.ID != v1.ID {
			t.Fatalf("issuing an unchanged text: %+v, %v, %v", again, issued, err)
		}
		// A milestone added to T02 changes the text: a new version.
		list := commitmentList()
		list[1].Milestones = append(list[1].Milestones, models.MilestoneSpec{Seq: 2, Title: "验收", Due: date(2027, 9, 30)})
		if _, err := s.ImportTasks(context.Background(), list, false); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		v2, issued, err := c.issue(c.admin, c.wang)
		if err != nil || !issued || v2.Version != 2 || v2.Fingerprint == v1.Fingerprint || !strings.Contains(v2.Text, "2. 验收（完成时限 2027-09-30）") {
			t.Fatalf("issue after a change: %+v, %v, %v", v2, issued, err)
		}
		old, err := models.CommitmentByID(s.DB, v1.ID)
		if err != nil || old.Text != v1.Text || old.Fingerprint != v1.Fingerprint || !old.IssuedAt.Equal(v1.IssuedAt) {
			t.Fatalf("superseded version changed: %+v, %v", old, err)
		}
		var audits int64
		s.DB.Model(&models.AuditEvent{}).Where("kind IN ?", []string{"commitment_issued", "commitment_superseded"}).Count(&audits)
		if audits != 2 {
			t.Fatalf("%d audit events, want 2", audits)
		}
	})
}

// Only the leader a commitment names signs it, with the fingerprint of
// its text; a double tap signs once; a superseded version is refused with
// the current one, which needs its own signature.
func TestSignCommitment(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		c := newCommitments(t, s, clock)
		v1, _, err := c.issue(c.admin, c.wang)
		if err != nil {
			t.Fatal(err)
		}
		if st := c.state(c.wang); st != models.CommitmentUnsigned {
			t.Fatalf("state before signing %s", st)
		}
		for name, by := range map[string]models.Actor{
			"another leader": c.as(c.li, c.liTG),
			"an attendant":   c.as(c.zhang, c.zhangTG),
			"an admin":       c.admin,
		} {
			if _, err := c.sign(by, v1, v1.Fingerprint, 1); !errors.Is(err, models.ErrNotYourCommitment) {
				t.Errorf("%s signing: %v", name, err)
			}
		}
		for _, fp := range []string{strings.Repeat("0", 64), v1.Fingerprint[:31], "", v1.Fingerprint + "0"} {
			if _, err := c.sign(c.as(c.wang, c.wangTG), v1, fp, 1); !errors.Is(err, models.ErrCommitmentFingerprint) {
				t.Fatalf("signing with fingerprint %q: %v", fp, err)
			}
		}
		clock.Advance(time.Minute)
		e, err := c.sign(c.as(c.wang, c.wangTG), v1, v1.Fingerprint[:models.MinSignedFingerprint], 101)
		if err != nil || e.TelegramUserID != c.wangTG || e.UpdateID != 101 || e.Fingerprint != v1.Fingerprint || e.Method != models.ViaChat || !e.At.Equal(clock.Now()) {
			t.Fatalf("sign: %+v, %v", e, err)
		}
		var signed *models.CommitmentSignedError
		if _, err := c.sign(c.as(c.wang, c.wangTG), v1, v1.Fingerprint, 102); !errors.As(err, &signed) || signed.Signature.ID != e.ID {
			t.Fatalf("double tap: %v", err)
		}
		if _, err := c.object(c.as(c.wang, c.wangTG), v1, "不同意"); !errors.Is(err, models.ErrCommitmentSigned) {
			t.Fatalf("objection after signing: %v", err)
		}
		p := c.progress()
		if p.Signed != 1 || len(p.Leaders) != 2 || c.state(c.wang) != models.CommitmentSigned || c.state(c.li) != models.CommitmentNotIssued {
			t.Fatalf("progress %+v", p)
		}
		var v2 *models.CommitmentVersion
		err = s.Tx(context.Background(), func(tx *gorm.DB) error {
			tmpl := models.DefaultCommitmentTemplate()
			w := tmpl["zh"]
			w.Clauses = append(w.Clauses, "新增条款。")
			tmpl["zh"] = w
			if _, err := models.SupersedeCommitment(tx, c.as(c.wang, c.wangTG), v1.ID, tmpl, clock.Now()); !errors.Is(err, models.ErrCommitmentAdminsOnly) {
				t.Errorf("a leader revising: %v", err)
			}
			if _, err := models.SupersedeCommitment(tx, c.admin, v1.ID, c.tmpl, clock.Now()); !errors.Is(err, models.ErrCommitmentUnchanged) {
				t.Errorf("a revision changing nothing: %v", err)
			}
			v2, err = models.SupersedeCommitment(tx, c.admin, v1.ID, tmpl, clock.Now())
			return err
		})
		if err != nil || v2.Version != 2 {
			t.Fatalf("revise: %+v, %v", v2, err)
		}
		if st := c.state(c.wang); st != models.CommitmentUnsigned {
			t.Fatalf("state after the revision %s, want unsigned", st)
		}
		var superseded *models.CommitmentSupersededError
		if _, err := c.sign(c.as(c.wang, c.wangTG), v1, v1.Fingerprint, 103); !errors.As(err, &superseded) || superseded.Current.ID != v2.ID {
			t.Fatalf("signing the superseded version: %v", err)
		}
		err = s.Tx(context.Background(), func(tx *gorm.DB) error {
			_, err := models.SupersedeCommitment(tx, c.admin, v1.ID, c.tmpl, clock.Now())
			return err
		})
		if !errors.Is(err, models.ErrCommitmentSuperseded) {
			t.Fatalf("revising a superseded version: %v", err)
		}
		if _, err := c.sign(c.as(c.wang, c.wangTG), v2, v2.Fingerprint, 104); err != nil {
			t.Fatal(err)
		}
		if st := c.state(c.wang); st != models.CommitmentSigned {
			t.Fatalf("state after signing the revision %s", st)
		}
		var events int64
		s.DB.Model(&models.CommitmentEvent{}).Count(&events)
		if events != 2 {
			t.Fatalf("%d events, want the two signatures", events)
		}
	})
}

// An objection needs a text, comes from the leader only, and marks the
// commitment 有异议 until a revision is signed.
func TestObjectCommitment(t *testing.T) {
	clock := newClock()
	storetest.Each(t, models.Options{Clock: clock.Now}, func(t *testing.T, s *models.Store) {
		c := newCommitments(t, s, clock)
		v1, _, err := c.issue(c.admin, c.li)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.object(c.as(c.li, c.liTG), v1, "  "); !errors.Is(err, models.ErrObjectionEmpty) {
			t.Fatalf("empty objection: %v", err)
		}
		if _, err := c.object(c.as(c.wang, c.wangTG), v1, "不同意"); !errors.Is(err, models.ErrNotYourCommitment) {
			t.Fatalf("another leader's objection: %v", err)
		}
		e, err := c.object(c.as(c.li, c.liTG), v1, "T02 清淤时限应为三月底")
		if err != nil || e.Text != "T02 清淤时限应为三月底" || e.Kind != models.CommitmentObjectedEvent || e.UpdateID != 55 {
			t.Fatalf("objection: %+v, %v", e, err)
		}
		if st := c.state(c.li); st != models.CommitmentObjected {
			t.Fatalf("state %s, want objected", st)
		}
		unsigned := c.progress().Unsigned()
		if len(unsigned) != 2 {
			t.Fatalf("unsigned %+v", unsigned)
		}
		if _, err := c.sign(c.as(c.li, c.liTG), v1, v1.Fingerprint, 7); err != nil {
			t.Fatal(err)
		}
		if st := c.state(c.li); st != models.CommitmentSigned {
			t.Fatalf("signed after an objection: %s", st)
		}
	})
}

func TestCommitmentPeriod(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		if err := s.Tx(context.Background(), func(tx *gorm.DB) error {
			_, err := models.AddPeriod(tx, models.PeriodInput{Name: "2027Q1 开门红", FirstDay: date(2027, 2, 21), LastDay: date(2027, 3, 31)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, in string
			from, to time.Time
			err      error
		}{
			{"year", "2027", date(2027, 1, 1), date(2027, 12, 31), nil},
			{"quarter", "2027Q2", date(2027, 4, 1), date(2027, 6, 30), nil},
			{"named", "2027Q1 开门红", date(2027, 2, 21), date(2027, 3, 31), nil},
			{"unknown", "明年", time.Time{}, time.Time{}, models.ErrCommitmentPeriod},
			{"year out of range", "1850", time.Time{}, time.Time{}, models.ErrCommitmentPeriod},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := models.CommitmentPeriod(s.DB, tc.in)
				if !errors.Is(err, tc.err) || (err == nil && (!p.FirstDay.Equal(tc.from) || !p.LastDay.Equal(tc.to))) {
					t.Fatalf("%q: %+v, %v", tc.in, p, err)
				}
			})
		}
		year, _ := models.CommitmentPeriod(s.DB, "2027")
		if _, err := s.ImportTasks(context.Background(), commitmentList(), false); err != nil {
			t.Fatal(err)
		}
		wang, _ := models.PersonByKey(s.DB, "王建国")
		d, err := models.DraftCommitment(s.DB, wang.ID, year, models.DefaultCommitmentTemplate())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Text(), "2027Q1 开门红（2027-02-21 至 2027-03-31）：应完成节点 2 个\n") {
			t.Fatalf("a named period within the year is not a target:\n%s", d.Text())
		}
	})
}

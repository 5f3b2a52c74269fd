package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
	"taskbot/models/storetest"
	"taskbot/web"
)

const token = "123456:TEST-TOKEN"

// Telegram ids of the world's people. The admin is not a person of the
// list; the stranger is bound to nobody.
const (
	leaderTG    = 301 // 王建国: leader of T01, T02, T03
	attendantTG = 302 // 杨帆: attendant of T01 only
	otherTG     = 303 // 李娜: attendant of T02, T03, T04 (another department)
	adminTG     = 900
	strangerTG  = 999
)

// world is a small ledger on a fixed day, 10:00 on 2026-11-27 in Shanghai:
//
//	T01 区发改局, red: milestone 1 overdue 5 days; a corrected report and
//	    a photo on milestone 2; an open coordination request; an instruction
//	T02 区商务局, yellow: due in 2 days
//	T03 区商务局, green
//	T04 区住建局, red: overdue 3 days, led by 赵敏, not 王建国's
type world struct {
	store *models.Store
	now   time.Time
	files map[string][]byte
	url   string
	// rankings turns the departments' ranking on (off, as by default).
	rankings bool
	// pageSize is the board's page size (the default when zero).
	pageSize int
}

var photo = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: 120, B: uint8(y * 5), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

func newWorld(t testing.TB, store *models.Store, clock *storetest.Clock) *world {
	t.Helper()
	ctx := context.Background()
	now := clock.Now()
	day := func(offset int) time.Time { return time.Date(2026, 11, 27+offset, 0, 0, 0, 0, time.UTC) }
	p := func(names ...string) []models.PersonSpec {
		out := make([]models.PersonSpec, len(names))
		for i, n := range names {
			out[i] = models.PersonSpec{Name: n}
		}
		return out
	}
	ms := func(code string, due ...time.Time) []models.MilestoneSpec {
		out := make([]models.MilestoneSpec, len(due))
		for i, d := range due {
			out[i] = models.MilestoneSpec{Seq: i + 1, Title: fmt.Sprintf("%s节点%d", code, i+1), Due: d}
		}
		return out
	}
	specs := []models.TaskSpec{
		{Code: "T01", Title: "招商引资项目库建设", Department: "区发改局", Category: "经济发展", Leaders: p("王建国"), Owners: p("刘洋"), Attendants: p("杨帆"),
			Milestones: ms("T01", day(-5), day(40))},
		{Code: "T02", Title: "老旧小区改造", Department: "区商务局", Category: "民生", Leaders: p("王建国"), Attendants: p("李娜"), Milestones: ms("T02", day(2))},
		{Code: "T03", Title: "消费券发放", Department: "区商务局", Category: "民生", Leaders: p("王建国"), Attendants: p("李娜"), Milestones: ms("T03", day(60))},
		{Code: "T04", Title: "保障房建设", Department: "区住建局", Category: "民生", Leaders: p("赵敏"), Attendants: p("李娜"), Milestones: ms("T04", day(-3))},
	}
	if _, err := store.ImportTasks(ctx, specs, false); err != nil {
		t.Fatal(err)
	}
	for key, tg := range map[string]int64{"王建国": leaderTG, "杨帆": attendantTG, "李娜": otherTG} {
		if err := store.DB.Model(&models.Person{}).Where("key = ?", key).Update("telegram_id", tg).Error; err != nil {
			t.Fatal(err)
		}
	}
	t1, err := models.TaskByCode(store.DB, "T01")
	if err != nil {
		t.Fatal(err)
	}
	yang, leader := t1.Attendants[0].ID, t1.Leaders[0].ID
	eighty, seventy := 80, 70
	w := &world{store: store, now: now, files: map[string][]byte{"AgAC-photo-1": photo}}
	err = store.Tx(ctx, func(tx *gorm.DB) error {
		first, err := models.RecordReport(tx, yang, models.ReportInput{TaskID: t1.Task.ID, MilestoneID: t1.Milestones[1].ID,
			State: models.StateOnTrack, Percent: &seventy, Note: "已储备项目80个", Source: "command"}, now.Add(-3*time.Hour))
		if err != nil {
			return err
		}
		if _, err := models.CorrectReport(tx, yang, first.ID, models.Change{MilestoneID: t1.Milestones[1].ID, State: models.StateOnTrack,
			Percent: &eighty, Note: "已储备项目86个", Source: "edit"}, now.Add(-2*time.Hour), time.Hour*48); err != nil {
			return err
		}
		var standing models.Report
		if err := tx.Where("task_id = ? AND superseded_by IS NULL", t1.Task.ID).Order("id DESC").Take(&standing).Error; err != nil {
			return err
		}
		if _, err := models.AddAttachment(tx, yang, standing.ID, models.Attachment{Kind: "photo", FileID: "AgAC-photo-1"}); err != nil {
			return err
		}
		if err := models.OpenCoordination(tx, yang, &models.CoordinationRequest{TaskID: t1.Task.ID, Text: "等待用地审批"}); err != nil {
			return err
		}
		_, err = models.GiveInstruction(tx, leader, t1.Task.ID, "本周内完成项目库梳理")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// serve starts the board on 127.0.0.1 for the rest of the test.
func (w *world) serve(t testing.TB) string {
	t.Helper()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	s := &web.Server{DB: w.store.DB, Token: token, Admins: map[int64]bool{adminTG: true}, Location: shanghai, Rankings: w.rankings, PageSize: w.pageSize,
		Files: fakeFiles(w.files), Now: func() time.Time { return w.now },
		LanguageFor: func(chosen, tl string) string {
			if chosen != "" {
				return chosen
			}
			if len(tl) >= 2 && tl[:2] == "en" {
				return "en"
			}
			return "zh"
		}}
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return srv.URL
}

// initData signs initData for a Telegram user as Telegram would.
func (w *world) initData(t testing.TB, tgID int64, lang string) string {
	t.Helper()
	s, err := web.SignInitData(token, web.WebAppUser{ID: tgID, FirstName: fmt.Sprint("user", tgID), LanguageCode: lang}, w.now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeFiles is Telegram's file storage as the board reaches it.
type fakeFiles map[string][]byte

func (f fakeFiles) Open(_ context.Context, id string) (io.ReadCloser, error) {
	b, ok := f[id]
	if !ok {
		return nil, fmt.Errorf("file %s: not found", id)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

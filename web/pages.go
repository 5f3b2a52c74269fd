package web

import (
	"bufio"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"taskbot/models"
	"taskbot/report"
)

// DefaultPageSize is how many rows a board page lists: the counts cover
// every task, filters and search narrow the list, and "more" loads the
// next page.
const DefaultPageSize = 200

// boardFilter is what the board's form asks for, and the page.
type boardFilter struct {
	Light, Dept, Leader, Cat, Q string
	Page                        int
}

func (f boardFilter) query(light string) string {
	return f.page(light, 1)
}

// page is the board's path for the filters, with light and page n.
func (f boardFilter) page(light string, n int) string {
	v := url.Values{}
	for k, s := range map[string]string{"light": light, "dept": f.Dept, "leader": f.Leader, "cat": f.Cat, "q": f.Q} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return "/app/board"
	}
	return "/app/board?" + v.Encode()
}

type lightCount struct {
	Light  models.Light
	N      int
	Href   string
	Active bool
}

func (s *Server) board(w http.ResponseWriter, r *http.Request, rd *reader) {
	q := r.URL.Query()
	f := boardFilter{Light: q.Get("light"), Dept: q.Get("dept"), Leader: q.Get("leader"), Cat: q.Get("cat"), Q: strings.TrimSpace(q.Get("q")), Page: 1}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		f.Page = n
	}
	db := s.DB.WithContext(r.Context())
	size := s.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	page, err := report.Board(db, report.BoardQuery{Viewer: rd.viewer, Filter: models.TaskFilter{Department: f.Dept, Leader: f.Leader, Category: f.Cat},
		Search: f.Q, Light: models.Light(f.Light), Offset: (f.Page - 1) * size, Limit: size}, rd.today, s.Rules)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The filters offer what the reader's own tasks hold, nothing more.
	choices, err := models.TaskChoicesOf(db, rd.viewer)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shown := make([]boardRow, len(page.Rows))
	for i, row := range page.Rows {
		shown[i] = boardRow{BoardRow: row, Reasons: reasons(row, rd.today, s.Rules)}
	}
	var lights []lightCount
	for _, l := range []models.Light{models.LightRed, models.LightYellow, models.LightGreen, models.LightDone} {
		href := f.query(string(l))
		if f.Light == string(l) {
			href = f.query("")
		}
		lights = append(lights, lightCount{Light: l, N: page.Counts[l], Href: href, Active: f.Light == string(l)})
	}
	narrowed := 0
	for _, v := range []string{f.Dept, f.Leader, f.Cat} {
		if v != "" {
			narrowed++
		}
	}
	signs, err := s.seesCommitments(db, rd)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	listed := (f.Page-1)*size + len(shown)
	more := ""
	if listed < page.Total {
		more = f.page(f.Light, f.Page+1)
	}
	s.render(w, http.StatusOK, rd.lang, "board.html", map[string]any{"Commitments": signs,
		"Narrowed": narrowed, "Clear": boardFilter{Q: f.Q}.query(f.Light),
		"Today": rd.today, "Now": s.Now(), "Loc": rd.loc, "Admin": rd.viewer.Admin, "Rankings": s.Rankings, "Filter": f,
		"Counts": lights, "Rows": shown, "Total": page.Total, "Listed": listed, "More": more, "Next": min(size, page.Total-listed),
		"Depts": choices.Departments, "Leaders": choices.Leaders, "Cats": choices.Categories,
	})
}

// task shows one task's page. A task the reader may not see is refused
// exactly like one that does not exist, so the answer tells nothing.
func (s *Server) task(w http.ResponseWriter, r *http.Request, rd *reader) {
	db := s.DB.WithContext(r.Context())
	d, err := models.TaskByCode(db, r.PathValue("code"))
	if err != nil && !models.IsNotFound(err) {
		s.fail(w, r, err)
		return
	}
	if err != nil || !rd.viewer.MaySee(d) {
		s.message(w, http.StatusForbidden, rd.lang, "forbidden")
		return
	}
	page, err := report.BuildTaskPage(db, *d, rd.today, s.Rules)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	visits, err := report.TaskVisits(db, *d)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, rd.lang, "task.html", map[string]any{"Today": rd.today, "Now": s.Now(), "Loc": rd.loc, "Page": page,
		"Files": s.Files != nil, "Visits": visits})
}

// rankBar is one department in the ranking chart.
type rankBar struct {
	report.Department
	Y, Width int
}

// ranking shows the departments' ranking of the admins' summary, as a
// chart; it is the admins' alone.
func (s *Server) ranking(w http.ResponseWriter, r *http.Request, rd *reader) {
	if !rd.viewer.Admin || !s.Rankings {
		s.message(w, http.StatusForbidden, rd.lang, "forbidden")
		return
	}
	db := s.DB.WithContext(r.Context())
	tasks, err := models.VisibleTasks(db, rd.viewer)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	deps, err := report.RankDepartments(db, tasks, rd.today)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	const barHeight, maxWidth = 28, 200
	worst := 0.0
	for _, d := range deps {
		worst = max(worst, d.OverduePerTask())
	}
	bars := make([]rankBar, len(deps))
	for i, d := range deps {
		bars[i] = rankBar{Department: d, Y: i * barHeight}
		if worst > 0 && d.Overdue > 0 {
			bars[i].Width = max(1, int(d.OverduePerTask()/worst*maxWidth))
		}
	}
	s.render(w, http.StatusOK, rd.lang, "ranking.html", map[string]any{"Bars": bars, "Height": len(bars) * barHeight})
}

// file streams one piece of evidence, fetched from Telegram by its file id,
// to a reader who may see its task. Only pictures are shown inline; any
// other file is a download, so nothing a reporter sent runs on this origin.
func (s *Server) file(w http.ResponseWriter, r *http.Request, rd *reader) {
	id, ok := parseID(r.PathValue("id"))
	if !ok || s.Files == nil {
		s.message(w, http.StatusNotFound, rd.lang, "forbidden")
		return
	}
	db := s.DB.WithContext(r.Context())
	att, code, err := report.EvidenceTask(db, id)
	if err != nil && !models.IsNotFound(err) {
		s.fail(w, r, err)
		return
	}
	var d *models.TaskDetail
	if err == nil {
		d, err = models.TaskByCode(db, code)
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if d == nil || !rd.viewer.MaySee(d) {
		s.message(w, http.StatusForbidden, rd.lang, "forbidden")
		return
	}
	body, err := s.Files.Open(r.Context(), att.FileID)
	if err != nil {
		s.Logger.Warn("board: evidence not fetched", "attachment", att.ID, "err", err)
		s.message(w, http.StatusBadGateway, rd.lang, "file_unavailable")
		return
	}
	defer body.Close()
	br := bufio.NewReaderSize(body, 512)
	head, _ := br.Peek(512)
	ctype := http.DetectContentType(head)
	name := att.FileName
	if name == "" {
		name = fmt.Sprintf("evidence-%d", att.ID)
	}
	if strings.HasPrefix(ctype, "image/") && ctype != "image/svg+xml" {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": path.Base(name)}))
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(name)}))
	}
	if _, err := io.Copy(w, br); err != nil {
		s.Logger.Warn("board: evidence cut short", "attachment", att.ID, "err", err)
	}
}

// weekBar is one week of the period card's chart.
type weekBar struct {
	report.PeriodWeek
	Label                               string
	X, W, Mid, DueY, DueH, DoneY, DoneH int
	Today, Labelled                     bool
}

// period shows the period card of the reader's tasks: the figures of the
// period holding today and a chart of due against done, week by week.
// Everyone sees it for the tasks they may see; it ranks nobody.
func (s *Server) period(w http.ResponseWriter, r *http.Request, rd *reader) {
	db := s.DB.WithContext(r.Context())
	tasks, err := models.VisibleTasks(db, rd.viewer)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	card, err := report.BuildPeriodCard(db, tasks, rd.today, rd.loc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	const width, top, base = 400, 8, 150
	bars := make([]weekBar, len(card.Weeks))
	step := width / max(1, len(card.Weeks))
	every := max(1, (len(card.Weeks)+5)/6) // about six labels, legible at phone width
	for i, wk := range card.Weeks {
		b := weekBar{PeriodWeek: wk, Label: wk.First.Format("1/2"), X: 10 + i*step, W: max(2, step-4),
			Today: !rd.today.Before(wk.First) && !rd.today.After(wk.Last), Labelled: i%every == 0}
		b.Mid = b.X + b.W/2
		if card.Due > 0 {
			b.DueH = wk.Due * (base - top) / card.Due
			b.DoneH = wk.Done * (base - top) / card.Due
		}
		b.DueY, b.DoneY = base-b.DueH, base-b.DoneH
		bars[i] = b
	}
	donePct := 0
	if card.Due > 0 {
		donePct = card.Done * 100 / card.Due
	}
	s.render(w, http.StatusOK, rd.lang, "period.html", map[string]any{"Card": card, "DonePct": donePct, "Bars": bars,
		"Base": base, "LabelY": base + 16, "Height": base + 22})
}

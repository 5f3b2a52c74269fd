package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"taskbot/importer"
	"taskbot/models"
)

// Ledger is everything the export writes: the tasks (台账), the report
// history, the coordination requests and instructions, and the figures of
// each period begun (季度考核).
type Ledger struct {
	Rows         [][]string
	History      [][]string
	Coordination [][]string
	Assessment   [][]string
	// Visits are the saved front-line visits (走一线), oldest first.
	Visits [][]string
	// Commitments are the commitments (责任书) for verification: a row per
	// signature or objection, and per version with neither, each with its
	// text and fingerprint, so that anyone can hash the one and compare.
	Commitments [][]string
}

// headers of the ledger sheet. The first columns are the import's, so that
// an exported file loads back with `taskbot import`, which skips the others.
// 完成时限 is the due date in force; 原定时限 the one the milestone was
// first given, and 延期后时限 the date of its latest approved extension
// (empty when none). 经度 and 纬度 are the project's site, when the list
// gave it.
var ledgerHeaders = map[string][]string{
	"zh": {"任务编号", "任务名称", "类别", "包抓领导", "牵头单位", "责任人", "专班联络员", "节点序号", "节点内容", "完成时限", "提醒计划",
		"状态灯", "节点状态", "完成百分比", "最新报告人", "最新报告时间", "最新报告说明", "原定时限", "延期后时限", "经度", "纬度"},
	"en": {"code", "title", "category", "leader", "department", "owner", "attendants", "milestone_no", "milestone", "due", "schedule",
		"light", "state", "percent", "latest_by", "latest_at", "latest_note", "original_due", "extended_due", "longitude", "latitude"},
}

var historyHeaders = map[string][]string{
	"zh": {"报告时间", "任务编号", "节点序号", "报告人", "状态", "完成百分比", "说明", "附件数", "来源", "情况", "代报对象"},
	"en": {"reported_at", "code", "milestone_no", "by", "state", "percent", "note", "files", "source", "standing", "on_behalf_of"},
}

var coordinationHeaders = map[string][]string{
	"zh": {"类型", "任务编号", "提出人", "内容", "答复", "情况", "时间"},
	"en": {"kind", "code", "by", "text", "answer", "status", "at"},
}

// assessmentHeaders of the 季度考核 sheet: per period begun and per scope,
// the figures (models.Figures); 序时进度 is 序时已完成 over 序时应完成.
var assessmentHeaders = map[string][]string{
	"zh": {"考核期", "起始日", "截止日", "状态", "范围", "名称", "任务名称", "到期节点", "已完成", "完成率", "按期完成", "逾期",
		"序时应完成", "序时已完成", "序时进度", "脱幅任务", "备注"},
	"en": {"period", "from", "to", "state", "scope", "name", "title", "due", "done", "done_rate", "on_time", "late",
		"due_by_today", "done_by_today", "pace", "behind_tasks", "note"},
}

// visitHeaders of the 走一线 sheet: one row per visit; 任务编号 lists its
// tasks, and the findings are counted and written out by kind.
var visitHeaders = map[string][]string{
	"zh": {"时间", "走访人", "类型", "任务编号", "发现问题", "现场解决", "需协调", "内容", "位置", "照片/文件"},
	"en": {"at", "by", "kind", "codes", "found", "solved", "coordinate", "findings", "location", "files"},
}

// commitmentHeaders of the 责任书 sheet: 文本指纹 is the SHA-256 of 文本,
// in hex.
var commitmentHeaders = map[string][]string{
	"zh": {"考核期", "包抓领导", "版本", "状态", "文本指纹", "下发时间", "下发方式", "事项", "时间", "方式", "Telegram 用户 ID", "更新 ID", "异议内容", "文本"},
	"en": {"period", "leader", "version", "standing", "fingerprint", "issued_at", "issued_via", "event", "at", "method", "telegram_user_id", "update_id", "objection", "text"},
}

var sheetNames = map[string][6]string{
	"zh": {"台账", "报告记录", "协调与批示", "季度考核", "走一线", "责任书"},
	"en": {"ledger", "reports", "coordination", "assessment", "visits", "commitments"},
}

var words = map[string]map[string]string{
	"zh": {"red": "红", "yellow": "黄", "green": "绿", "done": "已完成", "pending": "未开始", "on_track": "正常推进", "at_risk": "有风险",
		"blocked": "受阻", "superseded": "已更正", "withdrawn": "已撤回", "standing": "有效", "coordination": "协调请求", "instruction": "批示",
		"resolved": "已解决", "open": "未解决", "confirmed": "已确认", "unconfirmed": "未确认",
		"running": "进行中", "frozen": "已定格", "district": "全区", "department": "牵头单位", "leader": "包抓领导", "task": "任务",
		"nothing due": "本期无节点", "changed after the end": "结束后有变动",
		"supervise": "现场督导", "investment": "走访企业/招商", "meeting": "现场办公会", "other": "其他",
		"found": "发现", "solved": "已解决", "coordinate": "需协调", "live": "实时位置首点", "point": "定位点", "minutes": "分钟",
		"current": "现行", "replaced": "已被取代", "signed": "签订", "objected": "异议", "chat": "聊天", "cli": "命令行"},
	"en": {},
}

func word(lang, w string) string {
	if v, ok := words[lang][w]; ok {
		return v
	}
	return w
}

func joinKeys(people []models.Person) string {
	keys := make([]string, len(people))
	for i, p := range people {
		keys[i] = p.Key
	}
	return strings.Join(keys, "、")
}

// BuildLedger reads the export's rows in a fixed number of queries.
func BuildLedger(tx *gorm.DB, today time.Time, rules models.LightRules, loc *time.Location, lang string) (*Ledger, error) {
	if _, ok := ledgerHeaders[lang]; !ok {
		lang = "zh"
	}
	tasks, err := models.AllTasks(tx)
	if err != nil {
		return nil, err
	}
	if err := models.AttachLights(tx, tasks, today, rules); err != nil {
		return nil, err
	}
	var latest []struct {
		MilestoneID uint
		Person      string
		CreatedAt   time.Time
		Note        string
	}
	err = tx.Raw(`SELECT m.id AS milestone_id, p.key AS person, r.created_at, r.note FROM milestones m
JOIN reports r ON r.id = m.last_report_id JOIN people p ON p.id = r.person_id`).Scan(&latest).Error
	if err != nil {
		return nil, fmt.Errorf("latest reports: %w", err)
	}
	byMilestone := map[uint]int{}
	for i, l := range latest {
		byMilestone[l.MilestoneID] = i
	}
	l := &Ledger{Rows: [][]string{ledgerHeaders[lang]}, History: [][]string{historyHeaders[lang]}, Coordination: [][]string{coordinationHeaders[lang]},
		Assessment: [][]string{assessmentHeaders[lang]}, Visits: [][]string{visitHeaders[lang]}, Commitments: [][]string{commitmentHeaders[lang]}}
	codes := map[uint]string{}
	for _, d := range tasks {
		codes[d.Task.ID] = d.Task.Code
		for _, m := range d.Milestones {
			row := []string{d.Task.Code, d.Task.Title, d.Task.Category, joinKeys(d.Leaders), d.Task.Department, joinKeys(d.Owners),
				joinKeys(d.Attendants), fmt.Sprint(m.Seq), m.Title, m.DueDate.UTC().Format("2006-01-02"), d.Task.Schedule,
				word(lang, string(d.Light)), word(lang, string(m.State)), fmt.Sprint(m.Percent), "", "", "",
				m.Original().Format("2006-01-02"), "", "", ""}
			if d.Task.SiteLat != nil && d.Task.SiteLon != nil {
				// The import reads them back: the site survives a round trip.
				row[19], row[20] = strconv.FormatFloat(*d.Task.SiteLon, 'f', -1, 64), strconv.FormatFloat(*d.Task.SiteLat, 'f', -1, 64)
			}
			if !m.Baseline().Equal(m.Original()) {
				row[18] = m.Baseline().Format("2006-01-02")
			}
			if i, ok := byMilestone[m.ID]; ok && m.LastReportID != nil {
				row[14], row[15], row[16] = latest[i].Person, latest[i].CreatedAt.In(loc).Format("2006-01-02 15:04"), latest[i].Note
			}
			l.Rows = append(l.Rows, row)
		}
	}
	var history []struct {
		CreatedAt    time.Time
		TaskID       uint
		Seq          int
		Person       string
		State        models.MilestoneState
		Percent      *int
		Note         string
		Files        int
		Source       string
		SupersededBy *uint
		Withdrawn    bool
		OnBehalfOf   string
	}
	err = tx.Raw(`SELECT r.created_at, r.task_id, m.seq, p.key AS person, r.state, r.percent, r.note,
  (SELECT COUNT(*) FROM attachments a WHERE a.report_id = r.id) AS files, r.source, r.superseded_by, r.withdrawn,
  COALESCE(b.key, '') AS on_behalf_of
FROM reports r JOIN milestones m ON m.id = r.milestone_id JOIN people p ON p.id = r.person_id
LEFT JOIN people b ON b.id = r.on_behalf_of_id ORDER BY r.id`).Scan(&history).Error
	if err != nil {
		return nil, fmt.Errorf("report history: %w", err)
	}
	// A ledger is read task by task: the history follows the tasks' codes,
	// each task's reports in the order they came.
	sort.SliceStable(history, func(i, j int) bool {
		a, b := codes[history[i].TaskID], codes[history[j].TaskID]
		if a != b {
			return a < b
		}
		return history[i].Seq < history[j].Seq
	})
	for _, h := range history {
		percent, standing := "", "standing"
		if h.Percent != nil {
			percent = fmt.Sprint(*h.Percent)
		}
		switch {
		case h.Withdrawn:
			standing = "withdrawn"
		case h.SupersededBy != nil:
			standing = "superseded"
		}
		l.History = append(l.History, []string{h.CreatedAt.In(loc).Format("2006-01-02 15:04"), codes[h.TaskID], fmt.Sprint(h.Seq),
			h.Person, word(lang, string(h.State)), percent, h.Note, fmt.Sprint(h.Files), h.Source, word(lang, standing), h.OnBehalfOf})
	}
	var coord []struct {
		TaskID    uint
		Person    string
		Text      string
		Answer    string
		State     models.CoordinationState
		CreatedAt time.Time
	}
	err = tx.Raw(`SELECT c.task_id, p.key AS person, c.text, c.answer, c.state, c.created_at FROM coordination_requests c
JOIN people p ON p.id = c.raised_by_id ORDER BY c.id`).Scan(&coord).Error
	if err != nil {
		return nil, fmt.Errorf("coordination requests: %w", err)
	}
	for _, c := range coord {
		l.Coordination = append(l.Coordination, []string{word(lang, "coordination"), codes[c.TaskID], c.Person, c.Text, c.Answer,
			word(lang, string(c.State)), c.CreatedAt.In(loc).Format("2006-01-02 15:04")})
	}
	var instr []struct {
		ID        uint
		TaskID    uint
		Leader    string
		Text      string
		CreatedAt time.Time
		Confirmed int
		Total     int
	}
	err = tx.Raw(`SELECT i.id, i.task_id, p.key AS leader, i.text, i.created_at,
  (SELECT COUNT(*) FROM instruction_receipts r WHERE r.instruction_id = i.id AND r.confirmed_at IS NOT NULL) AS confirmed,
  (SELECT COUNT(*) FROM instruction_receipts r WHERE r.instruction_id = i.id) AS total
FROM instructions i JOIN people p ON p.id = i.leader_id ORDER BY i.id`).Scan(&instr).Error
	if err != nil {
		return nil, fmt.Errorf("instructions: %w", err)
	}
	for _, in := range instr {
		l.Coordination = append(l.Coordination, []string{word(lang, "instruction"), codes[in.TaskID], in.Leader, in.Text, "",
			fmt.Sprintf("%s %d/%d", word(lang, "confirmed"), in.Confirmed, in.Total), in.CreatedAt.In(loc).Format("2006-01-02 15:04")})
	}
	basis, err := models.AssessmentBasisOf(tx, tasks, loc)
	if err != nil {
		return nil, err
	}
	rows, err := assessmentRows(tx, basis, today, lang)
	if err != nil {
		return nil, err
	}
	l.Assessment = append(l.Assessment, rows...)
	if l.Visits, err = visitRows(tx, l.Visits, codes, loc, lang); err != nil {
		return nil, err
	}
	if l.Commitments, err = commitmentRows(tx, l.Commitments, loc, lang); err != nil {
		return nil, err
	}
	return l, nil
}

// maxCellText is what a spreadsheet cell holds.
const maxCellText = 32767

// commitmentRows appends every commitment version and what happened to
// it, by period, leader and version.
func commitmentRows(tx *gorm.DB, rows [][]string, loc *time.Location, lang string) ([][]string, error) {
	records, err := models.CommitmentRecords(tx)
	if err != nil {
		return nil, err
	}
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04") }
	for _, r := range records {
		v := r.Version
		standing := word(lang, "current")
		if r.Superseded {
			standing = word(lang, "replaced")
		}
		text := v.Text
		if utf8.RuneCountInString(text) > maxCellText {
			// Too long for a cell: the fingerprint still names it, and
			// `taskbot commitments show` prints it whole.
			text = ""
		}
		head := []string{v.Period, r.Leader.Key, strconv.Itoa(v.Version), standing, v.Fingerprint, at(v.IssuedAt), word(lang, v.IssuedVia)}
		if len(r.Events) == 0 {
			rows = append(rows, append(head, "", "", "", "", "", "", text))
			continue
		}
		for _, e := range r.Events {
			rows = append(rows, append(slices.Clone(head), word(lang, e.Kind), at(e.At), word(lang, e.Method),
				strconv.FormatInt(e.TelegramUserID, 10), strconv.FormatInt(e.UpdateID, 10), e.Text, text))
		}
	}
	return rows, nil
}

// visitRows appends the saved visits to rows.
func visitRows(tx *gorm.DB, rows [][]string, codes map[uint]string, loc *time.Location, lang string) ([][]string, error) {
	var visits []models.Visit
	if err := tx.Where("state = ?", models.VisitSaved).Order("saved_at, id").Find(&visits).Error; err != nil {
		return nil, fmt.Errorf("visits: %w", err)
	}
	if len(visits) == 0 {
		return rows, nil
	}
	var people []models.Person
	if err := tx.Where("id IN (?)", tx.Model(&models.Visit{}).Select("person_id").Where("state = ?", models.VisitSaved)).Find(&people).Error; err != nil {
		return nil, fmt.Errorf("visitors: %w", err)
	}
	names := map[uint]string{}
	for _, p := range people {
		names[p.ID] = p.Key
	}
	ids := make([]uint, len(visits))
	for i, v := range visits {
		ids[i] = v.ID
	}
	tasks, findings, files := map[uint][]string{}, map[uint][]models.VisitFinding{}, map[uint]int{}
	for _, chunk := range models.IDChunks(ids) {
		var vts []models.VisitTask
		if err := tx.Where("visit_id IN ?", chunk).Order("id").Find(&vts).Error; err != nil {
			return nil, fmt.Errorf("tasks of visits: %w", err)
		}
		for _, vt := range vts {
			tasks[vt.VisitID] = append(tasks[vt.VisitID], codes[vt.TaskID])
		}
		var fs []models.VisitFinding
		if err := tx.Where("visit_id IN ?", chunk).Order("visit_id, seq").Find(&fs).Error; err != nil {
			return nil, fmt.Errorf("findings of visits: %w", err)
		}
		for _, f := range fs {
			findings[f.VisitID] = append(findings[f.VisitID], f)
		}
		var counts []struct {
			VisitID uint
			N       int
		}
		if err := tx.Model(&models.VisitFile{}).Select("visit_id, COUNT(*) AS n").Where("visit_id IN ?", chunk).Group("visit_id").Scan(&counts).Error; err != nil {
			return nil, fmt.Errorf("files of visits: %w", err)
		}
		for _, c := range counts {
			files[c.VisitID] = c.N
		}
	}
	for _, v := range visits {
		v.Findings = findings[v.ID]
		tally := v.Tally()
		lines := make([]string, len(v.Findings))
		for i, f := range v.Findings {
			lines[i] = word(lang, string(f.Kind)) + "：" + f.Text
		}
		where := ""
		if v.Lat != nil && v.Lon != nil {
			where = fmt.Sprintf("%.5f, %.5f %s", *v.Lat, *v.Lon, word(lang, v.LocationSource))
			if v.LocationSource == models.LocationLive && v.LiveSeconds < 0x7FFFFFFF {
				where += fmt.Sprintf(" %d %s", (v.LiveSeconds+59)/60, word(lang, "minutes"))
			}
		}
		rows = append(rows, []string{v.SavedAt.In(loc).Format("2006-01-02 15:04"), names[v.PersonID], word(lang, string(v.Kind)),
			strings.Join(tasks[v.ID], "、"), strconv.Itoa(tally.Found), strconv.Itoa(tally.Solved), strconv.Itoa(tally.Coordinate),
			strings.Join(lines, "\n"), where, strconv.Itoa(files[v.ID])})
	}
	return rows, nil
}

// assessmentRows are the figures of each period begun by today, per
// scope; a period that has ended is read from its snapshot, frozen now if
// nobody froze it yet. A task with nothing due in a period is left out.
func assessmentRows(tx *gorm.DB, basis *models.AssessmentBasis, today time.Time, lang string) ([][]string, error) {
	periods, err := models.PeriodsBegun(tx, today)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, p := range periods {
		a, err := models.AssessPeriod(tx, basis, p, today, tx.NowFunc())
		if err != nil {
			return nil, err
		}
		state := "running"
		if a.Frozen != nil {
			state = "frozen"
		}
		for _, r := range a.Rows {
			if r.Kind == models.ScopeTask && r.Empty() && !r.Changed {
				continue
			}
			doneRate, pace := "", ""
			if v, ok := r.DonePercent(); ok {
				doneRate = fmt.Sprintf("%d%%", v)
			}
			if v, ok := r.PacePercent(); ok {
				pace = fmt.Sprintf("%d%%", v)
			}
			var notes []string
			if r.Empty() {
				notes = append(notes, word(lang, "nothing due"))
			}
			if r.Changed {
				notes = append(notes, word(lang, "changed after the end"))
			}
			name := r.Name
			if r.Kind == models.ScopeDistrict {
				name = word(lang, "district")
			}
			out = append(out, []string{a.Period.Name, a.Period.FirstDay.Format(time.DateOnly), a.Period.LastDay.Format(time.DateOnly),
				word(lang, state), word(lang, string(r.Kind)), name, r.Title, fmt.Sprint(r.Due), fmt.Sprint(r.Done), doneRate,
				fmt.Sprint(r.OnTime), fmt.Sprint(r.Late), fmt.Sprint(r.DueByToday), fmt.Sprint(r.DoneByToday), pace,
				fmt.Sprint(r.BehindTasks), strings.Join(notes, "; ")})
		}
	}
	return out, nil
}

// WriteXLSX writes the four sheets as a government ledger reads: a frozen,
// bold header row, columns as wide as their contents, the light coloured,
// dates, times, numbers and percentages as typed cells. Text stays text:
// a title such as =HYPERLINK(...) is an inline string, never a formula.
func (l *Ledger) WriteXLSX(w io.Writer, lang string) error {
	names, ok := sheetNames[lang]
	if !ok {
		names = sheetNames["zh"]
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newSheetStyles(f)
	if err != nil {
		return err
	}
	for i, sheet := range [][][]string{l.Rows, l.History, l.Coordination, l.Assessment, l.Visits, l.Commitments} {
		name := names[i]
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return fmt.Errorf("export sheet %s: %w", name, err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("export sheet %s: %w", name, err)
		}
		if err := writeSheet(f, name, sheet, columnKinds[i], st); err != nil {
			return err
		}
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// cellKind is how a column's cells are typed in the XLSX file.
type cellKind int

const (
	textCell    cellKind = iota
	dateCell             // 2006-01-02
	timeCell             // 2006-01-02 15:04
	intCell              // a count or a number
	percentCell          // 0–100, shown as a percentage
	lightCell            // the status light, coloured
)

// columnKinds types the columns of the four sheets, by position (the
// headers above): only what a spreadsheet should sort or sum is typed.
var columnKinds = [6]map[int]cellKind{
	{7: intCell, 9: dateCell, 11: lightCell, 13: percentCell, 15: timeCell, 17: dateCell, 18: dateCell},
	{0: timeCell, 2: intCell, 5: percentCell, 7: intCell},
	{6: timeCell},
	{1: dateCell, 2: dateCell, 7: intCell, 8: intCell, 10: intCell, 11: intCell, 12: intCell, 13: intCell, 15: intCell},
	{0: timeCell, 4: intCell, 5: intCell, 6: intCell, 9: intCell},
	{2: intCell, 5: timeCell, 8: timeCell},
}

// sheetStyles are the style ids the sheets use.
type sheetStyles struct {
	header, date, time, percent, int int
	light                            map[string]int
}

func newSheetStyles(f *excelize.File) (*sheetStyles, error) {
	border := []excelize.Border{{Type: "bottom", Color: "999999", Style: 1}}
	date, datetime := "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
	st := &sheetStyles{light: map[string]int{}}
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}}, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&st.date, excelize.Style{CustomNumFmt: &date}},
		{&st.time, excelize.Style{CustomNumFmt: &datetime}},
		{&st.percent, excelize.Style{NumFmt: 9}},
		{&st.int, excelize.Style{NumFmt: 1}},
	} {
		id, err := f.NewStyle(&s.style)
		if err != nil {
			return nil, fmt.Errorf("export styles: %w", err)
		}
		*s.id = id
	}
	// Each light in its colour with text that reads on it.
	for _, l := range []struct {
		words      []string
		fill, font string
	}{
		{[]string{"红", "red"}, "C62828", "FFFFFF"},
		{[]string{"黄", "yellow"}, "FFD54F", "000000"},
		{[]string{"绿", "green"}, "2E7D32", "FFFFFF"},
		{[]string{"已完成", "done"}, "616161", "FFFFFF"},
	} {
		id, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: l.font},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{l.fill}}, Alignment: &excelize.Alignment{Horizontal: "center"}})
		if err != nil {
			return nil, fmt.Errorf("export styles: %w", err)
		}
		for _, w := range l.words {
			st.light[w] = id
		}
	}
	return st, nil
}

// writeSheet streams one sheet: widths first (the stream writer takes them
// only before the rows), the header frozen.
func writeSheet(f *excelize.File, name string, sheet [][]string, kinds map[int]cellKind, st *sheetStyles) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("export sheet %s: %w", name, err)
	}
	var widths []int
	for _, row := range sheet {
		for c, v := range row {
			if c >= len(widths) {
				widths = append(widths, 0)
			}
			widths[c] = max(widths[c], textWidth(v))
		}
	}
	for c, wd := range widths {
		if err := sw.SetColWidth(c+1, c+1, float64(min(max(wd, 6), 60)+2)); err != nil {
			return fmt.Errorf("export sheet %s: %w", name, err)
		}
	}
	if len(sheet) > 0 {
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fmt.Errorf("export sheet %s: %w", name, err)
		}
	}
	for r, row := range sheet {
		cells := make([]any, len(row))
		for c, v := range row {
			if r == 0 {
				cells[c] = excelize.Cell{StyleID: st.header, Value: v}
				continue
			}
			cells[c] = typedCell(v, kinds[c], st)
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		if err := sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("export sheet %s row %d: %w", name, r+1, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("export sheet %s: %w", name, err)
	}
	return nil
}

// typedCell is v as its column's kind, or as text when it does not read
// as one (an empty date, a word where a number was expected).
func typedCell(v string, kind cellKind, st *sheetStyles) any {
	switch kind {
	case dateCell:
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return excelize.Cell{StyleID: st.date, Value: t}
		}
	case timeCell:
		if t, err := time.Parse("2006-01-02 15:04", v); err == nil {
			return excelize.Cell{StyleID: st.time, Value: t}
		}
	case intCell:
		if n, err := strconv.Atoi(v); err == nil {
			return excelize.Cell{StyleID: st.int, Value: n}
		}
	case percentCell:
		if n, err := strconv.Atoi(v); err == nil {
			return excelize.Cell{StyleID: st.percent, Value: float64(n) / 100}
		}
	case lightCell:
		if id, ok := st.light[v]; ok {
			return excelize.Cell{StyleID: id, Value: v}
		}
	}
	return v
}

// textWidth approximates the columns a cell's text takes: two for a
// Chinese character.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x2E80 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// WriteCSV writes the ledger sheet (a CSV file holds one sheet), with a
// byte-order mark so that Excel reads it as UTF-8. Every cell is user text
// as far as a spreadsheet knows, so formula-like cells get a leading quote;
// `taskbot import` takes it off again.
func (l *Ledger) WriteCSV(w io.Writer) error {
	return writeCSV(w, l.Rows)
}

// WriteAssessmentCSV writes the 季度考核 sheet as a CSV file of its own,
// like WriteCSV: the ledger's file must load back with taskbot import,
// which a second table in it would break.
func (l *Ledger) WriteAssessmentCSV(w io.Writer) error {
	return writeCSV(w, l.Assessment)
}

func writeCSV(w io.Writer, sheet [][]string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	cells := make([]string, 0, len(ledgerHeaders["zh"]))
	for i, row := range sheet {
		cells = cells[:0]
		for _, v := range row {
			cells = append(cells, importer.QuoteCSVCell(v))
		}
		if err := cw.Write(cells); err != nil {
			return fmt.Errorf("write csv row %d: %w", i+1, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"taskbot/models"
)

// texts are the board's words in Chinese and English.
var texts = map[string]map[string]string{
	"zh": {
		"title": "重点任务看板", "unauthorized": "无法确认您的身份。请从 Telegram 中机器人的菜单按钮打开看板。",
		"unbound":   "您的 Telegram 账号尚未绑定。请先打开督查办发给您的邀请链接，再从菜单按钮打开看板。",
		"forbidden": "没有找到该任务，或您无权查看。", "error": "出错了，请稍后再试。", "file_unavailable": "暂时无法取得该文件。",
		"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已完成",
		"pending": "未开始", "on_track": "正常推进", "at_risk": "有风险", "blocked": "受阻",
		"search": "搜索编号或名称", "all_depts": "全部牵头单位", "all_leaders": "全部包抓领导", "all_cats": "全部类别",
		"filter": "筛选", "clear_filters": "清除筛选", "ranking": "单位排名", "board": "看板", "no_tasks": "没有符合条件的任务。",
		"more_rows": "再显示 %d 项", "listed": "已显示 %d 项，共 %d 项",
		"next": "下一节点", "overdue_days": "逾期 %d 天", "latest": "最新报告", "no_report": "尚无报告", "away_until": "请假至", "deputy": "代报：%s",
		"leave_personal": "事假", "leave_sick": "病假", "leave_trip": "出差/外出招商", "leave_meeting": "会议", "leave_other": "其他",
		"leaders": "包抓领导", "owners": "责任人", "attendants": "专班联络员", "department": "牵头单位", "category": "类别",
		"milestones": "节点", "due": "完成时限", "due_soon": "即将到期", "history": "报告记录", "coordination": "待协调事项",
		"instructions": "领导批示", "confirmed": "已确认", "unconfirmed": "未确认", "corrected": "已被更正", "correction": "更正", "on_behalf": "代报",
		"withdrawn": "已撤回", "reopens": "重新打开", "evidence": "佐证材料", "photo": "照片", "document": "文件",
		"none": "无", "back": "返回看板", "overdue_per_task": "每项任务的逾期节点", "done_milestones": "已完成节点", "overdue_milestones": "逾期节点",
		"tasks": "任务数", "ranking_note": "只看任务结果：每项任务的逾期节点越少越靠前，再看完成节点的比例。不统计使用机器人的次数或速度。",
		"ago_min": "%d 分钟前", "ago_hour": "%d 小时前", "ago_day": "%d 天前", "just_now": "刚刚", "milestone": "节点",
		"awaiting_coordination": "待协调", "days_left": "剩 %d 天", "due_today": "今天到期", "missed_slots": "连续 %d 次未报告",
		"changes_in_chat": "看板只供查看；报告、批示等操作请在聊天中进行。",
		"period":          "本期考核", "period_due": "到期 %d", "period_done": "完成 %d（%d%%）", "period_ontime": "按期 %d", "period_late": "逾期 %d",
		"period_pace": "序时进度 %d/%d", "period_behind": "脱幅 %d 项", "period_on_pace": "未脱幅", "period_empty": "本期无节点",
		"period_chart": "每周累计：应完成与已完成的节点", "period_legend_due": "应完成", "period_legend_done": "已完成", "period_today": "今天",
		"period_note": "只看任务结果：本期到期的节点是否按期完成。不统计使用机器人的次数。",
		"visits":      "走一线", "visit_supervise": "现场督导", "visit_investment": "走访企业/招商", "visit_meeting": "现场办公会", "visit_other": "其他",
		"finding_found": "发现问题", "finding_solved": "现场解决", "finding_coordinate": "需协调",
		"location_live": "实时位置（共享 %d 分钟）", "location_point": "发送的位置", "location_none": "未附位置", "distance": "距项目约 %d 米", "files": "附件 %d 个",
		"commitments": "责任书", "commit_signed": "已签", "commit_unsigned": "未签", "commit_objected": "有异议", "commit_not_issued": "未下发",
		"commit_progress": "签订进度 %d/%d（%s）", "commit_version": "第%d版", "commit_signed_at": "签订于", "leader": "包抓领导",
		"commit_sign_in_chat": "责任书在聊天中阅读并签订。",
	},
	"en": {
		"title": "Key tasks board", "unauthorized": "We could not tell who you are. Open the board from the bot's menu button in Telegram.",
		"unbound":   "Your Telegram account is not linked yet. Open the invitation link the supervision office sent you, then open the board from the menu button.",
		"forbidden": "No such task, or you may not see it.", "error": "Something went wrong; please try again later.", "file_unavailable": "The file cannot be fetched right now.",
		"red": "Red", "yellow": "Yellow", "green": "Green", "done": "Done",
		"pending": "pending", "on_track": "on track", "at_risk": "at risk", "blocked": "blocked",
		"search": "Search code or title", "all_depts": "All departments", "all_leaders": "All leaders", "all_cats": "All categories",
		"filter": "Filter", "clear_filters": "Clear filters", "ranking": "Departments", "board": "Board", "no_tasks": "No task matches.",
		"more_rows": "Show %d more", "listed": "%d of %d shown",
		"next": "Next", "overdue_days": "%d days overdue", "latest": "Latest", "no_report": "No report yet", "away_until": "away until ", "deputy": "deputy: %s",
		"leave_personal": "personal leave", "leave_sick": "sick leave", "leave_trip": "business trip", "leave_meeting": "meeting", "leave_other": "other",
		"leaders": "Leaders", "owners": "Owners", "attendants": "Attendants", "department": "Department", "category": "Category",
		"milestones": "Milestones", "due": "Due", "due_soon": "due soon", "history": "Reports", "coordination": "Open coordination requests",
		"instructions": "Instructions", "confirmed": "Confirmed", "unconfirmed": "Not yet", "corrected": "corrected later", "correction": "correction", "on_behalf": "for",
		"withdrawn": "withdrawn", "reopens": "reopens", "evidence": "Evidence", "photo": "photo", "document": "document",
		"none": "none", "back": "Back to the board", "overdue_per_task": "Overdue milestones per task", "done_milestones": "milestones done", "overdue_milestones": "overdue milestones",
		"tasks": "tasks", "ranking_note": "Task outcomes only: fewest overdue milestones per task first, then the most milestones done. How often or how fast people use the bot is not counted.",
		"ago_min": "%d min ago", "ago_hour": "%d h ago", "ago_day": "%d days ago", "ago_day_1": "%d day ago", "just_now": "just now", "milestone": "M",
		"overdue_days_1": "%d day overdue", "awaiting_coordination": "awaiting coordination", "days_left": "%d days left", "days_left_1": "%d day left",
		"due_today": "due today", "missed_slots": "%d reminders unanswered", "missed_slots_1": "%d reminder unanswered",
		"changes_in_chat": "The board only shows; report, instruct and coordinate in chat.",
		"period":          "This period", "period_due": "%d due", "period_done": "%d done (%d%%)", "period_ontime": "%d on time", "period_late": "%d late",
		"period_pace": "on schedule %d/%d", "period_behind": "%d tasks behind", "period_behind_1": "%d task behind", "period_on_pace": "none behind",
		"period_empty": "Nothing due this period", "period_chart": "By week, cumulative: milestones due and done",
		"period_legend_due": "due", "period_legend_done": "done", "period_today": "today",
		"period_note": "Task outcomes only: whether the milestones due this period are done on time. How often people use the bot is not counted.",
		"visits":      "Front-line visits", "visit_supervise": "on-site supervision", "visit_investment": "company / investment visit", "visit_meeting": "on-site meeting", "visit_other": "other",
		"finding_found": "found", "finding_solved": "solved on site", "finding_coordinate": "needs coordination",
		"location_live": "live location (shared %d min)", "location_point": "location sent", "location_none": "no location", "distance": "about %d m from the site", "files": "%d files", "files_1": "%d file",
		"commitments": "Commitments", "commit_signed": "Signed", "commit_unsigned": "Not signed", "commit_objected": "Objected", "commit_not_issued": "Not issued",
		"commit_progress": "Signed %d/%d (%s)", "commit_version": "version %d", "commit_signed_at": "signed", "leader": "Leader",
		"commit_sign_in_chat": "Commitments are read and signed in chat.",
	},
}

// T is the text key in lang; bilingual gives Chinese then English.
func T(lang, key string) string {
	if lang == bilingual {
		return T("zh", key) + " / " + T("en", key)
	}
	m, ok := texts[lang]
	if !ok {
		m = texts["zh"]
	}
	if s, ok := m[key]; ok {
		return s
	}
	return "[" + key + "]"
}

// tn is the text key in lang with the count n in it, in the singular
// where the language has one (key_1).
func tn(lang, key string, n int) string {
	if n == 1 {
		if s, ok := texts[lang][key+"_1"]; ok {
			return fmt.Sprintf(s, n)
		}
	}
	return fmt.Sprintf(T(lang, key), n)
}

var funcs = template.FuncMap{
	"taskPath": taskPath,
	"t":        T,
	"tf":       func(lang, key string, args ...any) string { return fmt.Sprintf(T(lang, key), args...) },
	"tn":       tn,
	"date":     date,
	"local":    local,
	"keys": func(people []models.Person) string {
		keys := make([]string, len(people))
		for i, p := range people {
			keys[i] = p.Key
		}
		if len(keys) == 0 {
			return "—"
		}
		return strings.Join(keys, "、")
	},
	"pct": func(p *int) string {
		if p == nil {
			return ""
		}
		return fmt.Sprintf("%d%%", *p)
	},
	"join":    func(s []string) string { return strings.Join(s, "、") },
	"ago":     ago,
	"perTask": func(r float64) string { return fmt.Sprintf("%.1f", r) },
	"add":     func(a, b int) int { return a + b },
}

// date is a due date (kept as midnight UTC) as a <time> element, which the
// style keeps on one line: a date broken after "2026-11-" is misread.
func date(t time.Time) template.HTML {
	if t.IsZero() {
		return "—"
	}
	d := t.UTC().Format("2006-01-02")
	return template.HTML(`<time datetime="` + d + `">` + d + `</time>`)
}

// local is a moment in the reader's time zone, as a <time> element kept
// on one line like date's.
func local(t time.Time, loc *time.Location) template.HTML {
	t = t.In(loc)
	return template.HTML(`<time datetime="` + t.Format(time.RFC3339) + `">` + t.Format("2006-01-02 15:04") + `</time>`)
}

// ago says how long before now t was, coarsely: in minutes, hours, and
// from a whole day on in days ("1 天前", never "24 小时前").
func ago(lang string, now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return T(lang, "just_now")
	case d < time.Hour:
		return tn(lang, "ago_min", int(d.Minutes()))
	case d < 24*time.Hour:
		return tn(lang, "ago_hour", int(d.Hours()))
	}
	return tn(lang, "ago_day", int(d.Hours()/24))
}

// taskPath is the board's path of a task's page. The code is one escaped
// path segment: a '/', '?', '#' or '%' in it would otherwise end the
// segment, start a query or a fragment, or read as an escape, and open no
// task or another one. The route unescapes it back ({code} matches the
// escaped segment and PathValue returns it unescaped). "." and ".." are
// escaped too, or they would be cleaned out of the path.
func taskPath(code string) string {
	seg := url.PathEscape(code)
	if seg == "." || seg == ".." {
		seg = strings.ReplaceAll(seg, ".", "%2E")
	}
	return "/app/task/" + seg
}

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gorm.io/gorm"

	"taskbot/models"
)

// The README's configuration table must list every flag with its variable,
// and nothing that --help does not have.
func TestReadmeConfigurationMatchesHelp(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // flag → variable
	for _, m := range regexp.MustCompile("(?m)^\\| `--([a-z-]+)` \\| (`(TASKBOT_[A-Z_]+)`)? *\\|").FindAllStringSubmatch(string(readme), -1) {
		rows[m[1]] = m[3]
	}
	seen := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		visit := func(f *pflag.Flag) {
			if f.Name == "help" || seen[f.Name] {
				return
			}
			seen[f.Name] = true
			env, ok := rows[f.Name]
			if !ok {
				t.Errorf("README's configuration table lacks --%s (taskbot %s)", f.Name, c.Name())
				return
			}
			if want := strings.Join(f.Annotations[envAnnotation], ""); env != want {
				t.Errorf("README gives --%s the variable %q, --help says %q", f.Name, env, want)
			}
		}
		c.LocalFlags().VisitAll(visit)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCommand())
	for name := range rows {
		if !seen[name] {
			t.Errorf("README documents --%s, which no command has", name)
		}
	}
}

func TestFlagBeatsEnvironment(t *testing.T) {
	t.Setenv("TASKBOT_DB", "from-env.db")
	t.Setenv("TASKBOT_LOG_LEVEL", "warn")
	var got common
	root := newRootCommand()
	root.SetArgs([]string{"version", "--db", "from-flag.db"})
	root.SetOut(&bytes.Buffer{})
	root.PersistentPostRun = func(cmd *cobra.Command, _ []string) {
		fs := cmd.Flags()
		got.DB, _ = fs.GetString("db")
		got.LogLevel, _ = fs.GetString("log-level")
	}
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.DB != "from-flag.db" || got.LogLevel != "warn" {
		t.Fatalf("db=%q log-level=%q", got.DB, got.LogLevel)
	}
}

func TestBadEnvironmentValueIsRefused(t *testing.T) {
	t.Setenv("TASKBOT_RATE", "fast")
	root := newRootCommand()
	root.SetArgs([]string{"run", "--token", "x"})
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), "TASKBOT_RATE") {
		t.Fatalf("got %v", err)
	}
}

// The demo is the quick start: it must run end to end against the fake
// server and show each part of the conversation, whatever the environment
// says: a real database, token or server named there stays untouched.
func TestDemo(t *testing.T) {
	real := realDatabase(t)
	before := snapshotDir(t, filepath.Dir(real))
	t.Setenv("TASKBOT_DB", real)
	t.Setenv("TASKBOT_TOKEN", "123456:real-token")
	t.Setenv("TASKBOT_API_URL", "http://127.0.0.1:1")
	t.Setenv("TASKBOT_BOT_USERNAME", "real_bot")
	t.Setenv("TASKBOT_ADMINS", "1")
	private := setUmask(t, 0o022)
	dir := filepath.Join(t.TempDir(), "demo")
	// The day the example list is written for: its dates read as written.
	got, err := run(t, "demo", "--dir", dir, "--day", "2026-11-27")
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, got)
	}
	if after := snapshotDir(t, filepath.Dir(real)); !maps.Equal(before, after) {
		t.Errorf("the demo changed the database named by TASKBOT_DB: %v → %v", before, after)
	}
	if !strings.Contains(got, "database: "+filepath.Join(dir, "taskbot-demo.db")) {
		t.Errorf("the demo did not use its own database:\n%.300s", got)
	}
	for _, want := range []string{
		"imported: tasks 12 new",
		"no changes: the database already matches the file",
		"https://t.me/taskbot_demo_bot?start=",
		"-> 路人甲 #2: 您好！本机器人仅供重点任务专班使用",
		"杨帆，您好！账号绑定成功。",
		"找不到任务 T04",
		"该邀请链接已被使用过",
		"Hello 刘洋, your account is now bound.",
		"Your roles: person in charge",
		"-> Liu Yang #8: 📋 杨帆 is away",
		"为保护任务信息，请私聊我使用",
		"已向 T01 的 1 位专班联络员发送催办提醒",
		"发送催办提醒。\n  ✉️ 已收到：杨帆\n  ⚠️ 未绑定，收不到：赵磊",
		"-> 杨帆 #11: ⏰ 王建国 催办 · 逾期 241 天",
		"edited #11 for 杨帆: 📝 已记录",
		"edited #11 for 杨帆: 📝 已记录\n  T01 招商引资“双百”攻坚行动\n  节点1「完成全年招商项目库梳理，储备项目不少于100个」\n  状态：正常推进 · 85%\n  说明：已储备项目86个",
		"状态：正常推进 · 80%\n  说明：已签约24个",
		"附件：1",
		"状态：受阻\n  说明：等待用地审批",
		"“60”是指哪个节点的进度？请选择：",
		"节点4「全年到位资金完成目标任务」\n  状态：正常推进 · 60%",
		"只有任务 T01 的专班联络员和责任人可以报告进展，未记录。",
		"3. 新签约项目开工率达到60% — 时限 2026-12-15 · 受阻",
		"🆘 协调请求",
		"王建国：已协调区自然资源局，下周一前批复",
		"标记为已解决：等待用地审批",
		"📝 领导批示 T01",
		"已确认收到",
		"⏳ 延期申请 T01",
		"时限 2026-12-15 → 申请延至 2027-01-15\n  原因：用地审批延后，开工顺延一个月",
		"已向 T01 的包抓领导提交延期申请",
		"延期申请已批准：T01 节点3「新签约项目开工率达到60%」时限 2026-12-15 → 2027-01-15（原定 2026-12-15）",
		"3. 新签约项目开工率达到60% — 时限 2027-01-15（原定 2026-12-15） · 受阻",
		`created topic #3 "T01 · 招商引资`,
		"-> 重点任务专班 #7: ⏰ 王建国 催办 · 逾期 241 天",
		"请 杨帆 报告进展。",
		"状态：正常推进 · 50%\n  说明：用地审批已受理",
		"-> 王建国 #22: 🏁 销号申请 T12 安全生产专项整治",
		"🏁 T12 安全生产专项整治 已由 王建国 批准销号。",
		"✅ 已签订《2026 年度重点任务目标责任书》第1版",
		"签订进度 1/3（2026）",
		"走一线已记录：发现问题 1，现场解决 1。",
		"📊 重点任务汇总 2026-11-27\n  🔴 1 红灯 · 🟡 1 黄灯 · 🟢 1 绿灯 · ✅ 1 已完成",
		"<photo>",
		"<taskbot-",
		"summary chart: ",
		"exported ledger: ",
		"failed: 0, 429s received: 0",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(got, "-> 路人甲 #2: 您好！本机器人仅供重点任务专班使用，需凭邀请链接开通。如需使用，请联系督查办。\n  @taskbot_demo_bot -> 路人甲") {
		t.Error("stranger got more than one refusal")
	}
	if strings.Contains(got, "-> Liu Yang #") && regexp.MustCompile(`-> Liu Yang #\d+: \P{Han}*(您|已|请)`).MatchString(got) {
		t.Error("the English reader was written to in Chinese")
	}
	if strings.Contains(got, "moved by") {
		t.Error("the example list's dates moved on the day it is written for")
	}
	for _, name := range []string{"summary-chart.png", "ledger.xlsx", "tasks.csv", "tasks.xlsx"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() < 1000 {
			t.Errorf("demo file %s: %v", name, err)
		}
	}
	if private {
		wantMode(t, dir, 0o700)
		for _, name := range []string{"taskbot-demo.db", "summary-chart.png", "ledger.xlsx"} {
			wantMode(t, filepath.Join(dir, name), 0o600)
		}
	}
	if t.Failed() {
		t.Log(got)
	}
}

// realDatabase makes a database with a task list in a directory of its own.
func realDatabase(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "real.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	return db
}

// snapshotDir maps each file of dir to a digest of its content.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fmt.Sprintf("%x", sha256.Sum256(data))
	}
	return out
}

// The demo writes only a database it creates: --db must name a new file.
func TestDemoRefusesAnExistingDatabase(t *testing.T) {
	real := realDatabase(t)
	before := snapshotDir(t, filepath.Dir(real))
	for _, args := range [][]string{
		{"demo", "--db", real},
		{"demo", "--db", "postgres://postgres@127.0.0.1:5432/test"},
		{"demo", "--dir", filepath.Dir(real), "--db", filepath.Join(filepath.Dir(real), "new.db")},
	} {
		out, err := run(t, args...)
		if err == nil || !strings.Contains(err.Error(), "demo") {
			t.Errorf("%q: %v\n%s", args, err, out)
		}
		if strings.Contains(out, "== conversation ==") {
			t.Errorf("%q ran the demo", args)
		}
	}
	// A directory with a demo's files in it is not new either.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ledger.xlsx"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "demo", "--dir", dir); err == nil || !strings.Contains(err.Error(), "ledger.xlsx") {
		t.Errorf("a directory holding ledger.xlsx: %v\n%s", err, out)
	}
	if after := snapshotDir(t, filepath.Dir(real)); !maps.Equal(before, after) {
		t.Errorf("a refused demo changed files: %v → %v", before, after)
	}
}

// run executes taskbot with args and returns what it printed.
func run(t testing.TB, args ...string) (string, error) {
	t.Helper()
	root := newRootCommand()
	var out bytes.Buffer
	root.SetArgs(append(args, "--log-level", "warn"))
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestCalendarImport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	if _, err := run(t, "import", "--db", db, filepath.Join("..", "..", "examples", "tasks.csv")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("日期,类型,名称\n2026-10-01,休,国庆节\n2026-13-01,休,坏日期\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "calendar", "import", bad, "--db", db); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("bad calendar: %v", err)
	}
	out, err := run(t, "calendar", "--db", db)
	if err != nil || !strings.Contains(out, "no calendar loaded") {
		t.Fatalf("a refused file changed the calendar: %q %v", out, err)
	}
	out, err = run(t, "calendar", "import", "../../scheduler/testdata/calendar/2026.yaml", "--db", db)
	if err != nil || !strings.Contains(out, "loaded") {
		t.Fatalf("import: %q %v", out, err)
	}
	out, err = run(t, "calendar", "--db", db)
	if err != nil || !strings.Contains(out, "2026-10-01  holiday  国庆节") || !strings.Contains(out, "2026-01-04  workday") {
		t.Fatalf("calendar listing: %q %v", out, err)
	}
}

func TestRemindNowCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "remind", "--db", db); err == nil {
		t.Fatal("remind without --now accepted")
	}
	if _, err := run(t, "remind", "--now", "--task", "T99", "--db", db); err == nil {
		t.Fatal("remind of an unknown task accepted")
	}
	out, err := run(t, "remind", "--now", "--task", "t01", "--db", db)
	if err != nil || !strings.Contains(out, "queued 0 reminder(s)") {
		t.Fatalf("nobody bound, nothing to queue: %q %v", out, err)
	}
}

// The exported ledger loads back with import and changes nothing.
func TestExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ledger.xlsx", "ledger.csv"} {
		out := filepath.Join(dir, name)
		if _, err := run(t, "export", "--out", out, "--db", db); err != nil {
			t.Fatalf("export %s: %v", name, err)
		}
		got, err := run(t, "import", out, "--db", db)
		if err != nil {
			t.Fatalf("re-import %s: %v\n%s", name, err, got)
		}
		if !strings.Contains(got, "no changes") {
			t.Fatalf("re-importing %s changed the database:\n%s", name, got)
		}
	}
	for _, lang := range []string{"zh", "en"} {
		fresh := filepath.Join(dir, lang+".db")
		out := filepath.Join(dir, "ledger-"+lang+".xlsx")
		if _, err := run(t, "export", "--out", out, "--lang", lang, "--db", db); err != nil {
			t.Fatal(err)
		}
		got, err := run(t, "import", out, "--db", fresh)
		if err != nil || !strings.Contains(got, "tasks 12 new") {
			t.Fatalf("%s export into a new database: %v\n%s", lang, err, got)
		}
	}
	if _, err := run(t, "export", "--out", filepath.Join(dir, "x.pdf"), "--db", db); err == nil {
		t.Fatal("export to .pdf accepted")
	}
}

// After an approved extension the list it came from, which still gives the
// original date, leaves the extension alone; the ledger exported then shows
// the original and the extended due dates, and loads back with no changes.
func TestExportImportRoundTripAfterAnExtension(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	if _, err := run(t, "import", "../../examples/tasks.csv", "--db", db); err != nil {
		t.Fatal(err)
	}
	store, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := models.TaskByCode(store.DB, "T01")
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	asked := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	err = store.Tx(context.Background(), func(tx *gorm.DB) error {
		req, err := models.RequestExtension(tx, d.Attendants[0].ID, models.ExtensionAsk{MilestoneID: d.Milestones[3].ID,
			NewDue: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), Reason: "资金拨付延后"}, time.UTC, asked)
		if err != nil {
			return err
		}
		_, err = models.DecideExtension(tx, models.Decider{PersonID: &d.Leaders[0].ID}, req.ID, models.ExtensionApproved, "", asked)
		return err
	})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	got, err := run(t, "import", "../../examples/tasks.csv", "--db", db)
	if err != nil || !strings.Contains(got, "no changes") || strings.Contains(got, "due dates moved") {
		t.Fatalf("the original list after the extension: %v\n%s", err, got)
	}
	for _, name := range []string{"ledger.csv", "ledger.xlsx"} {
		out := filepath.Join(dir, name)
		if _, err := run(t, "export", "--out", out, "--db", db); err != nil {
			t.Fatalf("export %s: %v", name, err)
		}
		if name == "ledger.csv" {
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), ",原定时限,延期后时限,经度,纬度\n") || !strings.Contains(string(data), "全年到位资金完成目标任务,2027-03-31,") ||
				!strings.Contains(string(data), ",2027-01-31,2027-03-31,,\n") {
				t.Errorf("the exported ledger lacks the original and extended due dates:\n%s", data)
			}
		}
		got, err := run(t, "import", out, "--db", db)
		if err != nil || !strings.Contains(got, "no changes") {
			t.Fatalf("re-importing %s: %v\n%s", name, err, got)
		}
	}
}

// Titles a spreadsheet would run as formulas leave as text and load back
// unchanged.
func TestExportImportRoundTripOfHostileText(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	store, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	var specs []models.TaskSpec
	for i, title := range []string{`=HYPERLINK("http://x","y")`, "+1", "-2+3", "@SUM(A1)", "'=1+1", "'plain", "-7"} {
		specs = append(specs, models.TaskSpec{
			Code: fmt.Sprintf("T%02d", i+1), Title: title, Department: "区发改局",
			Leaders: []models.PersonSpec{{Name: "王建国"}}, Attendants: []models.PersonSpec{{Name: "刘洋"}},
			Milestones: []models.MilestoneSpec{{Seq: 1, Title: title, Due: due}},
		})
	}
	_, err = store.ImportTasks(context.Background(), specs, false)
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ledger.csv", "ledger.xlsx"} {
		out := filepath.Join(dir, name)
		if _, err := run(t, "export", "--out", out, "--db", db); err != nil {
			t.Fatalf("export %s: %v", name, err)
		}
		if name == "ledger.csv" {
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), `"'=HYPERLINK(""http://x"",""y"")"`) || !strings.Contains(string(data), ",'@SUM(A1),") {
				t.Errorf("formula-like titles written as they are:\n%s", data)
			}
		}
		got, err := run(t, "import", out, "--db", db)
		if err != nil || !strings.Contains(got, "no changes") {
			t.Fatalf("re-importing %s: %v\n%s", name, err, got)
		}
	}
}

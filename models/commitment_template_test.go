package models_test

import (
	"errors"
	"strings"
	"testing"

	"taskbot/models"
)

func TestParseCommitmentTemplate(t *testing.T) {
	good := string(models.DefaultCommitmentTemplateText())
	for _, tc := range []struct {
		name, text, problem string
	}{
		{"default", good, ""},
		{"edited clause", strings.Replace(good, "专班联络员按时如实报告进展", "专班按周报告进展", 1), ""},
		{"not toml", "title = ", "bad commitment template"},
		{"unknown key", good + "\n[zh.extra]\nx = 1\n", "unknown key"},
		{"english missing", good[:strings.Index(good, "[en]")], "no [en] section"},
		{"empty part", strings.Replace(good, `closing = "本责任书`, `closing = "" # `, 1), "closing is empty"},
		{"no clauses", strings.Replace(good, "clauses = [", "old = [", 1), "unknown key"},
		{"several lines", strings.Replace(good, `title = "{period} 年度`, `title = """a`+"\n"+`b""" # `, 1), "spans several lines"},
		{"unknown language", good + "\n[fr]\ntitle = \"x\"\n", "unknown language"},
		{"not UTF-8", good + "\n# \xff\n", "not UTF-8"},
		{"too long", good + "\n#" + strings.Repeat("x", 70000), "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := models.ParseCommitmentTemplate([]byte(tc.text))
			if tc.problem == "" {
				if err != nil || len(tmpl["zh"].Clauses) == 0 || tmpl["en"].Title == "" {
					t.Fatalf("%v, %+v", err, tmpl)
				}
				return
			}
			if !errors.Is(err, models.ErrCommitmentTemplate) || !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("error %v, want one saying %q", err, tc.problem)
			}
		})
	}
}

// Whatever file the district gives, parsing answers with a template whose
// every part is one non-empty line, or with an error: never a panic.
func FuzzParseCommitmentTemplate(f *testing.F) {
	f.Add(models.DefaultCommitmentTemplateText())
	f.Add([]byte("[zh]\ntitle = 1\n"))
	f.Add([]byte("[zh]\nclauses = [\"\"]\n[en]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl, err := models.ParseCommitmentTemplate(data)
		if err != nil {
			if !errors.Is(err, models.ErrCommitmentTemplate) {
				t.Fatalf("error not marked as a template's: %v", err)
			}
			return
		}
		for _, lang := range []string{"zh", "en"} {
			w := tmpl[lang]
			for _, part := range append([]string{w.Title, w.Preamble, w.Milestone, w.Target, w.Signature}, w.Clauses...) {
				if strings.TrimSpace(part) == "" || strings.ContainsAny(part, "\r\n") {
					t.Fatalf("accepted part %q", part)
				}
			}
		}
	})
}

package bot

import (
	"strings"
	"testing"
)

// A leader's text is offered as an instruction when it begins with the
// code of a task they lead and says something after it; anything else is
// not.
func TestLedCodeAtStart(t *testing.T) {
	led := map[string]bool{"T07": true, "T1.2": true, "ZX-01": true}
	for _, c := range []struct {
		name, text, code, rest string
	}{
		{"space", "T07 请加快土地报批", "T07", "请加快土地报批"},
		{"lower case", "t07 请加快", "T07", "请加快"},
		{"full-width colon", "T07：请加快土地报批", "T07", "请加快土地报批"},
		{"colon", "T07: speed up", "T07", "speed up"},
		{"no space before Chinese", "T07请加快土地报批", "T07", "请加快土地报批"},
		{"comma", "T07，本周完成", "T07", "本周完成"},
		{"leading spaces", "  T07  本周完成  ", "T07", "本周完成"},
		{"newline", "T07\n一、加快报批\n二、周五前报告", "T07", "一、加快报批\n二、周五前报告"},
		{"code with a dot", "T1.2 加快", "T1.2", "加快"},
		{"code with a dash", "zx-01 加快", "ZX-01", "加快"},
		{"sentence full stop after code", "T07. 加快", "T07", "加快"},
		{"code only", "T07", "", ""},
		{"code and punctuation only", "T07：", "", ""},
		{"longer code", "T070 加快", "", ""},
		{"code not led", "T08 加快", "", ""},
		{"code later in text", "请加快 T07", "", ""},
		{"empty", "", "", ""},
		{"prefix of a code", "T0 加快", "", ""},
		{"letters run on", "T07abc 加快", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, rest, ok := ledCodeAtStart(c.text, led)
			if ok != (c.code != "") || code != c.code || rest != c.rest {
				t.Fatalf("ledCodeAtStart(%q) = %q, %q, %v; want %q, %q", c.text, code, rest, ok, c.code, c.rest)
			}
		})
	}
}

func FuzzLedCodeAtStart(f *testing.F) {
	for _, s := range []string{"T07 请加快", "t07：加快", "T07", "T07.", "T1.2-", "", "T07\n\n"} {
		f.Add(s)
	}
	led := map[string]bool{"T07": true, "T1.2": true}
	f.Fuzz(func(t *testing.T, text string) {
		code, rest, ok := ledCodeAtStart(text, led)
		if !ok {
			if code != "" || rest != "" {
				t.Fatalf("refused %q with %q, %q", text, code, rest)
			}
			return
		}
		if !led[code] || rest == "" || rest != strings.TrimSpace(rest) {
			t.Fatalf("%q gives %q, %q", text, code, rest)
		}
		if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(text)), code) || !strings.HasSuffix(strings.TrimSpace(text), rest) {
			t.Fatalf("%q: code %q and words %q are not its own", text, code, rest)
		}
	})
}

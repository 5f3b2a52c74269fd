package models_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"taskbot/models"
)

func TestParseFindings(t *testing.T) {
	f := func(k models.FindingKind, code, text string) models.Finding {
		return models.Finding{Kind: k, Code: code, Text: text}
	}
	for _, c := range []struct {
		name string
		in   string
		want []models.Finding
		line int
		why  string
	}{
		{name: "three kinds", in: "发现：用地手续滞后\n已解决：协调电力接入\n需协调：规划调整", want: []models.Finding{
			f(models.FindingFound, "", "用地手续滞后"), f(models.FindingSolved, "", "协调电力接入"), f(models.FindingCoordinate, "", "规划调整")}},
		{name: "no separator", in: "问题用地未批", want: []models.Finding{f(models.FindingFound, "", "用地未批")}},
		{name: "long words", in: "发现问题: 拆迁\n现场解决，电力\n需要协调 规划", want: []models.Finding{
			f(models.FindingFound, "", "拆迁"), f(models.FindingSolved, "", "电力"), f(models.FindingCoordinate, "", "规划")}},
		{name: "english", in: "Found: land permit late\nsolved - power\nneeds coordination: zoning", want: []models.Finding{
			f(models.FindingFound, "", "land permit late"), f(models.FindingSolved, "", "power"), f(models.FindingCoordinate, "", "zoning")}},
		{name: "task code", in: "需协调：T07 规划调整", want: []models.Finding{f(models.FindingCoordinate, "T07", "规划调整")}},
		{name: "lower code", in: "coordinate: t07: zoning", want: []models.Finding{f(models.FindingCoordinate, "T07", "zoning")}},
		{name: "word not code", in: "found: land late", want: []models.Finding{f(models.FindingFound, "", "land late")}},
		{name: "continuation", in: "- 发现：用地\n  手续滞后\n\n• 解决：电力", want: []models.Finding{
			f(models.FindingFound, "", "用地 手续滞后"), f(models.FindingSolved, "", "电力")}},
		{name: "nothing", in: " 无 ", want: nil},
		{name: "none", in: "None", want: nil},
		{name: "no keyword", in: "路面破损", line: 1, why: "no_keyword"},
		{name: "founder is no keyword", in: "founder met", line: 1, why: "no_keyword"},
		{name: "empty finding", in: "发现：用地\n已解决：", line: 2, why: "empty"},
		{name: "code only", in: "需协调：T07", line: 1, why: "empty"},
		{name: "blank", in: "  \n ", line: 1, why: "empty"},
		{name: "line too long", in: "发现：" + strings.Repeat("长", 501), line: 1, why: "too_long"},
		{name: "too many", in: strings.Repeat("发现：x\n", 21), line: 21, why: "too_many"},
		{name: "text too long", in: strings.Repeat("发现：x\n", 1500), why: "too_long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := models.ParseFindings(c.in)
			if c.why != "" {
				var fe *models.FindingsError
				if !errors.As(err, &fe) || fe.Reason != c.why || fe.Line != c.line {
					t.Fatalf("ParseFindings(%q) = %v, %v; want line %d %s", c.in, got, err, c.line, c.why)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("ParseFindings(%q) = %#v, %v; want %#v", c.in, got, err, c.want)
			}
		})
	}
}

func FuzzParseFindings(f *testing.F) {
	for _, s := range []string{"发现：用地手续滞后\n已解决：协调电力接入\n需协调：规划调整", "coordinate: T07 zoning", "无", "- found\n x", "需协调：T07"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := models.ParseFindings(in)
		if err != nil {
			var fe *models.FindingsError
			if !errors.As(err, &fe) || got != nil {
				t.Fatalf("error %v with findings %v", err, got)
			}
			return
		}
		if len(got) > 20 {
			t.Fatalf("%d findings", len(got))
		}
		for _, g := range got {
			if strings.TrimSpace(g.Text) == "" || utf8.RuneCountInString(g.Text) > 500 {
				t.Fatalf("finding text %q", g.Text)
			}
			switch g.Kind {
			case models.FindingFound, models.FindingSolved, models.FindingCoordinate:
			default:
				t.Fatalf("kind %q", g.Kind)
			}
			if utf8.ValidString(in) && !utf8.ValidString(g.Text) {
				t.Fatalf("invalid UTF-8 out of valid input: %q", g.Text)
			}
		}
	})
}

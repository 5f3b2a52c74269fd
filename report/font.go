package report

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/golang/freetype/truetype"
)

// The chart font ships inside the binary: a host without CJK fonts would
// otherwise draw a Chinese leader's chart as empty boxes.
//
//go:embed font/wqy-microhei.ttf
var fontData []byte

var (
	fontOnce sync.Once
	chartFnt *truetype.Font
	fontErr  error
)

// LoadFont loads the chart font, once per process. Commands that draw
// charts call it at startup, so that a broken font stops them there rather
// than in the first summary.
func LoadFont() error {
	fontOnce.Do(func() {
		f, err := truetype.Parse(fontData)
		if err != nil {
			fontErr = fmt.Errorf("chart font: %w", err)
			return
		}
		// The labels every chart draws, in both languages: a font that
		// lacks one would draw it as a box.
		if missing := missingRunes(f, "红黄绿完成任务牵头单位领导节点计划实际累计月年今天数其他本周上转为逾期RedYellowGreenDone0123456789%（）»"); missing != "" {
			fontErr = fmt.Errorf("chart font lacks %q", missing)
			return
		}
		chartFnt = f
	})
	return fontErr
}

// MissingGlyphs returns the characters of s the chart font cannot draw,
// spaces aside.
func MissingGlyphs(s string) (string, error) {
	if err := LoadFont(); err != nil {
		return "", err
	}
	return missingRunes(chartFnt, s), nil
}

func missingRunes(f *truetype.Font, s string) string {
	var out []rune
	for _, r := range s {
		if r == ' ' || r == '\n' {
			continue
		}
		if f.Index(r) == 0 {
			out = append(out, r)
		}
	}
	return string(out)
}

package web

import (
	"testing"
	"time"
)

func TestAgo(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		before time.Duration
		zh, en string
	}{
		{-time.Hour, "刚刚", "just now"}, // a clock a little ahead of ours
		{0, "刚刚", "just now"},
		{59 * time.Second, "刚刚", "just now"},
		{time.Minute, "1 分钟前", "1 min ago"},
		{59*time.Minute + 59*time.Second, "59 分钟前", "59 min ago"},
		{time.Hour, "1 小时前", "1 h ago"},
		{23*time.Hour + 59*time.Minute, "23 小时前", "23 h ago"},
		{24 * time.Hour, "1 天前", "1 day ago"},
		{47 * time.Hour, "1 天前", "1 day ago"},
		{48 * time.Hour, "2 天前", "2 days ago"},
		{400 * 24 * time.Hour, "400 天前", "400 days ago"},
	}
	for _, tc := range cases {
		t.Run(tc.before.String(), func(t *testing.T) {
			at := now.Add(-tc.before)
			if got := ago("zh", now, at); got != tc.zh {
				t.Errorf("zh: %q, want %q", got, tc.zh)
			}
			if got := ago("en", now, at); got != tc.en {
				t.Errorf("en: %q, want %q", got, tc.en)
			}
		})
	}
}

// Every text is in both languages; only English has singulars (key_1).
func TestTextsInBothLanguages(t *testing.T) {
	for key := range texts["zh"] {
		if _, ok := texts["en"][key]; !ok {
			t.Errorf("%q has no English", key)
		}
	}
	for key := range texts["en"] {
		if _, ok := texts["zh"][key]; !ok && !singular(key) {
			t.Errorf("%q has no Chinese", key)
		}
	}
}

// singular tells whether key is the English singular of another key.
func singular(key string) bool {
	n := len(key)
	return n > 2 && key[n-2:] == "_1" && texts["en"][key[:n-2]] != ""
}

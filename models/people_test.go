package models_test

import (
	"context"
	"testing"

	"taskbot/models"
	"taskbot/models/storetest"
)

func TestPersonKeyOf(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"half-width", "张三(发改局)", "张三(发改局)"},
		{"full-width", "张三（发改局）", "张三(发改局)"},
		{"mixed", "张三(发改局）", "张三(发改局)"},
		{"spaces", " 张三 （ 发改局 ） ", "张三(发改局)"},
		{"no department", " 张三 ", "张三"},
		{"unbalanced", "张三（发改局", "张三(发改局"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := models.PersonKeyOf(tc.in); got != tc.want {
				t.Fatalf("PersonKeyOf(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// A name given by hand finds its person whatever parentheses it uses; a
// bare name finds every namesake.
func TestPeopleNamed(t *testing.T) {
	storetest.Each(t, models.Options{}, func(t *testing.T, s *models.Store) {
		if _, err := s.ImportTasks(context.Background(), sampleList(), false); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			want []string
		}{
			{"张伟（区住建局）", []string{"张伟(区住建局)"}},
			{"张伟 (区水利局)", []string{"张伟(区水利局)"}},
			{"张伟", []string{"张伟(区住建局)", "张伟(区水利局)"}},
			{"刘洋", []string{"刘洋"}},
			{"刘洋（区住建局）", nil},
		} {
			got, err := models.PeopleNamed(s.DB, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, p := range got {
				keys = append(keys, p.Key)
			}
			if len(keys) != len(tc.want) || (len(keys) > 0 && (keys[0] != tc.want[0] || keys[len(keys)-1] != tc.want[len(tc.want)-1])) {
				t.Errorf("PeopleNamed(%q) = %q, want %q", tc.name, keys, tc.want)
			}
		}
	})
}

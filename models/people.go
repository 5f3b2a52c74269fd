package models

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// fullWidthParens are the parentheses Chinese input methods type; the
// task list's keys use half-width ones, as the import writes them.
var fullWidthParens = strings.NewReplacer("（", "(", "）", ")")

// PersonKeyOf writes a name given by hand as the task list's keys are
// written: 姓名 or 姓名(单位), half-width parentheses, no spaces around the
// parts. 张三（发改局）, 张三 (发改局) and 张三(发改局) are one key.
func PersonKeyOf(name string) string {
	s := strings.TrimSpace(fullWidthParens.Replace(name))
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return s
	}
	return strings.TrimSpace(s[:open]) + "(" + strings.TrimSpace(s[open+1:len(s)-1]) + ")"
}

// PeopleNamed finds the people a name given by hand means: the one whose
// key it is (姓名(单位)), or every person of that name when it names no
// department. Parentheses may be full- or half-width.
func PeopleNamed(tx *gorm.DB, name string) ([]Person, error) {
	key := PersonKeyOf(name)
	base := key
	if i := strings.IndexByte(key, '('); i >= 0 {
		base = strings.TrimSpace(key[:i])
	}
	var candidates []Person
	if err := tx.Where("name = ? OR key = ?", base, key).Order("key").Find(&candidates).Error; err != nil {
		return nil, fmt.Errorf("people named %q: %w", name, err)
	}
	var out []Person
	for _, p := range candidates {
		if PersonKeyOf(p.Key) == key {
			return []Person{p}, nil
		}
		if p.Name == key {
			out = append(out, p)
		}
	}
	return out, nil
}

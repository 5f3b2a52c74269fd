package models

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FindingKind is what a front-line visit found about a problem.
type FindingKind string

const (
	FindingFound      FindingKind = "found"      // 发现问题
	FindingSolved     FindingKind = "solved"     // 现场解决
	FindingCoordinate FindingKind = "coordinate" // 需协调
)

// Finding is one line of what a visit found. Code names the task it is
// about when the line begins with a task code ("需协调：T07 规划调整").
type Finding struct {
	Kind FindingKind
	Code string
	Text string
}

// Limits of a visit's findings text.
const (
	maxFindings     = 20
	maxFindingRunes = 500
	maxFindingsText = 4000
)

// FindingsError says why a findings text was not understood; Line counts
// from 1 (0: the whole text).
type FindingsError struct {
	Line   int
	Reason string // "no_keyword", "empty", "too_long", "too_many"
}

func (e *FindingsError) Error() string {
	return fmt.Sprintf("findings line %d: %s", e.Line, e.Reason)
}

// findingKeywords start a finding line; longer words first, so that
// "已解决" is not read as "解决" leaving "已".
var findingKeywords = []struct {
	word string
	kind FindingKind
}{
	{"needs coordination", FindingCoordinate},
	{"coordinate", FindingCoordinate},
	{"problem", FindingFound},
	{"solved", FindingSolved},
	{"found", FindingFound},
	{"需要协调", FindingCoordinate},
	{"现场解决", FindingSolved},
	{"发现问题", FindingFound},
	{"需协调", FindingCoordinate},
	{"已解决", FindingSolved},
	{"协调", FindingCoordinate},
	{"解决", FindingSolved},
	{"发现", FindingFound},
	{"问题", FindingFound},
}

// noFindings are whole texts that say nothing was found.
var noFindings = map[string]bool{"无": true, "没有": true, "none": true, "nothing": true, "-": true}

// ParseFindings reads a visit's findings: one per line, each starting with
// 发现/问题, 解决/已解决 or 协调/需协调 (found, solved, coordinate), e.g.
// "发现：用地手续滞后\n已解决：协调电力接入\n需协调：规划调整". A line with no
// keyword continues the finding above it. "无" or "none" is no finding.
// Nothing is guessed: a first line with no keyword, or a keyword with no
// text, is an error.
func ParseFindings(text string) ([]Finding, error) {
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) > maxFindingsText {
		return nil, &FindingsError{Reason: "too_long"}
	}
	if noFindings[strings.ToLower(text)] {
		return nil, nil
	}
	var out []Finding
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimLeftFunc(strings.TrimSpace(line), func(r rune) bool {
			return r == '-' || r == '•' || r == '*' || r == '·' || unicode.IsSpace(r)
		})
		if line == "" {
			continue
		}
		kind, rest, ok := findingKeyword(line)
		if !ok {
			if len(out) == 0 {
				return nil, &FindingsError{Line: i + 1, Reason: "no_keyword"}
			}
			f := &out[len(out)-1]
			f.Text += " " + line
			if utf8.RuneCountInString(f.Text) > maxFindingRunes {
				return nil, &FindingsError{Line: i + 1, Reason: "too_long"}
			}
			continue
		}
		code, rest := findingCode(rest)
		if rest == "" {
			return nil, &FindingsError{Line: i + 1, Reason: "empty"}
		}
		if utf8.RuneCountInString(rest) > maxFindingRunes {
			return nil, &FindingsError{Line: i + 1, Reason: "too_long"}
		}
		if len(out) == maxFindings {
			return nil, &FindingsError{Line: i + 1, Reason: "too_many"}
		}
		out = append(out, Finding{Kind: kind, Code: code, Text: rest})
	}
	if len(out) == 0 {
		return nil, &FindingsError{Line: 1, Reason: "empty"}
	}
	return out, nil
}

// findingKeyword reads the keyword a line starts with and the text after
// its separator. An English keyword must end the word ("founder" is not
// "found").
func findingKeyword(line string) (FindingKind, string, bool) {
	for _, k := range findingKeywords {
		if len(line) < len(k.word) || !strings.EqualFold(line[:len(k.word)], k.word) {
			continue
		}
		rest := line[len(k.word):]
		if k.word[0] < utf8.RuneSelf && rest != "" {
			r, _ := utf8.DecodeRuneInString(rest)
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				continue
			}
		}
		return k.kind, trimSeparators(rest), true
	}
	return "", "", false
}

func trimSeparators(s string) string {
	return strings.TrimLeftFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(":：,，、.。-—", r)
	})
}

// findingCode takes a leading task code ("T07 规划调整"): one to four
// ASCII letters, then digits, then a separator.
func findingCode(s string) (code, rest string) {
	i := 0
	for i < len(s) && i < 4 && isASCIILetter(s[i]) {
		i++
	}
	j := i
	for j < len(s) && j-i < 6 && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if i == 0 || j == i {
		return "", strings.TrimSpace(s)
	}
	if j < len(s) {
		r, _ := utf8.DecodeRuneInString(s[j:])
		if !unicode.IsSpace(r) && !strings.ContainsRune(":：,，、", r) {
			return "", strings.TrimSpace(s)
		}
	}
	return strings.ToUpper(s[:j]), strings.TrimSpace(trimSeparators(s[j:]))
}

func isASCIILetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

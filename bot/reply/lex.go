package reply

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// text is a reply folded rune by rune. Folding never changes the number of
// runes, so off maps every folded rune back to the original bytes and notes
// can be cut out of the original text unchanged.
type text struct {
	src string
	rs  []rune
	off []int // off[i] is the byte offset of rs[i]; off[len(rs)] == len(src)
}

func newText(s string) *text {
	n := utf8.RuneCountInString(s)
	t := &text{src: s, rs: make([]rune, 0, n), off: make([]int, 0, n+1)}
	for i, r := range s {
		t.rs = append(t.rs, fold(r))
		t.off = append(t.off, i)
	}
	t.off = append(t.off, len(s))
	return t
}

// fold maps full-width ASCII to ASCII and lowers Latin letters. Only ASCII is
// lowered: unicode.ToLower would turn the Kelvin sign into k and make "oK"
// a state word.
func fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		return ' '
	case r == 0xFE6A: // small percent sign
		return '%'
	case r == 0x2212: // minus sign
		return '-'
	}
	if r >= 'A' && r <= 'Z' {
		r += 'a' - 'A'
	}
	return r
}

func (t *text) at(i int) rune {
	if i >= 0 && i < len(t.rs) {
		return t.rs[i]
	}
	return 0
}

func (t *text) orig(start, end int) string { return t.src[t.off[start]:t.off[end]] }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
func isLatin(r rune) bool { return r >= 'a' && r <= 'z' }

// isBlank also swallows control and format runes (zero-width spaces, BOMs)
// that chat clients sprinkle into text and that carry no meaning.
func isBlank(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

func isNewline(r rune) bool {
	return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// isSep reports the punctuation that may separate items. 、 is left out: it
// enumerates inside a sentence far more often than it ends a report.
func isSep(r rune) bool {
	switch r {
	case ';', ',', '。', '!', '?', '\n', '\r':
		return true
	}
	return isNewline(r)
}

// isConn reports the runes skipped between the tokens of a head. A dash or a
// dot directly before a digit is kept: it is a sign or a decimal point.
func (t *text) isConn(i int) bool {
	r := t.at(i)
	switch r {
	case '-', '.':
		return !isDigit(t.at(i + 1))
	case ':', ';', ',', '、', '。', '!', '?', '/', '|', '~', '—', '–', '…':
		return true
	}
	return isBlank(r)
}

func (t *text) skipConn(i int) int {
	for i < len(t.rs) && t.isConn(i) {
		i++
	}
	return i
}

// blankOnly reports a reply with nothing to read in it. Connectors count
// as blank even when they are symbols (~, |): otherwise "~" would be neither
// empty nor hold an item.
func (t *text) blankOnly() bool {
	for i, r := range t.rs {
		if !isBlank(r) && !unicode.IsPunct(r) && !t.isConn(i) {
			return false
		}
	}
	return true
}

// tokenEnd reports whether a word or number may end before i. '%' and a
// decimal point are excluded so that 80% and 2.5 are never split.
func (t *text) tokenEnd(i int) bool {
	if i >= len(t.rs) {
		return true
	}
	r := t.rs[i]
	switch {
	case r == '%':
		return false
	case r == '.' && isDigit(t.at(i+1)):
		return false
	}
	return isBlank(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
}

func (t *text) hasPrefix(i int, w []rune) bool {
	if i+len(w) > len(t.rs) {
		return false
	}
	for k, r := range w {
		if t.rs[i+k] != r {
			return false
		}
	}
	return true
}

// prefixAny returns the end of the longest of ws found at i, or -1.
func (t *text) prefixAny(i int, ws [][]rune) int {
	best := -1
	for _, w := range ws {
		if len(w) > best-i && t.hasPrefix(i, w) {
			best = i + len(w)
		}
	}
	return best
}

func (t *text) skipSpaces(i int) int {
	for i < len(t.rs) && (t.rs[i] == ' ' || t.rs[i] == '\t') {
		i++
	}
	return i
}

// huge caps parsed numbers so that a wall of digits neither overflows nor
// passes for a real milestone or percent.
const huge = 100_000_000

func (t *text) digits(i int) (end, v int) {
	end = i
	for end < len(t.rs) && isDigit(t.rs[end]) {
		if v < huge {
			v = v*10 + int(t.rs[end]-'0')
			if v > huge {
				v = huge
			}
		}
		end++
	}
	return end, v
}

var cnDigits = map[rune]int{
	'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4,
	'五': 5, '六': 6, '七': 7, '八': 8, '九': 9,
}

func isCNNumeral(r rune) bool {
	_, ok := cnDigits[r]
	return ok || r == '十' || r == '百'
}

// cnValue reads a Chinese numeral from 零 to 九百九十九. It rejects the
// colloquial 一百五 (150) and digit strings like 二〇 rather than guess.
func cnValue(rs []rune) (int, bool) {
	total, num := 0, 0
	hasNum, zeroGap := false, false
	last := 1000
	for _, r := range rs {
		if d, ok := cnDigits[r]; ok {
			if d == 0 && total > 0 && !hasNum && !zeroGap {
				zeroGap = true
				continue
			}
			if hasNum {
				return 0, false
			}
			num, hasNum = d, true
			continue
		}
		unit := 10
		if r == '百' {
			unit = 100
		}
		if unit >= last || zeroGap {
			return 0, false
		}
		switch {
		case !hasNum && unit == 10 && total == 0:
			num = 1
		case !hasNum || num == 0:
			return 0, false
		}
		total += num * unit
		num, hasNum, last = 0, false, unit
	}
	if hasNum {
		if last == 100 && !zeroGap {
			return 0, false
		}
		total += num
	} else if zeroGap || len(rs) == 0 {
		return 0, false
	}
	return total, true
}

// number reads Arabic digits or a Chinese numeral at i.
func (t *text) number(i int) (end, v int, arabic, ok bool) {
	if end, v = t.digits(i); end > i {
		return end, v, true, true
	}
	end = i
	for end < len(t.rs) && end-i < 8 && isCNNumeral(t.rs[end]) {
		end++
	}
	if end == i {
		return i, 0, false, false
	}
	v, ok = cnValue(t.rs[i:end])
	return end, v, false, ok
}

// pct is a percent token. bad marks a percent that was clearly meant as one
// but cannot be used as written.
type pct struct {
	start, end, val int
	bad             bool
}

var (
	rPercentOf = []rune("百分之")
	pctVerbs   = runeList("完成", "已完成", "已经完成", "完成了", "已完成了", "已经完成了",
		"完成度", "完成率", "累计完成", "进度", "进展", "推进", "已推进", "形象进度", "progress")
)

func runeList(ws ...string) [][]rune {
	out := make([][]rune, len(ws))
	for i, w := range ws {
		out[i] = []rune(w)
	}
	return out
}

// pctAt reads 80%, 80 %, -5%, 80.5%, 百分之八十 at i.
func (t *text) pctAt(i int) (pct, bool) {
	p := i
	neg := t.at(p) == '-'
	if neg {
		p++
	}
	if t.hasPrefix(p, rPercentOf) {
		p += len(rPercentOf)
		if t.at(p) == '负' || t.at(p) == '-' {
			neg = true
			p++
		}
		end, v, arabic, ok := t.number(p)
		if !ok {
			return pct{}, false
		}
		bad := neg || v > 100
		if arabic && t.at(end) == '.' && isDigit(t.at(end+1)) {
			end, _ = t.digits(end + 1)
			bad = true
		} else if !arabic && t.at(end) == '点' {
			if e, _, _, ok := t.number(end + 1); ok {
				end, bad = e, true
			}
		}
		return pct{i, end, v, bad}, true
	}
	end, v := t.digits(p)
	if end == p {
		return pct{}, false
	}
	bad := neg
	if t.at(end) == '.' && isDigit(t.at(end+1)) {
		end, _ = t.digits(end + 1)
		bad = true
	}
	end = t.skipSpaces(end)
	if t.at(end) != '%' {
		return pct{}, false
	}
	return pct{i, end + 1, v, bad || v > 100}, true
}

// pctVerbAt reads a completion verb followed by a percent (完成80%) as that
// percent.
func (t *text) pctVerbAt(i int) (pct, bool) {
	for _, w := range pctVerbs {
		if !t.hasPrefix(i, w) {
			continue
		}
		p := i + len(w)
		for p < len(t.rs) && strings.ContainsRune(" \t:为达约", t.rs[p]) {
			p++
		}
		if pc, ok := t.pctAt(p); ok {
			pc.start = i
			return pc, true
		}
	}
	return pct{}, false
}

func (t *text) anyPctAt(i int) (pct, bool) {
	if pc, ok := t.pctVerbAt(i); ok {
		return pc, true
	}
	return t.pctAt(i)
}

// word is a state word as found in the text.
type word struct {
	start, end int
	state      State
}

type entry struct {
	parts [][]rune
	state State
}

var lexicon = buildLexicon()

func buildLexicon() map[rune][]entry {
	words := []struct {
		s     State
		words []string
	}{
		{Done, []string{"done", "complete", "completed", "finished",
			"完成", "完工", "办结", "竣工", "全部完成"}},
		{OnTrack, []string{"on track", "ok", "okay", "normal", "progressing", "in progress",
			"正常", "正常推进", "正常推进中", "推进中", "进行中", "正常进行", "正常进行中",
			"顺利", "顺利推进", "顺利推进中", "进展顺利", "推进顺利", "按计划推进", "按计划推进中",
			"按计划进行", "有序推进"}},
		{AtRisk, []string{"at risk", "risk", "risky", "delayed", "delay", "behind", "behind schedule",
			"有风险", "风险", "存在风险", "滞后", "进度滞后", "延迟", "延期", "有延期风险"}},
		{Blocked, []string{"blocked", "stuck",
			"受阻", "阻塞", "卡住", "需协调", "需要协调", "停滞", "停工"}},
		{Pending, []string{"pending", "not started", "未开始", "未启动", "尚未开始", "尚未启动", "待启动"}},
	}
	lex := map[rune][]entry{}
	add := func(s State, w string) {
		var parts [][]rune
		for _, f := range strings.Fields(w) {
			parts = append(parts, []rune(f))
		}
		lex[parts[0][0]] = append(lex[parts[0][0]], entry{parts, s})
	}
	for _, g := range words {
		for _, w := range g.words {
			add(g.s, w)
			if g.s != OnTrack && g.s != Pending && !isLatin(rune(w[0])) {
				add(g.s, "已"+w)
				add(g.s, "已经"+w)
			}
		}
	}
	return lex
}

// match matches the words of a phrase, allowing spaces, hyphens, underscores
// or nothing between them.
func (t *text) match(i int, parts [][]rune) (int, bool) {
	p := i
	for k, w := range parts {
		if k > 0 {
			for p < len(t.rs) && strings.ContainsRune(" \t-_", t.rs[p]) {
				p++
			}
		}
		if !t.hasPrefix(p, w) {
			return 0, false
		}
		p += len(w)
	}
	return p, true
}

// stateAt returns the longest state phrase at i that stands as a whole token.
func (t *text) stateAt(i int) (word, bool) {
	best := word{end: -1}
	for _, e := range lexicon[t.at(i)] {
		if end, ok := t.match(i, e.parts); ok && end > best.end && t.tokenEnd(end) {
			best = word{i, end, e.state}
		}
	}
	return best, best.end >= 0
}

// headAt reports whether a state or a percent starts at i.
func (t *text) headAt(i int) bool {
	if _, ok := t.anyPctAt(i); ok {
		return true
	}
	_, ok := t.stateAt(i)
	return ok
}

type refKind int

const (
	refBare refKind = iota
	refWeak
	refStrong
)

type ref struct {
	start, end, val int
	kind            refKind
}

var (
	rMilestone = []rune("milestone")
	rNodeWords = runeList("节点", "里程碑")
	rOrdUnits  = runeList("个", "项")
)

// latinRefEnd keeps M2 from matching inside m2x or m2.5.
func (t *text) latinRefEnd(i int) bool {
	r := t.at(i)
	return !isLatin(r) && !isDigit(r) && r != '%' && !(r == '.' && isDigit(t.at(i+1)))
}

// cjkRefEnd accepts anything after a Chinese ref except a decimal or a
// percent: Chinese needs no space between 节点2 and 完成.
func (t *text) cjkRefEnd(i int, arabic bool) bool {
	if !arabic {
		return true
	}
	r := t.at(i)
	return r != '%' && !(r == '.' && isDigit(t.at(i+1)))
}

// looseEnd is the boundary of bare and weak refs: a token end, or a state or
// percent glued on (2完成, 第2个受阻).
func (t *text) looseEnd(i int) bool {
	return t.tokenEnd(i) || t.headAt(i)
}

// refAt reads a milestone reference at i.
func (t *text) refAt(i int) (ref, bool) {
	r := t.at(i)
	switch {
	case r == 'm' || r == '#':
		p := i + 1
		if r == 'm' && t.hasPrefix(i, rMilestone) {
			p = t.skipSpaces(i + len(rMilestone))
			if t.at(p) == '#' {
				p++
			}
		}
		if end, v := t.digits(p); end > p && t.latinRefEnd(end) {
			return ref{i, end, v, refStrong}, true
		}
		return ref{}, false
	case r == '节' || r == '里':
		p := t.prefixAny(i, rNodeWords)
		if p < 0 {
			return ref{}, false
		}
		p = t.skipSpaces(p)
		if end, v, arabic, ok := t.number(p); ok && t.cjkRefEnd(end, arabic) {
			return ref{i, end, v, refStrong}, true
		}
		return ref{}, false
	case r == '第':
		end, v, arabic, ok := t.number(t.skipSpaces(i + 1))
		if !ok || !t.cjkRefEnd(end, arabic) {
			return ref{}, false
		}
		p := t.skipSpaces(end)
		kind := refBare
		if e := t.prefixAny(p, rOrdUnits); e > 0 {
			p, kind = t.skipSpaces(e), refWeak
		}
		if e := t.prefixAny(p, rNodeWords); e > 0 {
			return ref{i, e, v, refStrong}, true
		}
		if kind == refWeak && t.looseEnd(p) {
			return ref{i, p, v, refWeak}, true
		}
		return ref{}, false
	}
	end, v, arabic, ok := t.number(i)
	if !ok {
		return ref{}, false
	}
	if p := t.skipSpaces(end); t.at(p) == '号' {
		if e := t.prefixAny(t.skipSpaces(p+1), rNodeWords); e > 0 {
			return ref{i, e, v, refStrong}, true
		}
	}
	if arabic && t.looseEnd(end) {
		return ref{i, end, v, refBare}, true
	}
	return ref{}, false
}

// lineStart reports whether only blanks separate i from the start of its
// line.
func (t *text) lineStart(i int) bool {
	for k := i - 1; k >= 0; k-- {
		switch r := t.rs[k]; {
		case isNewline(r):
			return true
		case !isBlank(r):
			return false
		}
	}
	return true
}

// noteEnd finds where a note that starts at q ends: at the next ref that
// clearly opens a new item, or at the end of the text.
func (t *text) noteEnd(q int) int {
	for k := q + 1; k < len(t.rs); k++ {
		if prev := t.rs[k-1]; !isBlank(prev) && !isSep(prev) {
			continue
		}
		r, ok := t.refAt(k)
		if !ok {
			continue
		}
		if t.lineStart(k) || t.headAt(t.skipConn(r.end)) {
			return k
		}
	}
	return len(t.rs)
}

// trimNote cuts a note out of the original text. Separators at its end are
// dropped because they belong between items, not to the note.
func (t *text) trimNote(start, end int) string {
	for start < end && t.isConn(start) {
		start++
	}
	for end > start && (isBlank(t.rs[end-1]) || isSep(t.rs[end-1]) || t.rs[end-1] == '、') {
		end--
	}
	return t.orig(start, end)
}

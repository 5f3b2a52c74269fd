package telegramtest

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Entity is a MessageEntity: a formatted span of a message text. Offset and
// Length are in UTF-16 code units, as in the Bot API.
type Entity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

// Text limits of the real server. Lengths are counted in Unicode code
// points of the text after entity parsing (tags removed, HTML entities
// decoded, surrounding whitespace trimmed) — not in bytes and not in
// UTF-16 code units, so an emoji counts once. Entity offsets, by
// contrast, are UTF-16 code units, as the Bot API documents.
const (
	maxTextLen     = 4096
	maxCaptionLen  = 1024
	maxCallbackLen = 200
)

// renderText turns a text parameter into what the recipient sees, as the
// server does before storing a message: parse_mode markup is parsed into
// entities and surrounding whitespace is trimmed.
func renderText(raw, parseMode, entitiesJSON string) (string, []Entity, *apiError) {
	if !utf8.ValidString(raw) {
		return "", nil, badRequest("text must be encoded in UTF-8")
	}
	var (
		text string
		ents []Entity
	)
	switch strings.ToLower(parseMode) {
	case "":
		text = raw
		if entitiesJSON != "" {
			if err := jsonUnmarshal(entitiesJSON, &ents); err != nil {
				return "", nil, badRequest("can't parse entities JSON object")
			}
		}
	case "html":
		var err error
		text, ents, err = parseHTML(raw)
		if err != nil {
			return "", nil, badRequest("can't parse entities: %v", err)
		}
	case "markdownv2", "markdown":
		// Markdown is passed through unparsed: the text is stored as sent
		// and no entities are produced. Bots under test use HTML.
		text = raw
	default:
		return "", nil, badRequest("unsupported parse_mode")
	}
	text, ents = trimText(text, ents)
	return text, ents, nil
}

var htmlTags = map[string]string{
	"b": "bold", "strong": "bold",
	"i": "italic", "em": "italic",
	"u": "underline", "ins": "underline",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"span": "spoiler", "tg-spoiler": "spoiler",
	"a":          "text_link",
	"code":       "code",
	"pre":        "pre",
	"blockquote": "blockquote",
	"tg-emoji":   "custom_emoji",
}

type openTag struct {
	name   string
	entity Entity
	pos    int
	index  int // of the entity in the output, which keeps opening order
}

// parseHTML implements Telegram's HTML parse mode. Error texts follow the
// real server's so that a bot's logs read the same in tests and production.
// Only the four named entities the Bot API lists and numeric entities are
// accepted; a bare '&' is an error, as the documentation requires (the real
// server is more forgiving there). A bare '>' is accepted, like the real
// server does.
func parseHTML(s string) (string, []Entity, error) {
	var (
		out   strings.Builder
		u16   int
		stack []openTag
		ents  []Entity
	)
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			if i+1 < len(s) && s[i+1] == '/' {
				next, name, err := readEndTag(s, i)
				if err != nil {
					return "", nil, err
				}
				if len(stack) == 0 {
					return "", nil, wireErrorf("Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if top.name != name {
					return "", nil, wireErrorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top.name, name)
				}
				stack = stack[:len(stack)-1]
				e := &ents[top.index]
				e.Length = u16 - e.Offset
				if top.name == "code" {
					if len(stack) > 0 && stack[len(stack)-1].name == "pre" {
						// <pre><code class="language-go"> is one pre entity.
						ents[stack[len(stack)-1].index].Language = e.Language
						e.Length = 0
					}
					e.Language = ""
				}
				i = next
				continue
			}
			next, tag, err := readStartTag(s, i)
			if err != nil {
				return "", nil, err
			}
			tag.entity.Offset = u16
			tag.index = len(ents)
			ents = append(ents, tag.entity)
			stack = append(stack, tag)
			i = next
		case '&':
			next, r, err := readHTMLEntity(s, i)
			if err != nil {
				return "", nil, err
			}
			out.WriteRune(r)
			u16 += utf16.RuneLen(r)
			i = next
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			out.WriteRune(r)
			u16 += utf16.RuneLen(r)
			i += size
		}
	}
	if len(stack) > 0 {
		return "", nil, wireErrorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	// Empty entities and links without href carry no formatting.
	kept := ents[:0]
	for _, e := range ents {
		if e.Type != "" && e.Length > 0 {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		kept = nil
	}
	sortEntities(kept)
	return out.String(), kept, nil
}

func isTagNameByte(c byte) bool {
	return c == '-' || c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

func skipSpaces(s string, k int) int {
	for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r') {
		k++
	}
	return k
}

func readEndTag(s string, i int) (int, string, error) {
	k := i + 2
	for k < len(s) && isTagNameByte(s[k]) {
		k++
	}
	name := strings.ToLower(s[i+2 : k])
	k = skipSpaces(s, k)
	if k >= len(s) || s[k] != '>' {
		return 0, "", wireErrorf("Unclosed end tag at byte offset %d", i)
	}
	return k + 1, name, nil
}

func readStartTag(s string, i int) (int, openTag, error) {
	k := i + 1
	for k < len(s) && isTagNameByte(s[k]) {
		k++
	}
	name := strings.ToLower(s[i+1 : k])
	if name == "" {
		return 0, openTag{}, wireErrorf("Empty tag name at byte offset %d", i)
	}
	typ, ok := htmlTags[name]
	if !ok {
		return 0, openTag{}, wireErrorf("Unsupported start tag \"%s\" at byte offset %d", name, i)
	}
	attrs := map[string]string{}
	for {
		k = skipSpaces(s, k)
		if k >= len(s) {
			return 0, openTag{}, wireErrorf("Unclosed start tag at byte offset %d", i)
		}
		if s[k] == '>' {
			k++
			break
		}
		start := k
		for k < len(s) && isTagNameByte(s[k]) {
			k++
		}
		attr := strings.ToLower(s[start:k])
		if attr == "" {
			return 0, openTag{}, wireErrorf("Empty attribute name in the tag \"%s\" at byte offset %d", name, i)
		}
		k = skipSpaces(s, k)
		if k >= len(s) || s[k] != '=' {
			attrs[attr] = ""
			continue
		}
		k = skipSpaces(s, k+1)
		if k >= len(s) {
			return 0, openTag{}, wireErrorf("Unclosed start tag at byte offset %d", i)
		}
		var raw string
		if q := s[k]; q == '"' || q == '\'' {
			end := strings.IndexByte(s[k+1:], q)
			if end < 0 {
				return 0, openTag{}, wireErrorf("Unclosed end of attribute value of the tag \"%s\" at byte offset %d", name, i)
			}
			raw = s[k+1 : k+1+end]
			k += end + 2
		} else {
			start := k
			for k < len(s) && s[k] != '>' && s[k] != ' ' && s[k] != '\t' && s[k] != '\n' {
				k++
			}
			raw = s[start:k]
		}
		val, err := decodeHTMLEntities(raw, k)
		if err != nil {
			return 0, openTag{}, err
		}
		attrs[attr] = val
	}
	e := Entity{Type: typ}
	switch name {
	case "span":
		if attrs["class"] != "tg-spoiler" {
			return 0, openTag{}, wireErrorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", i)
		}
	case "a":
		e.URL = attrs["href"]
		if e.URL == "" {
			e.Type = ""
		}
	case "code":
		e.Language, _ = strings.CutPrefix(attrs["class"], "language-")
	case "blockquote":
		if _, ok := attrs["expandable"]; ok {
			e.Type = "expandable_blockquote"
		}
	case "tg-emoji":
		e.CustomEmojiID = attrs["emoji-id"]
		if e.CustomEmojiID == "" {
			return 0, openTag{}, wireErrorf("Tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset %d", i)
		}
	}
	return k, openTag{name: name, entity: e, pos: i}, nil
}

// readHTMLEntity decodes the entity starting with '&' at s[i].
func readHTMLEntity(s string, i int) (int, rune, error) {
	semi := strings.IndexByte(s[i:], ';')
	if semi < 0 || semi > 12 {
		return 0, 0, wireErrorf("Character '&' must be escaped as \"&amp;\" at byte offset %d", i)
	}
	name := s[i+1 : i+semi]
	next := i + semi + 1
	switch name {
	case "lt":
		return next, '<', nil
	case "gt":
		return next, '>', nil
	case "amp":
		return next, '&', nil
	case "quot":
		return next, '"', nil
	}
	if num, ok := strings.CutPrefix(name, "#"); ok && num != "" {
		base := 10
		if h, ok := strings.CutPrefix(strings.ToLower(num), "x"); ok {
			num, base = h, 16
		}
		n, err := strconv.ParseUint(num, base, 32)
		if err == nil && n != 0 && n <= unicode.MaxRune && utf8.ValidRune(rune(n)) {
			return next, rune(n), nil
		}
	}
	return 0, 0, wireErrorf("Unsupported HTML entity \"&%s;\" at byte offset %d", name, i)
}

func decodeHTMLEntities(s string, pos int) (string, error) {
	if !strings.Contains(s, "&") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '&' {
			b.WriteByte(s[i])
			i++
			continue
		}
		next, r, err := readHTMLEntity(s, i)
		if err != nil {
			return "", wireErrorf("Unsupported HTML entity in attribute value at byte offset %d", pos)
		}
		b.WriteRune(r)
		i = next
	}
	return b.String(), nil
}

func sortEntities(ents []Entity) {
	slices.SortStableFunc(ents, func(a, b Entity) int {
		if a.Offset != b.Offset {
			return a.Offset - b.Offset
		}
		return b.Length - a.Length
	})
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// trimText strips surrounding whitespace like the server does and moves
// the entities along with the text.
func trimText(text string, ents []Entity) (string, []Entity) {
	trimmed := strings.TrimLeftFunc(text, unicode.IsSpace)
	lead := utf16Len(text[:len(text)-len(trimmed)])
	trimmed = strings.TrimRightFunc(trimmed, unicode.IsSpace)
	total := utf16Len(trimmed)
	out := ents[:0:0]
	for _, e := range ents {
		start, end := e.Offset-lead, e.Offset+e.Length-lead
		start, end = max(start, 0), min(end, total)
		if end > start {
			e.Offset, e.Length = start, end-start
			out = append(out, e)
		}
	}
	return trimmed, out
}

// commandEntities marks every /command at the start of a word as a
// bot_command, as Telegram does for messages users send.
func commandEntities(text string) []Entity {
	var ents []Entity
	u16 := 0
	prevSpace := true
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '/' && prevSpace {
			j := i + 1
			for j < len(text) && (isCommandByte(text[j]) || text[j] == '@') {
				j++
			}
			if j > i+1 {
				ents = append(ents, Entity{Type: "bot_command", Offset: u16, Length: utf16Len(text[i:j])})
				u16 += utf16Len(text[i:j])
				i = j
				prevSpace = false
				continue
			}
		}
		prevSpace = unicode.IsSpace(r)
		u16 += utf16.RuneLen(r)
		i += size
	}
	return ents
}

func isCommandByte(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

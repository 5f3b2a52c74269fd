package telegramtest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// The spec is the official Bot API documentation scraped into JSON by the
// telegram-bot-api-spec project (MIT, see spec/LICENSE.botapi-spec). It is
// embedded rather than read from disk so that the server behaves the same
// wherever the binary runs, including the demo command.
//
//go:embed spec/botapi-10.1.min.json
var specJSON []byte

type specField struct {
	Name        string   `json:"name"`
	Types       []string `json:"types"`
	Required    bool     `json:"required"`
	Description string   `json:"description"`
}

type specMethod struct {
	Name    string      `json:"name"`
	Fields  []specField `json:"fields"`
	Returns []string    `json:"returns"`

	byName map[string]*specField
}

type specType struct {
	Name      string      `json:"name"`
	Fields    []specField `json:"fields"`
	Subtypes  []string    `json:"subtypes"`
	SubtypeOf []string    `json:"subtype_of"`

	byName map[string]*specField
	// Subtypes of a union are told apart by a field whose value the
	// documentation fixes ("always “member”", "must be chat"); without it
	// a ChatMemberLeft would validate as a ChatMemberMember.
	tagField, tagValue string
}

type apiSpec struct {
	Version string                 `json:"version"`
	Methods map[string]*specMethod `json:"methods"`
	Types   map[string]*specType   `json:"types"`

	// Telegram matches method names case-insensitively.
	lowerMethods map[string]*specMethod
}

var tagValueRE = regexp.MustCompile(`(?:always|must be) "?([A-Za-z0-9_]+)"?`)

var loadSpec = sync.OnceValue(func() *apiSpec {
	var sp apiSpec
	if err := json.Unmarshal(specJSON, &sp); err != nil {
		panic("telegramtest: embedded Bot API spec is corrupt: " + err.Error())
	}
	sp.lowerMethods = make(map[string]*specMethod, len(sp.Methods))
	for _, m := range sp.Methods {
		m.byName = make(map[string]*specField, len(m.Fields))
		for i := range m.Fields {
			m.byName[m.Fields[i].Name] = &m.Fields[i]
		}
		sp.lowerMethods[strings.ToLower(m.Name)] = m
	}
	for _, t := range sp.Types {
		t.byName = make(map[string]*specField, len(t.Fields))
		for i := range t.Fields {
			t.byName[t.Fields[i].Name] = &t.Fields[i]
		}
		if len(t.SubtypeOf) > 0 && len(t.Fields) > 0 {
			f := t.Fields[0]
			if f.Name == "type" || f.Name == "status" || f.Name == "source" {
				if m := tagValueRE.FindStringSubmatch(f.Description); m != nil {
					t.tagField, t.tagValue = f.Name, m[1]
				}
			}
		}
	}
	return &sp
})

// SpecVersion returns the Bot API version of the embedded specification
// that requests are checked against, e.g. "Bot API 10.1".
func SpecVersion() string { return loadSpec().Version }

func (sp *apiSpec) method(name string) *specMethod {
	return sp.lowerMethods[strings.ToLower(name)]
}

// CheckObject reports whether data, a JSON document, is a valid instance of
// the Bot API type typeName ("Message", "Update", "Array of Update", ...)
// according to the embedded specification: every required field present,
// no field the type does not have, every field of the documented type,
// recursively. Tests use it on everything the fake returns, so a missing
// required field is caught here rather than by a client in production.
func CheckObject(typeName string, data []byte) error {
	v, err := decodeJSON(data)
	if err != nil {
		return err
	}
	return loadSpec().check(checkStrict, []string{typeName}, v, typeName)
}

// CheckResult is CheckObject for the result of a Bot API method: the
// result must match one of the method's documented return types.
func CheckResult(method string, result []byte) error {
	m := loadSpec().method(method)
	if m == nil {
		return fmt.Errorf("unknown method %q", method)
	}
	v, err := decodeJSON(result)
	if err != nil {
		return err
	}
	return loadSpec().check(checkStrict, m.Returns, v, m.Name)
}

func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("invalid JSON: trailing data")
	}
	return v, nil
}

type checkMode int

const (
	// checkStrict is for what the server emits: null is never valid.
	checkStrict checkMode = iota
	// checkRequest is for what clients send: like Telegram, a null
	// field is taken as absent.
	checkRequest
)

// lenientBooleans are the types whose required Boolean fields the real
// server reads as optional in requests, absent meaning false
// (Client::get_chat_administrator_rights). go-telegram/bot leaves out the
// false ones of ChatAdministratorRights, so holding them to the letter of
// the spec would refuse bots Telegram serves. Elsewhere, as for
// KeyboardButtonRequestChat.chat_is_channel, the spec's word stands.
var lenientBooleans = map[string]bool{"ChatAdministratorRights": true}

// check validates v against any of the alternative types.
func (sp *apiSpec) check(mode checkMode, types []string, v any, path string) error {
	var first error
	for _, t := range types {
		err := sp.checkOne(mode, t, v, path)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	if len(types) > 1 {
		// For a union of object types (reply_markup), the alternative
		// whose required fields are all there is what the client meant;
		// its error is the useful one.
		if obj, ok := v.(map[string]any); ok {
			for _, t := range types {
				if st := sp.Types[t]; st != nil && len(st.Subtypes) == 0 && hasRequired(st, obj) {
					return sp.checkOne(mode, t, v, path)
				}
			}
		}
		if _, ok := v.(map[string]any); ok {
			return fmt.Errorf("%s: expected %s: %w", path, strings.Join(types, " or "), first)
		}
		return fmt.Errorf("%s: expected %s, got %s", path, strings.Join(types, " or "), jsonKind(v))
	}
	return first
}

func hasRequired(t *specType, obj map[string]any) bool {
	n := 0
	for _, f := range t.Fields {
		if f.Required {
			if obj[f.Name] == nil {
				return false
			}
			n++
		}
	}
	return n > 0
}

func (sp *apiSpec) checkOne(mode checkMode, typ string, v any, path string) error {
	if elem, ok := strings.CutPrefix(typ, "Array of "); ok {
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: expected %s, got %s", path, typ, jsonKind(v))
		}
		for i, e := range arr {
			if err := sp.checkOne(mode, elem, e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	switch typ {
	case "Integer":
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("%s: expected Integer, got %s", path, jsonKind(v))
		}
		if _, err := n.Int64(); err != nil {
			return fmt.Errorf("%s: expected Integer, got %s", path, n)
		}
		return nil
	case "Float":
		if _, ok := v.(json.Number); !ok {
			return fmt.Errorf("%s: expected Float, got %s", path, jsonKind(v))
		}
		return nil
	case "Boolean", "True":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: expected Boolean, got %s", path, jsonKind(v))
		}
		return nil
	case "String", "InputFile":
		// Inside JSON objects an InputFile can only be a file_id, a URL or
		// an attach://<part> reference, all strings.
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: expected %s, got %s", path, typ, jsonKind(v))
		}
		return nil
	}
	t := sp.Types[typ]
	if t == nil {
		return fmt.Errorf("%s: type %s is not in the Bot API spec", path, typ)
	}
	if len(t.Subtypes) > 0 {
		return sp.checkUnion(mode, t, v, path)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: expected %s object, got %s", path, typ, jsonKind(v))
	}
	for _, name := range sortedKeys(obj) {
		f := t.byName[name]
		if f == nil {
			return fmt.Errorf("%s: %s has no field %q", path, typ, name)
		}
		val := obj[name]
		if val == nil {
			if mode == checkStrict {
				return fmt.Errorf("%s.%s: null is not a valid %s", path, name, strings.Join(f.Types, " or "))
			}
			continue
		}
		if err := sp.check(mode, f.Types, val, path+"."+name); err != nil {
			return err
		}
	}
	for _, f := range t.Fields {
		if f.Required && obj[f.Name] == nil {
			if mode == checkRequest && lenientBooleans[typ] && slices.Equal(f.Types, []string{"Boolean"}) {
				continue
			}
			return fmt.Errorf("%s: %s is missing required field %q", path, typ, f.Name)
		}
	}
	if t.tagField != "" && obj[t.tagField] != t.tagValue {
		return fmt.Errorf("%s.%s: %s requires %q, got %v", path, t.tagField, typ, t.tagValue, obj[t.tagField])
	}
	return nil
}

func (sp *apiSpec) checkUnion(mode checkMode, t *specType, v any, path string) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: expected %s object, got %s", path, t.Name, jsonKind(v))
	}
	// A tagged union is checked against the one subtype its tag names, so
	// that the error explains what is wrong with that subtype.
	tagged := false
	for _, name := range t.Subtypes {
		st := sp.Types[name]
		if st == nil || st.tagField == "" {
			continue
		}
		tagged = true
		if obj[st.tagField] == st.tagValue {
			return sp.checkOne(mode, name, v, path)
		}
	}
	if tagged {
		return fmt.Errorf("%s: no subtype of %s matches (tag missing or unknown)", path, t.Name)
	}
	var errs []string
	for _, name := range t.Subtypes {
		err := sp.checkOne(mode, name, v, path)
		if err == nil {
			return nil
		}
		errs = append(errs, err.Error())
	}
	return fmt.Errorf("%s: matches no subtype of %s: %s", path, t.Name, strings.Join(errs, "; "))
}

func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "Boolean"
	case json.Number:
		return "number " + v.String()
	case string:
		return "String"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
)

// apiError is a failed Bot API answer: {"ok":false,"error_code":...}.
type apiError struct {
	code       int
	desc       string
	retryAfter int   // only for 429
	migrateTo  int64 // for calls into a group that became a supergroup
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.code, e.desc) }

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: 400, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func forbidden(desc string) *apiError { return &apiError{code: 403, desc: "Forbidden: " + desc} }

func tooManyRequests(retryAfter int) *apiError {
	return &apiError{code: 429, desc: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), retryAfter: retryAfter}
}

// missingWording is what the real server answers when these required
// parameters are absent; bots that match on error text see the same text.
var missingWording = map[string]string{
	"*.chat_id":                  "chat_id is empty",
	"sendMessage.text":           "message text is empty",
	"editMessageText.text":       "message text is empty",
	"sendPhoto.photo":            "there is no photo in the request",
	"sendDocument.document":      "there is no document in the request",
	"editMessageText.message_id": "message identifier is not specified",
}

func missingMessage(method, param string) string {
	for _, key := range []string{method + "." + param, "*." + param} {
		if w := missingWording[key]; w != "" {
			return w
		}
	}
	return param + " is required"
}

// emptyAllowed lists required parameters that the real server accepts with
// an empty value: setWebhook with url="" removes the webhook.
var emptyAllowed = map[string]bool{"setWebhook.url": true}

// validateParams checks a request against the method's entry in the spec:
// no parameter the method does not have (stricter than Telegram, which
// ignores them, because an ignored parameter is nearly always a bug in the
// bot), every required parameter present, every value of its documented
// type.
func validateParams(sp *apiSpec, m *specMethod, p *params) *apiError {
	referenced := map[string]bool{}
	for _, v := range p.values {
		if ref, ok := strings.CutPrefix(v.value, "attach://"); ok {
			referenced[ref] = true
		}
	}
	for _, name := range p.names() {
		if m.byName[name] != nil {
			continue
		}
		if v := p.values[name]; v.file != nil && referenced[name] {
			continue
		}
		return badRequest("unknown parameter %q", name)
	}
	for _, f := range m.Fields {
		if !f.Required {
			continue
		}
		v, present := p.values[f.Name]
		if present && emptyAllowed[m.Name+"."+f.Name] {
			continue
		}
		if !present || (v.value == "" && v.file == nil) {
			return badRequest("%s", missingMessage(m.Name, f.Name))
		}
	}
	for _, name := range p.names() {
		f := m.byName[name]
		v := p.values[name]
		if f == nil || (v.value == "" && v.file == nil) {
			continue
		}
		if err := checkParam(sp, f, v, p); err != nil {
			return err
		}
	}
	return nil
}

func checkParam(sp *apiSpec, f *specField, v param, p *params) *apiError {
	var jsonTypes []string
	for _, t := range f.Types {
		if scalarParamType(t) {
			if paramMatches(t, v, p) {
				return nil
			}
		} else if v.file == nil {
			jsonTypes = append(jsonTypes, t)
		}
	}
	want := strings.Join(f.Types, " or ")
	if v.file != nil {
		return badRequest("parameter %q must be %s, not an uploaded file", f.Name, want)
	}
	if len(jsonTypes) == 0 {
		return badRequest("parameter %q must be of type %s", f.Name, want)
	}
	// Arrays and objects arrive as JSON text.
	val, err := decodeJSON([]byte(strings.TrimSpace(v.value)))
	if err == nil {
		err = sp.check(checkRequest, jsonTypes, val, f.Name)
	}
	if err == nil {
		return nil
	}
	if f.Name == "reply_markup" {
		return badRequest("can't parse reply keyboard markup JSON object: %v", err)
	}
	return badRequest("can't parse %s JSON object: %v", f.Name, err)
}

func scalarParamType(t string) bool {
	switch t {
	case "String", "Integer", "Float", "Boolean", "True", "InputFile":
		return true
	}
	return false
}

// paramMatches reports whether v is a valid value of the scalar type t.
func paramMatches(t string, v param, p *params) bool {
	if t == "InputFile" {
		if v.file != nil {
			return true
		}
		ref, ok := strings.CutPrefix(v.value, "attach://")
		return ok && p.parts[ref] != nil
	}
	if v.file != nil {
		return false
	}
	s := strings.TrimSpace(v.value)
	switch t {
	case "String":
		return true
	case "Integer":
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil
	case "Float":
		_, err := strconv.ParseFloat(s, 64)
		return err == nil
	case "Boolean", "True":
		return strings.EqualFold(s, "true") || strings.EqualFold(s, "false")
	}
	return false
}

func parseBool(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }

func parseInt(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n
}

package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// upload is one file part of a multipart request.
type upload struct {
	field       string
	filename    string
	contentType string
	data        []byte
}

// param is one request parameter. The Bot API treats every parameter as a
// string (JSON bodies included: non-string JSON values are kept as their
// JSON text), except uploaded files.
type param struct {
	value string
	file  *upload
}

type params struct {
	values map[string]param
	// parts holds every multipart file part by field name, so that
	// attach://<name> references can be resolved.
	parts map[string]*upload
}

func (p *params) has(name string) bool {
	v, ok := p.values[name]
	return ok && (v.value != "" || v.file != nil)
}

func (p *params) str(name string) string { return p.values[name].value }

// file resolves an InputFile parameter: an uploaded part under the
// parameter's own name, or a string attach://<part>.
func (p *params) file(name string) *upload {
	v := p.values[name]
	if v.file != nil {
		return v.file
	}
	if ref, ok := strings.CutPrefix(v.value, "attach://"); ok {
		return p.parts[ref]
	}
	return nil
}

// names returns the parameter names in a stable order, so that the first
// offending parameter reported is always the same one.
func (p *params) names() []string { return slices.Sorted(maps.Keys(p.values)) }

var errBodyTooLarge = errors.New("request body too large")

// parseParams reads parameters the way the Bot API does: from the query
// string and from a multipart/form-data, application/json or
// application/x-www-form-urlencoded body. The body wins over the query
// string when both carry a parameter.
func parseParams(w http.ResponseWriter, r *http.Request, maxBody int64) (*params, error) {
	p := &params{values: map[string]param{}, parts: map[string]*upload{}}
	if r.Body != nil && r.Method != http.MethodGet {
		if err := p.readBody(w, r, maxBody); err != nil {
			return nil, err
		}
	}
	for name, vals := range r.URL.Query() {
		if _, ok := p.values[name]; !ok && len(vals) > 0 {
			p.values[name] = param{value: vals[0]}
		}
	}
	return p, nil
}

func (p *params) readBody(w http.ResponseWriter, r *http.Request, maxBody int64) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, mparams, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("bad Content-Type: %w", err)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return bodyErr(err)
	}
	// go-telegram/bot sends parameterless calls (getMe, getWebhookInfo)
	// as an empty body labelled multipart; the real server accepts that.
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	switch mt {
	case "multipart/form-data":
		return p.readMultipart(multipart.NewReader(bytes.NewReader(data), mparams["boundary"]))
	case "application/json":
		return p.readJSON(data)
	case "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(data))
		if err != nil {
			return fmt.Errorf("can't parse form body: %w", err)
		}
		for name, vs := range vals {
			if len(vs) > 0 {
				p.values[name] = param{value: vs[0]}
			}
		}
	}
	return nil
}

func bodyErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errBodyTooLarge
	}
	return fmt.Errorf("can't read request body: %w", err)
}

func (p *params) readMultipart(mr *multipart.Reader) error {
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return bodyErr(err)
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return bodyErr(err)
		}
		name := part.FormName()
		if name == "" {
			continue
		}
		if part.FileName() != "" {
			up := &upload{field: name, filename: part.FileName(), contentType: part.Header.Get("Content-Type"), data: data}
			if _, dup := p.parts[name]; !dup {
				p.parts[name] = up
			}
			if _, dup := p.values[name]; !dup {
				p.values[name] = param{file: up}
			}
			continue
		}
		if _, dup := p.values[name]; !dup {
			p.values[name] = param{value: string(data)}
		}
	}
}

func (p *params) readJSON(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		return fmt.Errorf("can't parse JSON body: %w", err)
	}
	for name, raw := range obj {
		raw = bytes.TrimSpace(raw)
		switch {
		case bytes.Equal(raw, []byte("null")):
			// Absent, as with the real server.
		case len(raw) > 0 && raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("can't parse JSON body: %w", err)
			}
			p.values[name] = param{value: s}
		default:
			p.values[name] = param{value: string(raw)}
		}
	}
	return nil
}

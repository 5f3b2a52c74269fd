package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// maxDownloadBytes is the Bot API's download limit for getFile.
const maxDownloadBytes = 20 << 20

type wFile struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileSize     int    `json:"file_size,omitempty"`
	FilePath     string `json:"file_path,omitempty"`
}

// getFile prepares a stored file for download at /file/bot<token>/<path>,
// like the real server: the path names the file, not the id asked with.
func (s *Server) getFile(c *call) (any, *apiError) {
	id := strings.TrimSpace(c.p.str("file_id"))
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[id]
	if f == nil {
		return nil, badRequest("wrong file_id or the file is temporarily unavailable")
	}
	if len(f.Data) > maxDownloadBytes {
		return nil, badRequest("file is too big")
	}
	if f.path == "" {
		if s.filePaths == nil {
			s.filePaths = map[string]*File{}
		}
		dir, ext := "documents", path.Ext(f.Name)
		if f.isPhoto {
			dir, ext = "photos", ".jpg"
		}
		f.path = fmt.Sprintf("%s/file_%d%s", dir, len(s.filePaths), ext)
		s.filePaths[f.path] = f
	}
	unique := f.FileUniqueID
	for _, size := range f.sizes {
		if size.FileID == id {
			unique = size.FileUniqueID
		}
	}
	return wFile{FileID: id, FileUniqueID: unique, FileSize: len(f.Data), FilePath: f.path}, nil
}

// serveDownload answers GET /file/bot<token>/<file_path>.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request, rest string) {
	token, p, ok := strings.Cut(rest, "/")
	if !ok || token != s.token {
		writeResponse(w, errorResponse(&apiError{code: 404, desc: "Not Found"}))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeResponse(w, errorResponse(&apiError{code: 405, desc: "Method Not Allowed"}))
		return
	}
	s.mu.Lock()
	f := s.filePaths[p]
	s.mu.Unlock()
	if f == nil {
		writeResponse(w, errorResponse(&apiError{code: 404, desc: "Not Found"}))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", fmt.Sprint(len(f.Data)))
	_, _ = w.Write(f.Data)
}

// MenuButton is the bot's menu button of a private chat (ChatID 0: the
// default one): Type "commands", "web_app" or "default"; Text and URL for
// a web_app button.
type MenuButton struct {
	Type string
	Text string
	URL  string
}

// MenuButton returns the menu button the bot set for a chat (0: the
// default), and whether it set one.
func (s *Server) MenuButton(chatID int64) (MenuButton, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.menuButtons[chatID]
	return b, ok
}

type wMenuButton struct {
	Type   string `json:"type"`
	Text   string `json:"text,omitempty"`
	WebApp *struct {
		URL string `json:"url"`
	} `json:"web_app,omitempty"`
}

func (s *Server) setChatMenuButton(c *call) (any, *apiError) {
	b := MenuButton{Type: "default"}
	if raw := c.p.str("menu_button"); raw != "" {
		var w wMenuButton
		if err := json.Unmarshal([]byte(raw), &w); err != nil {
			return nil, badRequest("can't parse menu button JSON object")
		}
		b.Type, b.Text = w.Type, w.Text
		if w.Type == "web_app" {
			if w.Text == "" || w.WebApp == nil {
				return nil, badRequest("menu button text and web_app must be non-empty")
			}
			// Telegram opens Mini Apps over HTTPS only; the wording is
			// that of a web_app keyboard button with another URL.
			u, err := url.Parse(w.WebApp.URL)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				return nil, badRequest("menu button Web App URL '%s' is invalid: Only HTTPS links are allowed", w.WebApp.URL)
			}
			b.URL = w.WebApp.URL
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var id int64
	if v := c.p.str("chat_id"); v != "" {
		ch := s.chatByParam(v)
		if ch == nil || ch.kind != "private" {
			return nil, badRequest("chat not found")
		}
		id = ch.id
	}
	if s.menuButtons == nil {
		s.menuButtons = map[int64]MenuButton{}
	}
	s.menuButtons[id] = b
	s.notifyLocked()
	return true, nil
}

func (s *Server) getChatMenuButton(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var id int64
	if v := c.p.str("chat_id"); v != "" {
		ch := s.chatByParam(v)
		if ch == nil || ch.kind != "private" {
			return nil, badRequest("chat not found")
		}
		id = ch.id
	}
	b, ok := s.menuButtons[id]
	if !ok && id != 0 {
		b, ok = s.menuButtons[0] // a chat without its own shows the default
	}
	if !ok || b.Type == "default" {
		return map[string]any{"type": "commands"}, nil
	}
	out := map[string]any{"type": b.Type}
	if b.Type == "web_app" {
		out["text"], out["web_app"] = b.Text, map[string]string{"url": b.URL}
	}
	return out, nil
}

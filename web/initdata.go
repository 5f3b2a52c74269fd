package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Reasons initData is refused. All of them mean 401 to the page.
var (
	ErrNoInitData   = errors.New("no initData")
	ErrBadSignature = errors.New("initData signature does not match")
	ErrExpired      = errors.New("initData is too old")
	ErrNoUser       = errors.New("initData names no user")
)

// WebAppUser is the Telegram user initData vouches for.
type WebAppUser struct {
	ID           int64  `json:"id"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// InitData is initData whose signature checked out.
type InitData struct {
	User     WebAppUser
	AuthDate time.Time
}

// CheckInitData verifies raw (Telegram.WebApp.initData, a query string) as
// Telegram documents for Mini Apps: the data-check string is every field
// but hash, sorted by key, as key=value lines; its HMAC-SHA256 under the
// key HMAC-SHA256("WebAppData", token) must equal hash. Data signed longer
// than maxAge before now is refused too, so that a copied link stops
// working.
func CheckInitData(raw, token string, now time.Time, maxAge time.Duration) (*InitData, error) {
	if raw == "" {
		return nil, ErrNoInitData
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	got, err := hex.DecodeString(values.Get("hash"))
	if err != nil || len(got) != sha256.Size {
		return nil, ErrBadSignature
	}
	if !hmac.Equal(got, signature(values, token)) {
		return nil, ErrBadSignature
	}
	sec, err := strconv.ParseInt(values.Get("auth_date"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: bad auth_date", ErrExpired)
	}
	at := time.Unix(sec, 0)
	if now.Sub(at) > maxAge || at.Sub(now) > time.Minute {
		return nil, ErrExpired
	}
	var u WebAppUser
	if s := values.Get("user"); s == "" || json.Unmarshal([]byte(s), &u) != nil || u.ID == 0 {
		return nil, ErrNoUser
	}
	return &InitData{User: u, AuthDate: at}, nil
}

// signature is Telegram's HMAC of the fields of values other than hash.
func signature(values url.Values, token string) []byte {
	keys := make([]string, 0, len(values))
	for k := range values {
		if k != "hash" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + values.Get(k)
	}
	secret := hmac.New(sha256.New, []byte("WebAppData"))
	secret.Write([]byte(token))
	mac := hmac.New(sha256.New, secret.Sum(nil))
	mac.Write([]byte(strings.Join(lines, "\n")))
	return mac.Sum(nil)
}

// SignInitData makes initData for user as Telegram would, for the demo's
// links and for tests: only a holder of the bot token can.
func SignInitData(token string, user WebAppUser, authDate time.Time) (string, error) {
	u, err := json.Marshal(user)
	if err != nil {
		return "", fmt.Errorf("sign initData: %w", err)
	}
	values := url.Values{"user": {string(u)}, "auth_date": {strconv.FormatInt(authDate.Unix(), 10)}}
	values.Set("hash", hex.EncodeToString(signature(values, token)))
	return values.Encode(), nil
}

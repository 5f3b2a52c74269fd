package web_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"testing"
	"time"

	"taskbot/web"
)

// telegramSign follows Telegram's "Validating data received via the Mini
// App" word for word, apart from the code under test: secret_key =
// HMAC_SHA256(key "WebAppData", msg bot_token); hash = hex(HMAC_SHA256(key
// secret_key, msg data_check_string)).
func telegramSign(botToken, dataCheckString string) string {
	k := hmac.New(sha256.New, []byte("WebAppData"))
	k.Write([]byte(botToken))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(dataCheckString))
	return hex.EncodeToString(m.Sum(nil))
}

func TestCheckInitData(t *testing.T) {
	const user = `{"id":279058397,"first_name":"Vladislav","last_name":"Kibenko","username":"vdkfrost","language_code":"en","is_premium":true,"allows_write_to_pm":true}`
	now := time.Unix(1_700_000_000, 0)
	authDate := "1699999000" // 1000 s before now
	// The data-check string written out by hand: fields but hash, sorted
	// by key, as key=value lines.
	check := "auth_date=" + authDate + "\nchat_instance=-3788475317572404878\nchat_type=private\nquery_id=AAHdF6IQAAAAAN0XohDhrOrc\nuser=" + user
	good := telegramSign(token, check)
	raw := func(hash, auth, u string) string {
		v := url.Values{"query_id": {"AAHdF6IQAAAAAN0XohDhrOrc"}, "chat_instance": {"-3788475317572404878"}, "chat_type": {"private"},
			"auth_date": {auth}, "hash": {hash}}
		if u != "" {
			v.Set("user", u)
		}
		return v.Encode()
	}
	noUser := telegramSign(token, "auth_date="+authDate+"\nchat_instance=-3788475317572404878\nchat_type=private\nquery_id=AAHdF6IQAAAAAN0XohDhrOrc")
	oldAuth := "1699900000" // 100,000 s before now
	old := telegramSign(token, "auth_date="+oldAuth+"\nchat_instance=-3788475317572404878\nchat_type=private\nquery_id=AAHdF6IQAAAAAN0XohDhrOrc\nuser="+user)
	tests := []struct {
		name  string
		raw   string
		token string
		want  error
	}{
		{"valid", raw(good, authDate, user), token, nil},
		{"wrong hash", raw(telegramSign(token, check+"x"), authDate, user), token, web.ErrBadSignature},
		{"hash not hex", raw("zz", authDate, user), token, web.ErrBadSignature},
		{"another bot's token", raw(good, authDate, user), "654321:OTHER", web.ErrBadSignature},
		{"user swapped", raw(good, authDate, `{"id":1,"first_name":"Mallory"}`), token, web.ErrBadSignature},
		{"auth_date moved", raw(good, "1699999999", user), token, web.ErrBadSignature},
		{"too old", raw(old, oldAuth, user), token, web.ErrExpired},
		{"missing user", raw(noUser, authDate, ""), token, web.ErrNoUser},
		{"missing hash", raw("", authDate, user), token, web.ErrBadSignature},
		{"empty", "", token, web.ErrNoInitData},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := web.CheckInitData(tc.raw, tc.token, now, 24*time.Hour)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && (got.User.ID != 279058397 || got.User.LanguageCode != "en" || got.AuthDate.Unix() != 1699999000) {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

// SignInitData is what the demo's links and the tests use; it must agree
// with Telegram's algorithm as written above, not just with CheckInitData.
func TestSignInitDataIsTelegrams(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	raw, err := web.SignInitData(token, web.WebAppUser{ID: 42, FirstName: "杨帆", LanguageCode: "zh-hans"}, at)
	if err != nil {
		t.Fatal(err)
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := telegramSign(token, "auth_date=1700000000\nuser="+v.Get("user"))
	if v.Get("hash") != want {
		t.Fatalf("hash %s, want %s", v.Get("hash"), want)
	}
	if _, err := web.CheckInitData(raw, token, at.Add(time.Hour), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
}

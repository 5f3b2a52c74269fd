package bot

import (
	"embed"
	"fmt"
	"html"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Languages the bot speaks; Chinese is the default.
const (
	LangZH = "zh"
	LangEN = "en"
)

//go:embed locales/*.toml
var localeFiles embed.FS

// Catalog renders the bot's texts in a person's language.
type Catalog struct {
	localizers map[string]*i18n.Localizer
	// fixed keeps the texts rendered without data, by language and id:
	// they never change, and a reminder round renders the same few tens
	// of thousands of times.
	fixed sync.Map
}

// NewCatalog loads the embedded message files.
func NewCatalog() (*Catalog, error) {
	bundle := i18n.NewBundle(language.Chinese)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, lang := range []string{LangZH, LangEN} {
		if _, err := bundle.LoadMessageFileFS(localeFiles, "locales/"+lang+".toml"); err != nil {
			return nil, fmt.Errorf("load %s messages: %w", lang, err)
		}
	}
	return &Catalog{localizers: map[string]*i18n.Localizer{
		LangZH: i18n.NewLocalizer(bundle, LangZH),
		LangEN: i18n.NewLocalizer(bundle, LangEN, LangZH),
	}}, nil
}

// T renders message id in lang. Values in data are inserted as they are:
// callers escape user text with html.EscapeString first (see E).
func (c *Catalog) T(lang, id string, data map[string]any) string {
	if len(data) > 0 {
		return c.render(lang, id, data)
	}
	key := [2]string{lang, id}
	if s, ok := c.fixed.Load(key); ok {
		return s.(string)
	}
	s := c.render(lang, id, nil)
	c.fixed.Store(key, s)
	return s
}

func (c *Catalog) render(lang, id string, data map[string]any) string {
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers[LangZH]
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		// A missing text is a bug; show its id rather than nothing.
		return "[" + id + "]"
	}
	return strings.TrimRight(s, "\n")
}

// E escapes user-supplied text for Telegram's HTML parse mode.
func E(s string) string { return html.EscapeString(s) }

// LanguageFor picks the language for someone: their choice, else their
// Telegram client's language when it is English, else Chinese.
func LanguageFor(chosen, telegramLanguage string) string {
	switch chosen {
	case LangZH, LangEN:
		return chosen
	}
	if strings.HasPrefix(strings.ToLower(telegramLanguage), "en") {
		return LangEN
	}
	return LangZH
}

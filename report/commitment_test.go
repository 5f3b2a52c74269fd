package report_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang/freetype/truetype"
	"golang.org/x/text/encoding/unicode"

	"taskbot/models"
	"taskbot/report"
)

var pdfStream = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)

// pdfStreams inflates the PDF's compressed streams.
func pdfStreams(t *testing.T, pdf []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for _, m := range pdfStream.FindAllSubmatch(pdf, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			out = append(out, m[1])
			continue
		}
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("inflate a stream: %v", err)
		}
		out = append(out, data)
	}
	return out
}

func utf16be(t *testing.T, s string) []byte {
	t.Helper()
	b, err := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The PDF draws the commitment's Chinese text in the embedded font: the
// page's text holds the characters, and the font embedded in the file has
// a glyph for each of them (a PDF without them shows boxes or nothing).
func TestCommitmentPDFCarriesTheText(t *testing.T) {
	text := "2027 年度重点任务目标责任书\n责任领导：王建国\n\n一、包抓任务及节点\nT01 招商引资“双百”攻坚行动\n1. 完成全年招商项目库梳理（完成时限 2027-03-31）\n" +
		strings.Repeat("专班联络员按时如实报告进展，不得虚报、瞒报、迟报。", 40) + "\n责任领导（签订）：王建国\n"
	v := models.CommitmentVersion{ID: 3, Version: 2, Lang: "zh", Text: text, Fingerprint: models.Fingerprint(text),
		IssuedAt: time.Date(2027, 1, 5, 2, 0, 0, 0, time.UTC)}
	pdf, err := report.CommitmentPDF(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
	streams := pdfStreams(t, pdf)
	var content []byte
	var font *truetype.Font
	for _, s := range streams {
		content = append(content, s...)
		if f, err := truetype.Parse(s); err == nil {
			font = f
		}
	}
	for _, want := range []string{"王建国", "招商引资", "责任书", "瞒报"} {
		if !bytes.Contains(content, utf16be(t, want)) {
			t.Errorf("the page's text lacks %q", want)
		}
	}
	if !bytes.Contains(content, utf16be(t, v.Fingerprint)) {
		t.Errorf("no page names the fingerprint %s", v.Fingerprint)
	}
	if font == nil {
		t.Fatal("no TrueType font embedded")
	}
	for _, r := range "王建国招商引资责任书瞒报（）：“”" {
		if font.Index(r) == 0 {
			t.Errorf("the embedded font has no glyph for %q", r)
		}
	}
	// The font is the subset the text uses: a character it does not
	// draw is not there, so the glyphs found above are the text's.
	if font.Index('龘') != 0 {
		t.Error("the embedded font is not a subset")
	}
	again, err := report.CommitmentPDF(v)
	if err != nil || !bytes.Equal(again, pdf) {
		t.Fatalf("the same version drew another PDF (%v)", err)
	}
}

package report

import (
	"bytes"
	"fmt"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"taskbot/models"
)

// commitmentWords are the PDF's own words around the commitment's text,
// which is the district's and is drawn as it is.
var commitmentWords = map[string]map[string]string{
	"zh": {"footer": "第 %d 版 · 文本指纹（SHA-256）%s · 第 %d 页", "subject": "重点任务目标责任书"},
	"en": {"footer": "Version %d · fingerprint (SHA-256) %s · page %d", "subject": "Commitment on key tasks"},
}

// CommitmentPDF draws a commitment version as an A4 PDF: its canonical
// text line by line, in the embedded CJK font (so that a Chinese text
// draws on any reader), each page naming the version and the full
// fingerprint, against which the text can be checked. What is signed is
// the text; the PDF is its readable copy, and is drawn the same every
// time (its dates are the version's).
// pdfFont is the name the embedded CJK font is registered under in a
// commitment's PDF.
const pdfFont = "wqy-microhei"

func CommitmentPDF(v models.CommitmentVersion) ([]byte, error) {
	w, ok := commitmentWords[v.Lang]
	if !ok {
		w = commitmentWords["zh"]
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(v.IssuedAt)
	pdf.SetModificationDate(v.IssuedAt)
	pdf.SetProducer("taskbot", false)
	pdf.SetCreator("taskbot", false)
	pdf.SetLang(map[string]string{"zh": "zh-CN", "en": "en"}[v.Lang])
	pdf.AddUTF8FontFromBytes(pdfFont, "", fontData)
	lines := strings.Split(strings.TrimSuffix(v.Text, "\n"), "\n")
	if len(lines) > 0 {
		pdf.SetTitle(lines[0], true)
	}
	pdf.SetSubject(w["subject"], true)
	pdf.SetMargins(22, 20, 22)
	pdf.SetAutoPageBreak(true, 20)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont(pdfFont, "", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 5, fmt.Sprintf(w["footer"], v.Version, v.Fingerprint, pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetTextColor(0, 0, 0)
	for i, line := range lines {
		switch {
		case i == 0:
			pdf.SetFont(pdfFont, "", 17)
			pdf.MultiCell(0, 10, line, "", "C", false)
			pdf.Ln(4)
		case line == "":
			pdf.Ln(3)
		default:
			pdf.SetFont(pdfFont, "", 11)
			pdf.MultiCell(0, 6.5, line, "", "L", false)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("commitment %d as PDF: %w", v.ID, err)
	}
	return buf.Bytes(), nil
}

package web_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// rgba is a colour as getComputedStyle gives it, channels 0-255, alpha 0-1.
type rgba struct{ r, g, b, a float64 }

// parseColor reads a computed colour: "rgb(r, g, b)", "rgba(r, g, b, a)",
// or the same with spaces and "/ a". Any other form (a colour function the
// style should not use) is an error rather than a guess.
func parseColor(s string) (rgba, error) {
	in := strings.TrimSpace(s)
	var body string
	switch {
	case strings.HasPrefix(in, "rgba(") && strings.HasSuffix(in, ")"):
		body = in[5 : len(in)-1]
	case strings.HasPrefix(in, "rgb(") && strings.HasSuffix(in, ")"):
		body = in[4 : len(in)-1]
	default:
		return rgba{}, fmt.Errorf("colour %q: not rgb() or rgba()", s)
	}
	fields := strings.FieldsFunc(strings.ReplaceAll(body, "/", ","), func(r rune) bool { return r == ',' || r == ' ' })
	if len(fields) != 3 && len(fields) != 4 {
		return rgba{}, fmt.Errorf("colour %q: %d channels", s, len(fields))
	}
	ch := [4]float64{0, 0, 0, 1}
	for i, f := range fields {
		pct := strings.HasSuffix(f, "%")
		v, err := strconv.ParseFloat(strings.TrimSuffix(f, "%"), 64)
		if err != nil {
			return rgba{}, fmt.Errorf("colour %q: %w", s, err)
		}
		switch {
		case i == 3 && pct:
			v /= 100
		case i == 3:
		case pct:
			v *= 255.0 / 100
		}
		if v < 0 || i < 3 && v > 255 || i == 3 && v > 1 {
			return rgba{}, fmt.Errorf("colour %q: channel %d out of range", s, i)
		}
		ch[i] = v
	}
	return rgba{ch[0], ch[1], ch[2], ch[3]}, nil
}

// over is c painted over the opaque colour bg.
func (c rgba) over(bg rgba) rgba {
	mix := func(f, b float64) float64 { return f*c.a + b*(1-c.a) }
	return rgba{mix(c.r, bg.r), mix(c.g, bg.g), mix(c.b, bg.b), 1}
}

// luminance is WCAG 2's relative luminance of an opaque colour.
func (c rgba) luminance() float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrast is WCAG 2's contrast ratio of two opaque colours, 1 to 21.
func contrast(a, b rgba) float64 {
	la, lb := a.luminance(), b.luminance()
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// textContrast is the contrast of text of colour fg on the backgrounds
// from its own element's up to the root's, each painted over the next
// (the canvas white under all), as the text is seen.
func textContrast(fg string, backgrounds []string) (float64, error) {
	bg := rgba{255, 255, 255, 1}
	for i := len(backgrounds) - 1; i >= 0; i-- {
		c, err := parseColor(backgrounds[i])
		if err != nil {
			return 0, err
		}
		bg = c.over(bg)
	}
	text, err := parseColor(fg)
	if err != nil {
		return 0, err
	}
	return contrast(text.over(bg), bg), nil
}

func TestContrast(t *testing.T) {
	cases := []struct {
		fg          string
		backgrounds []string
		want        float64
	}{
		{"rgb(0, 0, 0)", []string{"rgb(255, 255, 255)"}, 21},
		{"rgb(255, 255, 255)", []string{"rgb(255, 255, 255)"}, 1},
		{"rgb(119, 119, 119)", []string{"rgb(255, 255, 255)"}, 4.48}, // #777, just short of AA
		{"rgb(118, 118, 118)", nil, 4.54},                            // #767676 on the canvas
		{"rgb(255, 255, 255)", []string{"rgb(224, 168, 0)"}, 2.15},   // white on the old yellow badge
		{"rgb(224, 168, 0)", []string{"rgba(0, 0, 0, 0)", "rgb(242, 242, 247)"}, 1.93},
		{"rgba(0, 0, 0, 0.5)", []string{"rgb(255, 255, 255)"}, 3.98},                 // half black: 127.5 grey
		{"rgb(0 0 0 / 50%)", []string{"rgba(0, 0, 0, 0)", "rgb(255 255 255)"}, 3.98}, // the same, space-separated
		{"rgb(255, 255, 255)", []string{"rgba(0, 0, 0, 0.5)", "rgb(255, 255, 255)"}, 3.98},
	}
	for _, tc := range cases {
		got, err := textContrast(tc.fg, tc.backgrounds)
		if err != nil || math.Abs(got-tc.want) > 0.01 {
			t.Errorf("%s on %v: %.3f (%v), want %.2f", tc.fg, tc.backgrounds, got, err, tc.want)
		}
	}
	for _, bad := range []string{"#fff", "color(srgb 1 1 1)", "rgb(1, 2)", "rgb(300, 0, 0)", "rgba(0, 0, 0, 2)", "rgb(a, b, c)", "transparent"} {
		if _, err := parseColor(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

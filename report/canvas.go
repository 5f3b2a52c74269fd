package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"

	"github.com/go-analyze/charts/chartdraw"
	"github.com/go-analyze/charts/chartdraw/drawing"
)

// A chart is drawn with the library's raster renderer (anti-aliased paths
// and the embedded font), laid out here, and encoded here: the library's
// own PNG encoding (true colour, every row filtered, default compression)
// was most of the cost of a summary round.

// canvas is one chart being drawn.
type canvas struct {
	r    chartdraw.Renderer
	w, h int
}

func newCanvas(w, h int) *canvas {
	r := chartdraw.PNG(w, h)
	// Sizes are given in pixels.
	r.SetDPI(72)
	r.SetFont(chartFnt)
	c := &canvas{r: r, w: w, h: h}
	c.rect(0, 0, w, h, inkBackground)
	return c
}

// rect fills the rectangle from (x0, y0) to (x1, y1).
func (c *canvas) rect(x0, y0, x1, y1 int, col drawing.Color) {
	if x1 <= x0 || y1 <= y0 {
		return
	}
	c.r.SetFillColor(col)
	c.r.MoveTo(x0, y0)
	c.r.LineTo(x1, y0)
	c.r.LineTo(x1, y1)
	c.r.LineTo(x0, y1)
	c.r.Close()
	c.r.Fill()
}

// text draws s with its baseline at y, starting at x.
func (c *canvas) text(s string, x, y int, size float64, col drawing.Color) {
	c.r.SetFontSize(size)
	c.r.SetFontColor(col)
	c.r.Text(s, x, y)
}

func (c *canvas) textWidth(s string, size float64) int {
	c.r.SetFontSize(size)
	return c.r.MeasureText(s).Width()
}

// line strokes the polyline through pts; dash, when set, dashes it.
func (c *canvas) line(pts []image.Point, width float64, col drawing.Color, dash []float64) {
	if len(pts) < 2 {
		return
	}
	c.r.SetStrokeColor(col)
	c.r.SetStrokeWidth(width)
	c.r.SetStrokeDashArray(dash)
	c.r.MoveTo(pts[0].X, pts[0].Y)
	for _, p := range pts[1:] {
		c.r.LineTo(p.X, p.Y)
	}
	c.r.Stroke()
	c.r.SetStrokeDashArray(nil)
}

// dot fills a circle of radius at (x, y).
func (c *canvas) dot(x, y int, radius float64, col drawing.Color) {
	c.r.SetFillColor(col)
	c.r.Circle(radius, x, y)
	c.r.Fill()
}

// rgbaOf collects the renderer's raster without encoding it.
type rgbaOf struct{ img *image.RGBA }

func (o *rgbaOf) Write(p []byte) (int, error) { return len(p), nil }
func (o *rgbaOf) SetRGBA(i *image.RGBA)       { o.img = i }

// png encodes the canvas as a paletted PNG: a chart is a dozen inks on
// white and their anti-aliased edges, which a palette holds exactly
// enough, at a quarter of the bytes per pixel and with no row filters to
// try.
func (c *canvas) png() ([]byte, error) {
	var out rgbaOf
	if err := c.r.Save(&out); err != nil {
		return nil, fmt.Errorf("draw chart: %w", err)
	}
	if out.img == nil {
		return nil, fmt.Errorf("draw chart: the renderer gave no raster")
	}
	var buf bytes.Buffer
	buf.Grow(32 << 10)
	if err := chartEncoder.Encode(&buf, quantize(out.img)); err != nil {
		return nil, fmt.Errorf("encode chart: %w", err)
	}
	return buf.Bytes(), nil
}

// chartEncoder trades a few more bytes for a fraction of the time: a
// paletted chart compresses well even at the fastest level.
var chartEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &encoderPool{}}

type encoderPool struct{ p sync.Pool }

func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}

func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

// blendSteps is how many shades between each ink and the background the
// palette holds for anti-aliased edges.
const blendSteps = 15

// chartPalette is every ink of the charts and its blends with the
// background.
var chartPalette = func() color.Palette {
	p := color.Palette{toRGBA(inkBackground)}
	for _, ink := range allInks {
		for k := blendSteps; k >= 1; k-- {
			p = append(p, blend(ink, inkBackground, float64(k)/blendSteps))
		}
	}
	if len(p) > 256 {
		panic(fmt.Sprintf("chart palette has %d colours", len(p)))
	}
	return p
}()

func toRGBA(c drawing.Color) color.RGBA { return color.RGBA{c.R, c.G, c.B, 255} }

// blend is a of ink over b.
func blend(ink, b drawing.Color, a float64) color.RGBA {
	mix := func(x, y uint8) uint8 { return uint8(float64(x)*a + float64(y)*(1-a) + 0.5) }
	return color.RGBA{mix(ink.R, b.R), mix(ink.G, b.G), mix(ink.B, b.B), 255}
}

// quantize maps each pixel to the nearest colour of the chart palette.
// Nearly every pixel is an ink or the background, in long runs, so the
// last colour and a small map answer almost all of them.
func quantize(img *image.RGBA) *image.Paletted {
	b := img.Bounds()
	out := image.NewPaletted(b, chartPalette)
	seen := make(map[uint32]uint8, 512)
	last, lastIdx := ^uint32(0), uint8(0)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		src := img.Pix[img.PixOffset(b.Min.X, y):img.PixOffset(b.Max.X, y)]
		dst := out.Pix[out.PixOffset(b.Min.X, y):out.PixOffset(b.Max.X, y)]
		for x := range dst {
			s := src[4*x : 4*x+3 : 4*x+3]
			key := uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2])
			if key != last {
				idx, ok := seen[key]
				if !ok {
					idx = uint8(chartPalette.Index(color.RGBA{s[0], s[1], s[2], 255}))
					seen[key] = idx
				}
				last, lastIdx = key, idx
			}
			dst[x] = lastIdx
		}
	}
	return out
}

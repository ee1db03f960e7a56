package reports_test

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/implicitreg/verify/reports"
	"github.com/implicitreg/verify/theorems"
)

// sampleFigure has every kind of line: a polyline, a dashed reference, a scatter, on log axes.
func sampleFigure() theorems.Figure {
	var xs, ys, bs []float64
	for k := 0; k <= 40; k++ {
		x := math.Pow(10, -4+float64(k)/10)
		xs, ys, bs = append(xs, x), append(ys, 1/math.Sqrt(x)), append(bs, 0.5/math.Sqrt(x))
	}
	return theorems.Figure{
		Name: "sample", Title: "A sample: |w| against ℓ", XLabel: "loss ℓ", YLabel: "|w_11|", LogX: true, LogY: true,
		Lines: []theorems.Line{
			{Label: "measured", X: xs, Y: ys},
			{Label: "bound", X: xs, Y: bs, Reference: true},
			{Label: "paper", X: []float64{1e-4, 1e-4}, Y: []float64{60, 70}, Points: true, Reference: true},
		},
	}
}

func render(t *testing.T, fig theorems.Figure, format string) ([]byte, reports.FigureStats) {
	t.Helper()
	var b bytes.Buffer
	st, err := reports.WriteFigure(&b, fig, format)
	if err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	if b.Len() == 0 {
		t.Fatalf("%s: empty output", format)
	}
	return b.Bytes(), st
}

// checkSVG parses the whole document as XML and checks its root element.
func checkSVG(t *testing.T, b []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
}

func checkPNG(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("PNG signature missing: % x", b[:min(8, len(b))])
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if r := img.Bounds(); r.Dx() < 100 || r.Dy() < 100 {
		t.Fatalf("PNG is %v", r)
	}
}

func TestWriteFigureRendersValidSVGAndPNG(t *testing.T) {
	fig := sampleFigure()
	svg, st := render(t, fig, "svg")
	checkSVG(t, svg)
	if st.Points != 41+41+2 || st.Dropped != 0 {
		t.Errorf("stats %+v, want 84 points drawn, 0 dropped", st)
	}
	for _, want := range []string{"A sample: |w| against ℓ", "measured", "bound", "paper", "loss ℓ"} {
		if !bytes.Contains(svg, []byte(xmlEscape(want))) {
			t.Errorf("SVG lacks the text %q", want)
		}
	}
	pngBytes, st2 := render(t, fig, "png")
	checkPNG(t, pngBytes)
	if st2 != st {
		t.Errorf("PNG stats %+v differ from SVG stats %+v", st2, st)
	}
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// The same data gives the same SVG bytes; other data gives other bytes.
func TestWriteFigureSVGIsAFunctionOfTheData(t *testing.T) {
	a, _ := render(t, sampleFigure(), "svg")
	b, _ := render(t, sampleFigure(), "svg")
	if !bytes.Equal(a, b) {
		t.Fatal("two renderings of the same figure differ")
	}
	other := sampleFigure()
	other.Lines[0].Y[3] *= 2
	c, _ := render(t, other, "svg")
	if bytes.Equal(a, c) {
		t.Fatal("changing a point did not change the SVG")
	}
}

// Points that cannot be drawn are left out and counted, in every format, and the rest is drawn.
func TestWriteFigureDropsAndCountsUndrawablePoints(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	fig := theorems.Figure{
		Name: "bad", Title: "undrawable points", LogY: true,
		Lines: []theorems.Line{
			{Label: "mixed", X: []float64{1, 2, 3, 4, 5, 6}, Y: []float64{1, nan, inf, -1, 0, 10}}, // 2 drawn, 4 dropped (≤ 0 on the log axis too)
			{Label: "ragged", X: []float64{1, 2, 3}, Y: []float64{5}},                              // 1 drawn, 2 without a y
			{Label: "all bad", X: []float64{nan, inf}, Y: []float64{1, 1}, Points: true},           // 0 drawn, 2 dropped
			{Label: "empty"},
		},
	}
	for _, format := range reports.FigureFormats {
		b, st := render(t, fig, format)
		if st.Points != 3 || st.Dropped != 8 {
			t.Errorf("%s: stats %+v, want 3 drawn and 8 dropped", format, st)
		}
		if format == "svg" {
			checkSVG(t, b)
			if !bytes.Contains(b, []byte("4 points not drawable")) || !bytes.Contains(b, []byte("no drawable point")) {
				t.Error("the legend does not say which lines lost points")
			}
		} else {
			checkPNG(t, b)
		}
	}
	// On linear axes the same non-positive values are drawable.
	fig.LogY = false
	if _, st := render(t, fig, "svg"); st.Points != 5 || st.Dropped != 6 {
		t.Errorf("linear axes: stats %+v, want 5 drawn and 6 dropped", st)
	}
}

// Degenerate data still renders: nothing at all, one point, a constant on a log axis.
func TestWriteFigureDegenerateData(t *testing.T) {
	figs := []theorems.Figure{
		{Name: "none", Title: "no lines"},
		{Name: "none-log", Title: "no lines, log axes", LogX: true, LogY: true},
		{Name: "one", Title: "one point", Lines: []theorems.Line{{Label: "p", X: []float64{2}, Y: []float64{3}, Points: true}}},
		{Name: "zero", Title: "the constant 0", Lines: []theorems.Line{{Label: "z", X: []float64{0, 1}, Y: []float64{0, 0}}}},
		{Name: "flat-log", Title: "a constant on a log axis", LogY: true, LogX: true,
			Lines: []theorems.Line{{Label: "c", X: []float64{5, 5}, Y: []float64{7, 7}}}},
		{Name: "tiny", Title: "subnormal values on a log axis", LogY: true,
			Lines: []theorems.Line{{Label: "c", X: []float64{1, 2}, Y: []float64{5e-324, 1e-320}}}},
	}
	for _, fig := range figs {
		for _, format := range reports.FigureFormats {
			b, _ := render(t, fig, format)
			if format == "svg" {
				checkSVG(t, b)
			} else {
				checkPNG(t, b)
			}
		}
	}
}

func TestWriteFigureUnknownFormat(t *testing.T) {
	var b bytes.Buffer
	if _, err := reports.WriteFigure(&b, sampleFigure(), "gif"); err == nil || !strings.Contains(err.Error(), "gif") {
		t.Fatalf("err = %v, want an unknown-format error", err)
	}
	if b.Len() != 0 {
		t.Error("something was written for an unknown format")
	}
}

// Rendering cost per figure (the report renders a dozen, twice each).
func BenchmarkWriteFigure(b *testing.B) {
	fig := sampleFigure()
	for _, format := range reports.FigureFormats {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := reports.WriteFigure(io.Discard, fig, format); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package reports

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/implicitreg/verify/theorems"
)

// Figure rendering with gonum.org/v1/plot: a theorems.Figure (plain numbers computed by the
// theorems package) becomes an SVG or a PNG. The SVG is a pure function of the figure's data
// (same data, same bytes: text is not embedded as font outlines, so no font file is written
// into it). The PNG comes from the same drawing through a rasteriser; it is deterministic in
// practice but its bytes are not promised to be stable across library versions.

// FigureFormats are the formats WriteFigure renders.
var FigureFormats = []string{"svg", "png"}

// Figure size: the plot area, plus one legend row per line below it.
const (
	figWidth      = 16 * vg.Centimeter
	figPlotHeight = 10 * vg.Centimeter
	figPNGDPI     = 110
)

// figPalette is the Okabe–Ito colour-blind-safe palette (yellow left out: too light on white).
var figPalette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	{0x00, 0x9E, 0x73, 0xff}, // bluish green
	{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0x00, 0x00, 0x00, 0xff}, // black
}

// FigureStats says what a rendering drew.
type FigureStats struct {
	// Points is the number of points drawn.
	Points int
	// Dropped counts the points that cannot be drawn and were left out: a coordinate that is
	// NaN or ±Inf, a coordinate ≤ 0 on a logarithmic axis, or an x without its y (lines
	// whose X and Y differ in length keep the common prefix).
	Dropped int
}

// WriteFigure renders fig in format ("svg" or "png") to w. Points that cannot be drawn are
// dropped and counted, never drawn as garbage; a figure with no drawable point still renders
// (empty axes) so that a report shows that the data is missing. A panic inside the plotting
// library is returned as an error.
func WriteFigure(w io.Writer, fig theorems.Figure, format string) (st FigureStats, err error) {
	var c vg.CanvasWriterTo
	p, legend, st := buildPlot(fig)
	height := figPlotHeight + legendHeight(legend)
	switch format {
	case "svg":
		c = vgsvg.New(figWidth, height)
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(figWidth, height), vgimg.UseDPI(figPNGDPI))}
	default:
		return st, fmt.Errorf("reports: unknown figure format %q (want svg or png)", format)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reports: rendering figure %s: %v", fig.Name, r)
		}
	}()
	// The plot is drawn on a canvas whose origin is moved up by the legend strip: gonum's
	// padding of a rotated axis label misplaces the plot when its canvas does not start at 0.
	lh := legendHeight(legend)
	if lh > 0 {
		legend.Draw(draw.Canvas{Canvas: c, Rectangle: vg.Rectangle{Max: vg.Point{X: figWidth, Y: lh}}})
	}
	c.Push()
	c.Translate(vg.Point{Y: lh})
	p.Draw(draw.Canvas{Canvas: c, Rectangle: vg.Rectangle{Max: vg.Point{X: figWidth, Y: figPlotHeight}}})
	c.Pop()
	if _, err := c.WriteTo(w); err != nil {
		return st, err
	}
	return st, nil
}

// legendHeight is the height of the legend strip below the plot: its entries plus a margin.
func legendHeight(l plot.Legend) vg.Length {
	r := l.Rectangle(draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: figWidth, Y: figPlotHeight}}})
	if h := r.Max.Y - r.Min.Y; h > 0 {
		return h + l.TextStyle.Font.Size
	}
	return 0
}

// buildPlot turns the figure's data into a plot and a legend.
func buildPlot(fig theorems.Figure) (*plot.Plot, plot.Legend, FigureStats) {
	var st FigureStats
	p := plot.New()
	p.Title.Text = fig.Title
	p.X.Label.Text = fig.XLabel
	p.Y.Label.Text = fig.YLabel
	// A log axis is drawn as a linear axis of log10 values with decade ticks: gonum's own
	// LogScale mislays a centred axis label (it pads for it at the arithmetic midpoint of the
	// data range) and labels 1e-5 as 9.999999999999999e-06.
	if fig.LogX {
		p.X.Tick.Marker = figLogTicks{}
	}
	if fig.LogY {
		p.Y.Tick.Marker = figLogTicks{}
	}
	p.Add(plotter.NewGrid())
	legend := plot.NewLegend()
	legend.Left = true
	legend.Top = true
	legend.XOffs = vg.Centimeter

	xr, yr := figRange{}, figRange{}
	for i, ln := range fig.Lines {
		xy, dropped := drawable(ln, fig.LogX, fig.LogY)
		st.Dropped += dropped
		st.Points += len(xy)
		col := figPalette[i%len(figPalette)]
		label := ln.Label
		if dropped > 0 {
			label += fmt.Sprintf(" (%d points not drawable, left out)", dropped)
		}
		if len(xy) == 0 {
			legend.Add(label + " — no drawable point")
			continue
		}
		for k, pt := range xy {
			xr.add(pt.X)
			yr.add(pt.Y)
			if fig.LogX {
				xy[k].X = math.Log10(pt.X)
			}
			if fig.LogY {
				xy[k].Y = math.Log10(pt.Y)
			}
		}
		if ln.Points {
			s, err := plotter.NewScatter(xy)
			if err != nil { // cannot happen: xy holds finite values only
				panic(err)
			}
			s.GlyphStyle.Color = col
			s.GlyphStyle.Radius = vg.Points(3)
			s.GlyphStyle.Shape = figShapes[i%len(figShapes)]
			p.Add(s)
			legend.Add(label, s)
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			panic(err)
		}
		l.LineStyle.Color = col
		// Each line a little thinner than the one before, so that a line drawn over an equal
		// one leaves a coloured rim: coinciding curves stay visible.
		l.LineStyle.Width = vg.Points(math.Max(1, 2.6-0.4*float64(i)))
		if ln.Reference {
			l.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		legend.Add(label, l)
	}
	p.X.Min, p.X.Max = xr.limits(fig.LogX)
	p.Y.Min, p.Y.Max = yr.limits(fig.LogY)
	if fig.LogX {
		p.X.Min, p.X.Max = math.Log10(p.X.Min), math.Log10(p.X.Max)
	}
	if fig.LogY {
		p.Y.Min, p.Y.Max = math.Log10(p.Y.Min), math.Log10(p.Y.Max)
	}
	// A margin of 3% so that markers on the edges are drawn whole.
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		m := 0.03 * (ax.Max - ax.Min)
		ax.Min, ax.Max = ax.Min-m, ax.Max+m
	}
	return p, legend, st
}

// figLogTicks marks an axis of log10 values: a labelled tick per decade (every second or
// more when there are many), and unlabelled ticks at 2…9 times a power of 10 when few
// decades are shown.
type figLogTicks struct{}

func (figLogTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := int(math.Ceil(lo-1e-9)), int(math.Floor(hi+1e-9))
	every := max(1, (last-first+7)/8)
	var ticks []plot.Tick
	for k := first - 1; k <= last; k++ {
		if k >= first && (k-first)%every == 0 {
			ticks = append(ticks, plot.Tick{Value: float64(k), Label: strconv.FormatFloat(math.Pow10(k), 'g', -1, 64)})
		} else if k >= first {
			ticks = append(ticks, plot.Tick{Value: float64(k)})
		}
		if last-first > 6 {
			continue
		}
		for j := 2; j <= 9; j++ {
			if v := float64(k) + math.Log10(float64(j)); v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	if len(ticks) == 0 || first > last { // less than a decade: label the ends
		ticks = append(ticks, plot.Tick{Value: lo, Label: strconv.FormatFloat(math.Pow(10, lo), 'g', 3, 64)},
			plot.Tick{Value: hi, Label: strconv.FormatFloat(math.Pow(10, hi), 'g', 3, 64)})
	}
	return ticks
}

var figShapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}, draw.RingGlyph{}}

// drawable returns the line's points that can be drawn and how many were left out.
func drawable(ln theorems.Line, logX, logY bool) (plotter.XYs, int) {
	n := min(len(ln.X), len(ln.Y))
	dropped := max(len(ln.X), len(ln.Y)) - n
	xy := make(plotter.XYs, 0, n)
	for i := 0; i < n; i++ {
		x, y := ln.X[i], ln.Y[i]
		if !figFinite(x) || !figFinite(y) || (logX && x <= 0) || (logY && y <= 0) {
			dropped++
			continue
		}
		xy = append(xy, plotter.XY{X: x, Y: y})
	}
	return xy, dropped
}

func figFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// figRange is the range of the drawn values on one axis.
type figRange struct {
	min, max float64
	any      bool
}

func (r *figRange) add(v float64) {
	if !r.any {
		r.min, r.max, r.any = v, v, true
		return
	}
	r.min, r.max = math.Min(r.min, v), math.Max(r.max, v)
}

// limits returns the axis limits: the data range, widened when it is a single value (and a
// default range when there is no data), so that the plot never divides by a zero width.
func (r figRange) limits(log bool) (lo, hi float64) {
	switch {
	case !r.any && log:
		return 1, 10
	case !r.any:
		return 0, 1
	case log: // out to whole decades, so that the log ticks have labels at both ends
		lo, hi = math.Pow(10, math.Floor(math.Log10(r.min))), math.Pow(10, math.Ceil(math.Log10(r.max)))
		if !(lo > 0) || math.IsInf(hi, 0) { // beyond the float range of a power of 10
			lo, hi = r.min, r.max
		}
		if lo < hi {
			return lo, hi
		}
		return lo / 10, hi * 10
	case r.min < r.max:
		return r.min, r.max
	case r.min == 0:
		return -1, 1
	}
	d := math.Abs(r.min) / 10
	return r.min - d, r.max + d
}

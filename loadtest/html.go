package loadtest

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// HTML writes a page with the report's table and two pictures: pods Ready
// over time, and the API latency distributions. The charts are inline SVG:
// the page needs nothing from the network.
func (r *Report) HTML(w io.Writer) error {
	var table strings.Builder
	r.Table(&table)
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return page.Execute(w, map[string]any{
		"Title": fmt.Sprintf("jetplane loadtest %s: %d nodes, %d pods", r.Config.Preset, r.Config.Nodes, r.Config.Pods),
		"Table": table.String(),
		"Ready": chart("pods Ready", "seconds since the first Deployment was posted", "pods Ready",
			[]series{{"Ready", "#1f77b4", r.Pods.ReadyCurve}}),
		"Latency": chart("API latency (cumulative)", "milliseconds", "fraction of requests",
			[]series{{"mutating", "#d62728", r.API.MutatingCDF}, {"read", "#2ca02c", r.API.ReadCDF}}),
		"JSON": string(raw),
	})
}

type series struct {
	Name   string
	Color  string
	Points [][2]float64
}

const (
	chartW, chartH = 640.0, 320.0
	padL, padB     = 60.0, 40.0
)

// chart draws series as polylines over shared axes scaled to their range.
func chart(title, xLabel, yLabel string, ss []series) template.HTML {
	maxX, maxY := 0.0, 0.0
	for _, s := range ss {
		for _, p := range s.Points {
			maxX, maxY = max(maxX, p[0]), max(maxY, p[1])
		}
	}
	if maxX == 0 || maxY == 0 {
		return template.HTML("<p>" + template.HTMLEscapeString(title) + ": no data</p>")
	}
	x := func(v float64) float64 { return padL + v/maxX*(chartW-padL-30) }
	y := func(v float64) float64 { return chartH - padB - v/maxY*(chartH-padB-20) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`, chartW, chartH)
	fmt.Fprintf(&b, `<text x="%.0f" y="14" font-weight="bold">%s</text>`, padL, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="black"/>`, padL, chartH-padB, chartW-30, chartH-padB)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="20" x2="%.0f" y2="%.0f" stroke="black"/>`, padL, padL, chartH-padB)
	for i := 0; i <= 4; i++ {
		vx, vy := maxX*float64(i)/4, maxY*float64(i)/4
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`, x(vx), chartH-padB+15, tick(vx))
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`, padL-4, y(vy)+4, tick(vy))
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">%s</text>`, (chartW+padL)/2, chartH-5, template.HTMLEscapeString(xLabel))
	fmt.Fprintf(&b, `<text x="12" y="%.0f" transform="rotate(-90 12 %.0f)" text-anchor="middle">%s</text>`, chartH/2, chartH/2, template.HTMLEscapeString(yLabel))
	for i, s := range ss {
		var pts []string
		for _, p := range s.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p[0]), y(p[1])))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, s.Color, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" fill="%s">%s</text>`, padL+15, 40+16*float64(i), s.Color, template.HTMLEscapeString(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped strings only
}

func tick(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family: sans-serif; margin: 2em">
<h1>{{.Title}}</h1>
<pre>{{.Table}}</pre>
<div>{{.Ready}}</div>
<div>{{.Latency}}</div>
<details><summary>JSON</summary><pre>{{.JSON}}</pre></details>
</body></html>
`))

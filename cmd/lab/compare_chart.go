package main

import (
	"fmt"
	"html"
	"slices"
	"strings"
)

// comparisonChart draws the median p50 latency and CPU per order of each
// variant as two panels of horizontal bars, with each bar's range of rounds
// as a whisker: an SVG that the table's page shows.
func comparisonChart(all []figures) string {
	vs := byVariant(all)
	const rowH, top, labelW, panelW, gap = 22, 48, 250, 300, 40
	height := top + rowH*len(vs) + 20
	width := labelW + 2*panelW + gap + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	for i, m := range []measure{p50, cpu} {
		x0 := labelW + i*(panelW+gap)
		hi := 0.0
		for _, v := range vs {
			for _, x := range v.values(m) {
				hi = max(hi, x)
			}
		}
		if hi == 0 {
			hi = 1
		}
		scale := float64(panelW-60) / hi
		fmt.Fprintf(&b, `<text x="%d" y="20" font-weight="bold">%s (median, range of rounds)</text>`+"\n", x0, html.EscapeString(m.label))
		for j, v := range vs {
			y := top + j*rowH
			vals := v.values(m)
			lo, up := vals[0], vals[0]
			for _, x := range vals {
				lo, up = min(lo, x), max(up, x)
			}
			med := median(vals)
			fill := "#4a7ab8"
			if i == 1 {
				fill = "#c0703a"
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", x0, y, med*scale, rowH-8, fill)
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#222"/>`+"\n",
				float64(x0)+lo*scale, float64(x0)+up*scale, y+(rowH-8)/2, y+(rowH-8)/2)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(x0)+up*scale+4, y+rowH-11, m.format(med))
			if i == 0 {
				fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-8, y+rowH-11, html.EscapeString(v.name))
			}
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// median is the middle of vs (the mean of the two middle ones for an even count).
func median(vs []float64) float64 {
	s := slices.Sorted(slices.Values(vs))
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

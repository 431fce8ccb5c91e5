// graphs.js draws the console's charts with uPlot (issue 11). Written
// by the graphs helper; see ui/chart.go for the markup it reads.

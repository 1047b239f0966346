using System.Globalization;
using System.Net;
using System.Text;

namespace LayerLab.Web.Studies;

/// <summary>
/// Draws a study's figure as a standalone SVG: one line per series through the seed means, its 95% interval as a
/// translucent band, the paper's numbers as hollow diamonds, log axes where the study asks. Server-side, so the page,
/// the SVG download and the PNG export (rasterised in the browser) are the same picture.
/// </summary>
public static class StudySvg
{
    private static readonly string[] Palette =
    [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
        "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd", "#e6550d",
    ];
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private const int Left = 70, Top = 20, Bottom = 50, LegendWidth = 250;

    public const string StudyNote = "bands: 95% CI over seeds (t)";

    /// <summary>
    /// The figure as SVG. A run's figure (RunFigureSvg) reuses this with its own test id, no band note, and its
    /// reference series dashed.
    /// </summary>
    public static string Render(StudyFigureDataDto figure, int width = 900, int height = 420, string testId = "study-figure",
        string? note = StudyNote, IReadOnlySet<string>? dashed = null)
    {
        ArgumentNullException.ThrowIfNull(figure);
        var plotW = width - Left - LegendWidth - 20;
        var plotH = height - Top - Bottom;
        var points = figure.Series.SelectMany(s => s.Points).ToList();
        var xs = points.Select(p => p.X).Concat(figure.Paper.Select(p => p.X)).Where(x => Usable(x, figure.LogX)).ToList();
        var ys = points.SelectMany(p => new[] { p.Low, p.High, p.Mean }).Concat(figure.Paper.Select(p => p.Y)).Where(y => Usable(y, figure.LogY)).ToList();
        var svg = new StringBuilder();
        svg.Append(C, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" ")
            .Append("font-family=\"Roboto, Helvetica, Arial, sans-serif\" font-size=\"12\" ")
            .Append(C, $"data-testid=\"{E(testId)}\">")
            .Append(C, $"<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>");
        if (xs.Count == 0 || ys.Count == 0)
            return svg.Append(C, $"<text x=\"{width / 2}\" y=\"{height / 2}\" text-anchor=\"middle\" fill=\"#666\">No finished runs yet.</text></svg>").ToString();

        var (x0, x1) = Range(xs, figure.LogX);
        var (y0, y1) = Range(ys, figure.LogY);
        double Sx(double x) => Left + (plotW * (T(x, figure.LogX) - x0) / (x1 - x0));
        double Sy(double y) => Top + plotH - (plotH * (T(Clamp(y, figure.LogY, y0), figure.LogY) - y0) / (y1 - y0));

        Axes(svg, figure, x0, x1, y0, y1, plotW, plotH, Sx, Sy);
        for (var i = 0; i < figure.Series.Count; i++)
        {
            var series = figure.Series[i];
            var color = Palette[i % Palette.Length];
            var ps = series.Points.Where(p => Usable(p.X, figure.LogX) && Usable(p.Mean, figure.LogY)).ToList();
            if (ps.Count == 0) continue;
            var band = ps.Where(p => p.N >= 2).ToList();
            if (band.Count > 1)
            {
                var outline = band.Select(p => P(Sx(p.X), Sy(p.High))).Concat(band.AsEnumerable().Reverse().Select(p => P(Sx(p.X), Sy(p.Low))));
                svg.Append(C, $"<polygon points=\"{string.Join(" ", outline)}\" fill=\"{color}\" fill-opacity=\"0.15\" stroke=\"none\"/>");
            }
            foreach (var p in band.Where(_ => band.Count == 1)) // a lone point: an error bar instead of a band
                svg.Append(C, $"<line x1=\"{F(Sx(p.X))}\" x2=\"{F(Sx(p.X))}\" y1=\"{F(Sy(p.Low))}\" y2=\"{F(Sy(p.High))}\" stroke=\"{color}\"/>");
            var dash = dashed?.Contains(series.Name) == true ? " stroke-dasharray=\"6 4\"" : "";
            svg.Append(C, $"<polyline points=\"{string.Join(" ", ps.Select(p => P(Sx(p.X), Sy(p.Mean))))}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash} data-series=\"{E(series.Name)}\"/>");
            foreach (var p in ps)
                svg.Append(C, $"<circle cx=\"{F(Sx(p.X))}\" cy=\"{F(Sy(p.Mean))}\" r=\"3\" fill=\"{color}\"><title>{E(series.Name)}: x={p.X:G4}, mean={p.Mean:G4} [{p.Low:G4}, {p.High:G4}], n={p.N}</title></circle>");
            var ly = Top + 10 + (i * 18);
            svg.Append(C, $"<line x1=\"{width - LegendWidth}\" x2=\"{width - LegendWidth + 20}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"3\"{dash}/>")
                .Append(C, $"<text x=\"{width - LegendWidth + 26}\" y=\"{ly + 4}\">{E(series.Name)}</text>");
        }
        foreach (var paper in figure.Paper.Where(p => Usable(p.X, figure.LogX) && Usable(p.Y, figure.LogY)))
        {
            var index = figure.Series.ToList().FindIndex(s => s.Name == paper.Series);
            var color = index < 0 ? "#000" : Palette[index % Palette.Length];
            var (cx, cy) = (Sx(paper.X), Sy(paper.Y));
            svg.Append(C, $"<path d=\"M{F(cx)} {F(cy - 6)} L{F(cx + 6)} {F(cy)} L{F(cx)} {F(cy + 6)} L{F(cx - 6)} {F(cy)} Z\" fill=\"#fff\" stroke=\"{color}\" stroke-width=\"2\" data-paper=\"true\"><title>paper ({E(paper.Source)}): {E(paper.Series)} x={paper.X:G4}, y={paper.Y:G4}</title></path>");
        }
        if (figure.Paper.Count > 0)
        {
            var ly = Top + 10 + (figure.Series.Count * 18);
            svg.Append(C, $"<path d=\"M{width - LegendWidth + 10} {ly - 6} l6 6 l-6 6 l-6 -6 Z\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"2\"/>")
                .Append(C, $"<text x=\"{width - LegendWidth + 26}\" y=\"{ly + 4}\">paper's reported numbers</text>");
        }
        var noteY = Top + 16 + ((figure.Series.Count + (figure.Paper.Count > 0 ? 1 : 0)) * 18);
        if (note is not null)
            svg.Append(C, $"<text x=\"{width - LegendWidth}\" y=\"{noteY}\" fill=\"#666\" font-size=\"11\">{E(note)}</text>");
        return svg.Append("</svg>").ToString();
    }

    private static void Axes(StringBuilder svg, StudyFigureDataDto figure, double x0, double x1, double y0, double y1, int plotW, int plotH,
        Func<double, double> sx, Func<double, double> sy)
    {
        svg.Append(C, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#999\"/>");
        foreach (var t in Ticks(x0, x1, figure.LogX))
        {
            var x = sx(t);
            svg.Append(C, $"<line x1=\"{F(x)}\" x2=\"{F(x)}\" y1=\"{Top}\" y2=\"{Top + plotH}\" stroke=\"#eee\"/>")
                .Append(C, $"<text x=\"{F(x)}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{Label(t)}</text>");
        }
        foreach (var t in Ticks(y0, y1, figure.LogY))
        {
            var y = sy(t);
            svg.Append(C, $"<line x1=\"{Left}\" x2=\"{Left + plotW}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"#eee\"/>")
                .Append(C, $"<text x=\"{Left - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Label(t)}</text>");
        }
        svg.Append(C, $"<text x=\"{Left + (plotW / 2)}\" y=\"{Top + plotH + 38}\" text-anchor=\"middle\" font-weight=\"600\">{E(figure.X)}{(figure.LogX ? " (log)" : "")}</text>")
            .Append(C, $"<text transform=\"translate(16 {Top + (plotH / 2)}) rotate(-90)\" text-anchor=\"middle\" font-weight=\"600\">{E(figure.Y)}{(figure.LogY ? " (log)" : "")}</text>");
    }

    /// <summary>Axis range in transformed units (log10 for log axes), padded 5%; a flat range gets ±1 (or ±0.5 decade).</summary>
    private static (double Low, double High) Range(IReadOnlyList<double> values, bool log)
    {
        var t = values.Select(v => T(v, log)).ToList();
        var (lo, hi) = (t.Min(), t.Max());
        if (hi - lo < 1e-12) return (lo - (log ? 0.5 : 1), hi + (log ? 0.5 : 1));
        var pad = (hi - lo) * 0.05;
        return (lo - pad, hi + pad);
    }

    /// <summary>Tick values in data units: powers of ten (and 2×, 5× when few) on log axes, a 1-2-5 step otherwise.</summary>
    public static IEnumerable<double> Ticks(double low, double high, bool log)
    {
        if (log)
        {
            var decades = Enumerable.Range((int)Math.Ceiling(low), Math.Max(0, (int)Math.Floor(high) - (int)Math.Ceiling(low) + 1)).Select(e => Math.Pow(10, e)).ToList();
            if (decades.Count >= 3) return decades;
            // Few decades (e.g. d = 4…32): powers of two read better.
            return Enumerable.Range((int)Math.Ceiling(low / Math.Log10(2)), Math.Max(0, (int)Math.Floor(high / Math.Log10(2)) - (int)Math.Ceiling(low / Math.Log10(2)) + 1))
                .Select(e => Math.Pow(2, e));
        }
        var raw = (high - low) / 6;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        var ticks = new List<double>();
        for (var v = Math.Ceiling(low / step) * step; v <= high + (step * 1e-9); v += step) ticks.Add(Math.Abs(v) < step * 1e-9 ? 0 : v);
        return ticks;
    }

    private static bool Usable(double v, bool log) => double.IsFinite(v) && (!log || v > 0);
    private static double T(double v, bool log) => log ? Math.Log10(v) : v;
    /// <summary>A lower CI end at or below 0 on a log axis is drawn at the axis's bottom.</summary>
    private static double Clamp(double v, bool log, double low) => log && v <= 0 ? Math.Pow(10, low) : v;
    private static string F(double v) => v.ToString("0.#", C);
    private static string P(double x, double y) => F(x) + "," + F(y);
    private static string Label(double v) => v.ToString("G3", C);
    private static string E(string text) => WebUtility.HtmlEncode(text);
}

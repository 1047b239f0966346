using System.Xml.Linq;
using LayerLab.Web.Studies;

namespace LayerLab.Tests.Unit.Studies;

public sealed class StudySvgTests
{
    private static StudyFigureDataDto Figure(bool logX, params StudySeriesDto[] series) =>
        new("d", "tasks needed", "measure", logX, false, series, [new PaperPointDto("a", 8, 60, "paper, Fig. 1")]);

    [Fact]
    public void Draws_a_band_per_series_with_two_or_more_seeds_a_line_a_point_each_and_the_papers_markers()
    {
        var svg = StudySvg.Render(Figure(true,
            new StudySeriesDto("a", [new(4, 30, 20, 40, 3), new(8, 64, 50, 78, 3), new(16, 70, 60, 80, 3)]),
            new StudySeriesDto("b <&>", [new(4, 10, 10, 10, 1), new(8, 12, 12, 12, 1)])));
        var doc = XDocument.Parse(svg); // well-formed, names escaped
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Single(doc.Descendants(ns + "polygon")); // b has n = 1: no band
        Assert.Equal(2, doc.Descendants(ns + "polyline").Count());
        Assert.Equal(5, doc.Descendants(ns + "circle").Count());
        Assert.Single(doc.Descendants(ns + "path"), p => (string?)p.Attribute("data-paper") == "true");
        Assert.Contains("b &lt;&amp;&gt;", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_figure_says_so_instead_of_drawing_axes()
    {
        Assert.Contains("No finished runs yet.", StudySvg.Render(new StudyFigureDataDto("x", "y", "s", false, false, [], [])), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-3.1, 0.1, true, new[] { 0.001, 0.01, 0.1, 1 })]
    [InlineData(0.5, 1.6, true, new[] { 4.0, 8, 16, 32 })]  // under three decades: powers of two
    [InlineData(0, 1, false, new[] { 0, 0.2, 0.4, 0.6, 0.8, 1 })]
    public void Ticks_are_decades_powers_of_two_or_a_1_2_5_step(double low, double high, bool log, double[] expected)
    {
        var ticks = StudySvg.Ticks(low, high, log).ToList();
        Assert.Equal(expected.Length, ticks.Count);
        for (var i = 0; i < ticks.Count; i++) Assert.Equal(expected[i], ticks[i], 9);
    }
}

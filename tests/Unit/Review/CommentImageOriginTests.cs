using LayerLab.Web.Review;

namespace LayerLab.Tests.Unit.Review;

/// <summary>Issue 13 item 6: a picture from another host would report every reader of the comment to that host.</summary>
public sealed class CommentImageOriginTests
{
    [Theory]
    [InlineData("![p](https://collector.example/p.png)", "https://collector.example/p.png")]
    [InlineData("![p](//collector.example/p.png)", "//collector.example/p.png")]
    [InlineData("![p][r]\n\n[r]: http://collector.example/q.png", "http://collector.example/q.png")]
    public void Images_from_other_hosts_render_as_links_not_images(string markdown, string url)
    {
        var html = CommentMarkdown.ToSafeHtml(markdown);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"<a href=\"{url}\"", html, StringComparison.Ordinal);
        Assert.Contains(">p<", html, StringComparison.Ordinal); // the alt text is the link's text
    }

    [Fact]
    public void Images_from_the_portals_own_artifacts_stay_images()
    {
        var html = CommentMarkdown.ToSafeHtml("![loss curve](/api/runs/3/artifacts/7)");
        Assert.Contains("<img src=\"/api/runs/3/artifacts/7\"", html, StringComparison.Ordinal);
    }
}

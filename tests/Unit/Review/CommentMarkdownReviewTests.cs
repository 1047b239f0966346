using LayerLab.Web.Review;

namespace LayerLab.Tests.Unit.Review;

public sealed class CommentMarkdownReviewTests
{
    [Fact]
    public void Scripts_and_event_handlers_never_survive_but_markdown_does()
    {
        var html = CommentMarkdown.ToSafeHtml("<script>alert(1)</script><img src=x onerror=alert(1)>**bold**");

        Assert.Contains("<strong>bold</strong>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        // What was typed as a tag shows as text; no element carries an event handler.
        Assert.DoesNotMatch(@"<[^>]*\bon\w+\s*=", html);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void What_survives_the_renderer_is_also_sanitized()
    {
        var html = CommentMarkdown.ToSafeHtml("[x](javascript:alert(1)) ![i](javascript:alert(2)) https://example.org/a");
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("href=\"https://example.org/a\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Javascript_links_are_dropped()
    {
        var html = CommentMarkdown.ToSafeHtml("<a href=\"javascript:alert(2)\">y</a> [z](javascript:alert(3))");
        Assert.DoesNotMatch(@"<a[^>]*javascript:", html);
    }

    [Fact]
    public void Known_mentions_are_highlighted_and_handles_are_found()
    {
        Assert.Equal(["researcher@lab.test", "bob"], CommentMarkdown.FindHandles("hi @researcher@lab.test and @bob, not me@x"));
        var html = CommentMarkdown.ToSafeHtml("hi @researcher@lab.test and @bob", ["researcher@lab.test"]);
        Assert.Contains("<span class=\"mention\">@researcher@lab.test</span>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<span class=\"mention\">@bob", html, StringComparison.Ordinal);
    }
}

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
        Assert.DoesNotContain("onerror", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("alert(1)</script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Javascript_links_are_dropped()
    {
        var html = CommentMarkdown.ToSafeHtml("[x](javascript:alert(1)) <a href=\"javascript:alert(2)\">y</a>");
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
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

using LayerLab.Web.Review;

namespace LayerLab.Tests.Unit.Review;

/// <summary>Comment Markdown at its edges: empty input, what counts as the portal's own origin, which mentions are
/// highlighted (case, attributes), and what the sanitizer keeps (task lists, tables, mail links) or drops.</summary>
public sealed class CommentMarkdownEdgeTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  \n\t")]
    public void Blank_comments_render_as_nothing(string? markdown) => Assert.Equal("", CommentMarkdown.ToSafeHtml(markdown));

    [Theory]
    [InlineData("/api/runs/1/artifacts/2", true)]
    [InlineData("/a", true)]
    [InlineData("/", false)]                 // too short to name a file
    [InlineData("//evil.example/p.png", false)]
    [InlineData("/\\evil.example/p.png", false)]
    [InlineData("/a\tb", false)]
    [InlineData("/a\u0000", false)]
    [InlineData("a/b", false)]
    [InlineData("https://lab.example/a", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Own_origin_is_a_plain_path_on_this_host(string? url, bool own) => Assert.Equal(own, CommentMarkdown.IsOwnOrigin(url));

    [Fact]
    public void Mentions_match_handles_case_insensitively_and_only_in_text()
    {
        var html = CommentMarkdown.ToSafeHtml("thanks @Bob, see [link](https://x.example/@bob)", ["bob"]);
        Assert.Contains("<span class=\"mention\">@Bob</span>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://x.example/@bob\"", html, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "class=\"mention\""));
        Assert.DoesNotContain("mention", CommentMarkdown.ToSafeHtml("thanks @bob", []), StringComparison.Ordinal);
        Assert.DoesNotContain("mention", CommentMarkdown.ToSafeHtml("thanks @bob"), StringComparison.Ordinal);
    }

    [Fact]
    public void Handles_are_found_once_each_in_order()
    {
        Assert.Empty(CommentMarkdown.FindHandles(null));
        Assert.Empty(CommentMarkdown.FindHandles(""));
        Assert.Equal(["Bob", "a", "c.d"], CommentMarkdown.FindHandles("@Bob @a and @bob, @c.d."));
    }

    [Fact]
    public void Task_lists_tables_strikethrough_and_mail_links_survive_and_other_schemes_do_not()
    {
        var html = CommentMarkdown.ToSafeHtml("- [x] done\n- [ ] todo\n\n|a|b|\n|-|-|\n|1|2|\n\n~~old~~ [m](mailto:a@lab.test) [f](ftp://x.example/f) [h](http://x.example/h)");
        Assert.Contains("class=\"contains-task-list\"", html, StringComparison.Ordinal);
        Assert.Contains("class=\"task-list-item\"", html, StringComparison.Ordinal);
        Assert.Contains("<table>", html, StringComparison.Ordinal);
        Assert.Contains("<del>old</del>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"mailto:a@lab.test\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"http://x.example/h\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("ftp:", html, StringComparison.Ordinal);
    }
}

using System.Text.RegularExpressions;
using Ganss.Xss;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace LayerLab.Web.Review;

/// <summary>Markdown → HTML that is safe to put on the page: Markdig renders with raw HTML turned off (typed tags
/// show as text, and cannot swallow the markdown after them), then HtmlSanitizer strips anything dangerous that is
/// left (javascript: links, event handlers). Mentions of known users are wrapped in <c>span.mention</c>.</summary>
public static partial class CommentMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml().UseEmphasisExtras().UsePipeTables().UseAutoLinks().UseTaskLists().Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    /// <summary>Renders <paramref name="markdown"/>; <paramref name="mentionHandles"/> are the handles (without '@') to highlight.</summary>
    public static string ToSafeHtml(string? markdown, IReadOnlyCollection<string>? mentionHandles = null)
    {
        if (string.IsNullOrWhiteSpace(markdown)) return "";
        var document = Markdown.Parse(markdown, Pipeline);
        // An image loads when the comment is viewed, telling its host who read it and when: only the portal's own
        // files (artifacts) are shown inline; any other picture becomes a plain link the reader may choose to follow.
        foreach (var link in document.Descendants<LinkInline>())
            if (link.IsImage && !IsOwnOrigin(link.Url)) link.IsImage = false;
        var html = document.ToHtml(Pipeline);
        if (mentionHandles is { Count: > 0 })
        {
            var wanted = new HashSet<string>(mentionHandles, StringComparer.OrdinalIgnoreCase);
            // Only in text between tags (never inside an attribute); handles are [\w.+@-] only, so the span carries no markup.
            html = TagOrText().Replace(html, part => part.Value.StartsWith('<') ? part.Value
                : MentionPattern().Replace(part.Value, m => wanted.Contains(m.Groups[1].Value)
                    ? $"<span class=\"mention\">@{m.Groups[1].Value}</span>" : m.Value));
        }
        return Sanitizer.Sanitize(html);
    }

    /// <summary>A path on this portal ("/api/runs/1/artifacts/2"): not another host ("//x", "/\\x") and no scheme.</summary>
    public static bool IsOwnOrigin(string? url) =>
        url is { Length: > 1 } && url[0] == '/' && url[1] is not ('/' or '\\') && !url.Any(char.IsControl);

    /// <summary>The handles written as <c>@email</c> or <c>@name</c> in a text, in order, without duplicates.</summary>
    public static IReadOnlyList<string> FindHandles(string? text) => string.IsNullOrEmpty(text)
        ? []
        : MentionPattern().Matches(text).Select(m => m.Groups[1].Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedAttributes.Add("class");
        sanitizer.AllowedClasses.Clear();
        sanitizer.AllowedClasses.Add("mention");
        sanitizer.AllowedClasses.Add("contains-task-list");
        sanitizer.AllowedClasses.Add("task-list-item");
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.Add("http");
        sanitizer.AllowedSchemes.Add("https");
        sanitizer.AllowedSchemes.Add("mailto");
        return sanitizer;
    }

    [GeneratedRegex(@"<[^>]*>|[^<]+", RegexOptions.CultureInvariant)]
    private static partial Regex TagOrText();

    [GeneratedRegex(@"(?<![\w@])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w][\w.-]*[\w]|\w)", RegexOptions.CultureInvariant)]
    private static partial Regex MentionPattern();
}

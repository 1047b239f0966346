using System.Text.RegularExpressions;
using Ganss.Xss;
using Markdig;

namespace LayerLab.Web.Review;

/// <summary>Markdown → HTML that is safe to put on the page: Markdig renders, HtmlSanitizer strips scripts,
/// event handlers and dangerous URLs. Mentions of known users are wrapped in <c>span.mention</c>.</summary>
public static partial class CommentMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseEmphasisExtras().UsePipeTables().UseAutoLinks().UseTaskLists().Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    /// <summary>Renders <paramref name="markdown"/>; <paramref name="mentionHandles"/> are the handles (without '@') to highlight.</summary>
    public static string ToSafeHtml(string? markdown, IReadOnlyCollection<string>? mentionHandles = null)
    {
        if (string.IsNullOrWhiteSpace(markdown)) return "";
        var text = markdown;
        if (mentionHandles is { Count: > 0 })
        {
            var wanted = new HashSet<string>(mentionHandles, StringComparer.OrdinalIgnoreCase);
            // Handles contain only [\w.+@-], so the span carries no user-controlled markup.
            text = MentionPattern().Replace(text, m => wanted.Contains(m.Groups[1].Value)
                ? $"<span class=\"mention\">@{m.Groups[1].Value}</span>" : m.Value);
        }
        var html = Markdown.ToHtml(text, Pipeline);
        return Sanitizer.Sanitize(html);
    }

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

    [GeneratedRegex(@"(?<![\w@])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w][\w.-]*[\w]|\w)", RegexOptions.CultureInvariant)]
    private static partial Regex MentionPattern();
}

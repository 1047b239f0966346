namespace LayerLab.Web.Leaderboard;

internal static class QueryStringExtensions
{
    /// <summary>Adds the parameter only when it has a value (links keep only the filters in use).</summary>
    public static QueryString AddIf(this QueryString query, string name, string? value) =>
        string.IsNullOrEmpty(value) ? query : query.Add(name, value);
}

namespace LayerLab.Web.Compare;

/// <summary>
/// What <c>GET /api/compare/metrics</c> was asked for: runs, metric key, the response format (JSON by default; the
/// compact binary form with <c>format=bin</c> or <c>Accept: application/octet-stream</c>) and whether report times
/// come along (<c>times=true|false</c>; JSON sends them by default, binary only when asked: the compare page needs
/// them only for its wall-time and relative-time axes).
/// </summary>
public sealed record CompareHistoryRequest(IReadOnlyList<long> Ids, string Key, bool Binary, bool WithTimes)
{
    public static (CompareHistoryRequest? Request, Dictionary<string, string[]> Errors) Parse(
        string? runs, string? key, string? format, string? times, string? accept)
    {
        var errors = new Dictionary<string, string[]>();
        var ids = CompareQueries.ParseIds(runs);
        if (ids.Count == 0) errors["runs"] = ["Give run ids (runs=1,2,3) and a metric key."];
        if (string.IsNullOrEmpty(key)) errors["key"] = ["Give a metric key (key=loss)."];
        bool binary;
        switch (format?.Trim().ToLowerInvariant())
        {
            case null or "": binary = accept?.Contains(CompareHistoryBinary.ContentType, StringComparison.OrdinalIgnoreCase) == true; break;
            case "json": binary = false; break;
            case "bin" or "binary": binary = true; break;
            default: errors["format"] = [$"json or bin, not '{format}'."]; binary = false; break;
        }
        bool withTimes;
        switch (times?.Trim().ToLowerInvariant())
        {
            case null or "": withTimes = !binary; break;
            case "true" or "1": withTimes = true; break;
            case "false" or "0": withTimes = false; break;
            default: errors["times"] = [$"true or false, not '{times}'."]; withTimes = false; break;
        }
        return errors.Count > 0 ? (null, errors) : (new CompareHistoryRequest(ids, key!, binary, withTimes), errors);
    }
}

namespace LayerLab.Web.Components.RunView;

/// <summary>
/// Splits summary keys of the form "metric@param=value" (e.g. "success/prelu@lr=0.01") into grids, one per
/// parameter, so a sweep inside one run reads as a table instead of dozens of rows. Other keys stay plain.
/// </summary>
public sealed record SummaryGrid(string Parameter, IReadOnlyList<string> Columns, IReadOnlyList<SummaryGridRow> Rows);

public sealed record SummaryGridRow(string Metric, IReadOnlyList<double?> Values);

public static class SummaryPivot
{
    public static (IReadOnlyList<KeyValuePair<string, double>> Plain, IReadOnlyList<SummaryGrid> Grids) Split(
        IReadOnlyDictionary<string, double> summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var plain = new List<KeyValuePair<string, double>>();
        var cells = new List<(string Metric, string Parameter, string Value, double Number)>();
        foreach (var (key, number) in summary)
        {
            var at = key.IndexOf('@', StringComparison.Ordinal);
            var eq = at < 0 ? -1 : key.IndexOf('=', at);
            if (at <= 0 || eq < 0) { plain.Add(KeyValuePair.Create(key, number)); continue; }
            cells.Add((key[..at], key[(at + 1)..eq], key[(eq + 1)..], number));
        }
        var grids = cells.GroupBy(c => c.Parameter, StringComparer.Ordinal).Select(group =>
        {
            // Columns keep first-seen order (the experiment's grid order), not string order ("0.1" < "0.01").
            var columns = group.Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
            var rows = group.GroupBy(c => c.Metric, StringComparer.Ordinal)
                .OrderBy(r => r.Key, StringComparer.Ordinal)
                .Select(r => new SummaryGridRow(r.Key, columns
                    .Select(col => r.Where(c => c.Value == col).Select(c => (double?)c.Number).FirstOrDefault()).ToList()))
                .ToList();
            return new SummaryGrid(group.Key, columns, rows);
        }).ToList();
        return (plain.OrderBy(p => p.Key, StringComparer.Ordinal).ToList(), grids);
    }
}

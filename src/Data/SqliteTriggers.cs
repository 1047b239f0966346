namespace LayerLab.Data;

/// <summary>SQL for the triggers LayerLab (re)creates at every start (leaderboard sums, compacted histories).</summary>
public static class SqliteTriggers
{
    /// <summary>Drops each named trigger if it exists.</summary>
    public static string DropSql(IEnumerable<string> names) => string.Concat(names.Select(n => $"DROP TRIGGER IF EXISTS {n};\n"));

    /// <summary>Counts how many of the named triggers exist (a one-column <c>Value</c>).</summary>
    public static string CountPresentSql(IEnumerable<string> names) =>
        $"SELECT COUNT(*) AS Value FROM sqlite_master WHERE type = 'trigger' AND name IN ({string.Join(", ", names.Select(n => $"'{n}'"))})";
}

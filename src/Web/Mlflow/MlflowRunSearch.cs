using System.Globalization;
using System.Text;
using System.Text.Json;
using LayerLab.Data.Mlflow;
using LayerLab.Data.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Mlflow;

/// <summary>
/// runs/search: MLflow's filter and order_by translated to one SQLite query over the runs of the given experiments.
/// Metrics compare their latest value (LatestMetrics, as MLflow), params the run's ParametersJson, tags MlflowRunTags.
/// Every value from the client is a bound parameter; only fixed SQL fragments are concatenated.
/// </summary>
public static class MlflowRunSearch
{
    public const int DefaultMaxResults = 1000;
    public const int MaxResults = 50_000;
    public const int MaxExperimentIds = 100;

    public static async Task<IResult> SearchAsync(HttpContext http, MlflowServices s, CancellationToken ct)
    {
        using var args = await MlflowArgs.ReadAsync(http, ct);
        var experimentIds = args.StringList("experiment_ids", MaxExperimentIds, 32)
            .Select(id => long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).Where(n => n >= 0).Distinct().ToList();
        var max = args.Int64("max_results") ?? DefaultMaxResults;
        if (max is < 1 or > MaxResults) throw MlflowException.Invalid($"Invalid value for request parameter max_results. It must be at most {MaxResults}, but got value {max}");
        var stages = Stages(args.String("run_view_type", 32));
        SqliteQuery query;
        try
        {
            query = BuildQuery(experimentIds, stages, MlflowFilter.Parse(args.String("filter", MlflowFilter.MaxLength)),
                MlflowFilter.ParseOrderBy(args.StringList("order_by", MlflowFilter.MaxOrderBy, 500)), ReadPageToken(args.String("page_token", 200)), (int)max);
        }
        catch (FormatException ex)
        {
            throw MlflowException.Invalid($"Invalid filter or order_by: {ex.Message}");
        }

        await using var db = await s.DbFactory.CreateDbContextAsync(ct);
        var ids = new List<long>();
        if (experimentIds.Count > 0)
        {
            var connection = (SqliteConnection)db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync(ct);
            await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Built from fixed fragments; every client value is a bound parameter.
            command.CommandText = query.Sql;
#pragma warning restore CA2100
            foreach (var (name, value) in query.Parameters) command.Parameters.AddWithValue(name, value);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetInt64(0));
        }
        var hasMore = ids.Count > max;
        if (hasMore) ids.RemoveAt(ids.Count - 1);

        var rows = new List<(Run, MlflowRun)>(ids.Count);
        foreach (var chunk in ids.Chunk(500))
        {
            var found = await db.Runs.AsNoTracking().Where(r => chunk.Contains(r.Id))
                .Join(db.MlflowRuns.AsNoTracking(), r => r.Id, m => m.RunId, (r, m) => new { r, m }).ToDictionaryAsync(x => x.r.Id, ct);
            rows.AddRange(chunk.Where(found.ContainsKey).Select(id => (found[id].r, found[id].m)));
        }
        var runs = await MlflowRunReader.ReadManyAsync(db, rows, ct);
        return MlflowEndpoints.Ok(new { runs, next_page_token = hasMore ? PageToken(query.Offset + (int)max) : null });
    }

    public sealed record SqliteQuery(string Sql, IReadOnlyList<(string Name, object Value)> Parameters, int Offset);

    /// <summary>The SELECT of run ids (one more than <paramref name="max"/>, to tell whether a next page exists).</summary>
    public static SqliteQuery BuildQuery(
        IReadOnlyList<long> experimentIds, IReadOnlyList<string> stages, IReadOnlyList<MlflowCondition> conditions,
        IReadOnlyList<MlflowOrderBy> orderBy, int offset, int max)
    {
        ArgumentNullException.ThrowIfNull(experimentIds);
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentNullException.ThrowIfNull(orderBy);
        var parameters = new List<(string, object)>();
        string Bind(object value)
        {
            var name = "$p" + parameters.Count.ToString(CultureInfo.InvariantCulture);
            parameters.Add((name, value));
            return name;
        }
        var sql = new StringBuilder("SELECT r.\"Id\" FROM \"Runs\" r JOIN \"MlflowRuns\" m ON m.\"RunId\" = r.\"Id\" WHERE m.\"ExperimentId\" IN (");
        sql.AppendJoin(", ", experimentIds.Select(id => Bind(id))).Append(") AND m.\"LifecycleStage\" IN (");
        sql.AppendJoin(", ", stages.Select(stage => Bind(stage))).Append(')');
        foreach (var condition in conditions) sql.Append(" AND ").Append(Condition(condition, Bind));
        sql.Append(" ORDER BY ");
        foreach (var order in orderBy)
        {
            var expression = OrderExpression(order, Bind);
            // MLflow puts runs without the value last, whatever the direction.
            sql.Append('(').Append(expression).Append(") IS NULL, ").Append(expression).Append(order.Ascending ? " ASC, " : " DESC, ");
        }
        sql.Append("r.\"StartedAt\" DESC, r.\"Id\" ASC LIMIT ").Append(Bind((long)max + 1)).Append(" OFFSET ").Append(Bind((long)offset));
        return new SqliteQuery(sql.ToString(), parameters, offset);
    }

    private static string Condition(MlflowCondition c, Func<object, string> bind)
    {
        switch (c.Entity)
        {
            case MlflowEntity.Metric:
                return $"EXISTS (SELECT 1 FROM \"LatestMetrics\" l WHERE l.\"RunId\" = r.\"Id\" AND l.\"Key\" = {bind(c.Key)} AND l.\"Value\" {Operator(c.Comparator)} {bind(c.Value.Number!.Value)})";
            case MlflowEntity.Param:
                return $"EXISTS (SELECT 1 FROM json_each(r.\"ParametersJson\") p WHERE p.key = {bind(c.Key)} AND {StringTest("CAST(p.value AS TEXT)", c, bind)})";
            case MlflowEntity.Tag:
                return $"EXISTS (SELECT 1 FROM \"MlflowRunTags\" t WHERE t.\"RunId\" = r.\"Id\" AND t.\"Key\" = {bind(c.Key)} AND {StringTest("t.\"Value\"", c, bind)})";
            default:
                var attribute = Attribute(c.Key);
                return MlflowFilter.NumericAttributes.Contains(c.Key)
                    ? $"{attribute} {Operator(c.Comparator)} {bind((long)c.Value.Number!.Value)}"
                    : $"{attribute} IS NOT NULL AND {StringTest(attribute, c, bind)}";
        }
    }

    private static string StringTest(string column, MlflowCondition c, Func<object, string> bind) => c.Comparator switch
    {
        MlflowComparator.Equal => $"{column} = {bind(c.Value.Text!)}",
        MlflowComparator.NotEqual => $"{column} != {bind(c.Value.Text!)}",
        // SQLite's LIKE ignores ASCII case, so it is MLflow's ILIKE; GLOB is case-sensitive, so it carries LIKE.
        MlflowComparator.Like => $"{column} GLOB {bind(MlflowStrings.LikeToGlob(c.Value.Text!))}",
        MlflowComparator.ILike => $"{column} LIKE {bind(c.Value.Text!)}",
        MlflowComparator.In => $"{column} IN ({string.Join(", ", c.Value.List!.Select(v => bind(v)))})",
        MlflowComparator.NotIn => $"{column} NOT IN ({string.Join(", ", c.Value.List!.Select(v => bind(v)))})",
        _ => throw new FormatException($"Invalid comparator {c.Comparator} for a string."),
    };

    private static string Operator(MlflowComparator comparator) => comparator switch
    {
        MlflowComparator.Equal => "=",
        MlflowComparator.NotEqual => "!=",
        MlflowComparator.Less => "<",
        MlflowComparator.LessOrEqual => "<=",
        MlflowComparator.Greater => ">",
        MlflowComparator.GreaterOrEqual => ">=",
        _ => throw new FormatException($"Invalid comparator {comparator} for a number."),
    };

    /// <summary>Run attributes in MLflow's terms: times in Unix ms (the columns hold UTC ticks), status in MLflow's names.</summary>
    private static string Attribute(string key) => key switch
    {
        "run_id" => "CAST(r.\"Id\" AS TEXT)",
        "run_name" or "name" => "r.\"Name\"",
        "status" => MlflowStatus.Sql,
        "user_id" => "COALESCE(m.\"UserId\", r.\"SubmittedBy\")",
        "start_time" => "((r.\"StartedAt\" - 621355968000000000) / 10000)",
        "end_time" => "((r.\"FinishedAt\" - 621355968000000000) / 10000)",
        _ => throw new FormatException($"Invalid attribute '{key}'."),
    };

    private static string OrderExpression(MlflowOrderBy order, Func<object, string> bind) => order.Entity switch
    {
        MlflowEntity.Metric => $"(SELECT l.\"Value\" FROM \"LatestMetrics\" l WHERE l.\"RunId\" = r.\"Id\" AND l.\"Key\" = {bind(order.Key)})",
        MlflowEntity.Param => $"(SELECT p.value FROM json_each(r.\"ParametersJson\") p WHERE p.key = {bind(order.Key)})",
        MlflowEntity.Tag => $"(SELECT t.\"Value\" FROM \"MlflowRunTags\" t WHERE t.\"RunId\" = r.\"Id\" AND t.\"Key\" = {bind(order.Key)})",
        _ => order.Key == "run_id" ? "r.\"Id\"" : Attribute(order.Key),
    };

    /// <summary>ACTIVE_ONLY (default), DELETED_ONLY or ALL, as MLflow's ViewType names (or its numbers 1, 2, 3).</summary>
    public static IReadOnlyList<string> Stages(string? viewType) => viewType switch
    {
        null or "" or "ACTIVE_ONLY" or "1" => [MlflowModel.Active],
        "DELETED_ONLY" or "2" => [MlflowModel.Deleted],
        "ALL" or "3" => [MlflowModel.Active, MlflowModel.Deleted],
        _ => throw MlflowException.Invalid($"Invalid view type '{MlflowArgs.Shorten(viewType)}': one of ACTIVE_ONLY, DELETED_ONLY, ALL."),
    };

    /// <summary>Page tokens are MLflow's own form: base64 of {"offset": n}.</summary>
    public static string PageToken(int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { offset })));

    public static int ReadPageToken(string? token)
    {
        if (string.IsNullOrEmpty(token)) return 0;
        try
        {
            using var document = JsonDocument.Parse(Convert.FromBase64String(token));
            var offset = document.RootElement.GetProperty("offset").GetInt32();
            return offset >= 0 ? offset : throw new FormatException("negative offset");
        }
        catch (Exception ex) when (ex is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw MlflowException.Invalid("Invalid page token, could not base64-decode it into {\"offset\": n}.");
        }
    }
}

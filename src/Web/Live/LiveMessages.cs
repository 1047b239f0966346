using LayerLab.Data.Runs;

namespace LayerLab.Web.Live;

/// <summary>One metric value as it travels to browsers (camelCase JSON: {key, step, value}); value is null for
/// NaN and ±Infinity, which JSON cannot carry.</summary>
public readonly record struct PointMessage(string Key, long Step, double? Value)
{
    public static PointMessage Of(string key, long step, double value) =>
        new(key, step, double.IsFinite(value) ? value : null);
}

public sealed record MetricsAppendedMessage(long RunId, IReadOnlyList<PointMessage> Points);

public sealed record RunUpdatedMessage(
    long RunId, RunStatus Status, double Progress, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error);

/// <summary>A run logged a tensor: the run page's tensor panel adds the step to its slider and fetches the values
/// over HTTP only if it shows that key (the notice stays small however large the tensor).</summary>
public sealed record TensorLoggedMessage(long RunId, string Key, long Step, int[] Shape);

using LayerLab.Web.Queue;

namespace LayerLab.Web.Components.Queue;

/// <summary>Pending rows are the same when their run ids are (positions change on every live reload; ticks stay).</summary>
public sealed class PendingRunComparer : IEqualityComparer<PendingRunDto>
{
    public static PendingRunComparer Instance { get; } = new();

    public bool Equals(PendingRunDto? x, PendingRunDto? y) => x?.RunId == y?.RunId;

    public int GetHashCode(PendingRunDto obj) => obj?.RunId.GetHashCode() ?? 0;
}

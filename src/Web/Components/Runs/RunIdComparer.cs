using LayerLab.Data.Runs;

namespace LayerLab.Web.Components.Runs;

/// <summary>Runs are the same run when their ids are equal (the list reloads fresh objects on every update).</summary>
public sealed class RunIdComparer : IEqualityComparer<Run>
{
    public static RunIdComparer Instance { get; } = new();

    public bool Equals(Run? x, Run? y) => x?.Id == y?.Id;

    public int GetHashCode(Run obj) => obj?.Id.GetHashCode() ?? 0;
}

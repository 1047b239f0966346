using System.Globalization;

namespace LayerLab.Web.Components.Queue;

public static class QueueFormatting
{
    /// <summary>"in 3 min 20 s" / "now" / "unknown" (no finished run of that experiment to go on).</summary>
    public static string StartsIn(DateTimeOffset? estimate, DateTimeOffset now) => estimate switch
    {
        null => "unknown",
        { } t when t <= now.AddSeconds(1) => "now",
        { } t => "in " + Span((t - now).TotalSeconds),
    };

    public static string Span(double? seconds) => seconds switch
    {
        null => "unknown",
        < 60 => seconds.Value.ToString("0", CultureInfo.InvariantCulture) + " s",
        < 3600 => $"{(int)(seconds.Value / 60)} min {(int)(seconds.Value % 60)} s",
        _ => $"{(int)(seconds.Value / 3600)} h {(int)(seconds.Value % 3600 / 60)} min",
    };
}

using System.Globalization;
using LayerLab.Data.Runs;

namespace LayerLab.Web.Components.Runs;

public static class RunFormatting
{
    public static string Duration(Run run, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Duration(run.StartedAt, run.FinishedAt, now);
    }

    public static string Duration(DateTimeOffset? startedAt, DateTimeOffset? finishedAt, DateTimeOffset now)
    {
        if (startedAt is null) return "–";
        var span = (finishedAt ?? now) - startedAt.Value;
        return span.TotalSeconds < 60 ? span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
            : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes} min {span.Seconds} s"
            : $"{(int)span.TotalHours} h {span.Minutes} min";
    }

    public static string When(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Number(double value) =>
        Math.Abs(value) is >= 1e-3 and < 1e5 or 0 ? value.ToString("0.####", CultureInfo.InvariantCulture)
        : value.ToString("0.###e0", CultureInfo.InvariantCulture);

    /// <summary>"host:pid · cuda:0": which worker trained (or trains) the run, and on what.</summary>
    public static string WorkerAndDevice(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return WorkerAndDevice(run.Worker, run.Device);
    }

    public static string WorkerAndDevice(string? worker, string? device) =>
        (worker, device) switch
        {
            (null, null) => "–",
            (null, { } d) => d,
            ({ } w, null) => w,
            ({ } w, { } d) => $"{w} · {d}",
        };
}

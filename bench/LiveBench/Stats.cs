using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace LayerLab.Bench.Live;

public static class Stats
{
    private static readonly long Origin = Stopwatch.GetTimestamp();

    /// <summary>Milliseconds on one monotonic clock shared by every sender and subscriber in this process.</summary>
    public static double NowMs() => Stopwatch.GetElapsedTime(Origin).TotalMilliseconds;

    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        var rank = p / 100 * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }

    public static double Median(IEnumerable<double> values) => Percentile(values.Order().ToList(), 50);

    /// <summary>CPU seconds (user + system) a process has used so far, from /proc/&lt;pid&gt;/stat.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is state (field 3); utime and stime are fields 14 and 15.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>
    /// CPU seconds used so far by every live descendant of <paramref name="root"/> (not the root itself): for the chart
    /// bench, the portal processes and Playwright's driver with its Chromium processes. On a loaded machine this is the
    /// part of a wall-clock figure that is the work itself.
    /// </summary>
    public static double DescendantsCpuSeconds(int root)
    {
        var parent = new Dictionary<int, int>();
        var cpu = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parent[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                cpu[pid] = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
            }
            catch (IOException) { /* gone meanwhile */ }
        }
        bool Below(int pid)
        {
            for (var p = parent.GetValueOrDefault(pid); p > 1; p = parent.GetValueOrDefault(p)) if (p == root) return true;
            return false;
        }
        return cpu.Where(kv => Below(kv.Key)).Sum(kv => kv.Value);
    }

    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    /// <summary>One JSON line per measurement on stdout (collected by bench/run-all.sh), the rest goes to stderr.</summary>
    public static void Emit(object record) => Console.WriteLine(JsonSerializer.Serialize(record, JsonOptions));

    private static readonly JsonSerializerOptions JsonOptions = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static string F(double v, int digits = 1) => v.ToString("F" + digits, CultureInfo.InvariantCulture);
}

using System.Diagnostics;
using System.Globalization;

namespace LayerLab.Training.Jobs;

/// <summary>
/// What the worker process costs while it trains, as metrics under <c>system/</c>: CPU % (of one core, so 2 busy
/// cores read 200), resident memory in MB, and with CUDA the GPU's utilisation % and memory in MB (nvidia-smi).
/// A slow run then explains itself: a loaded machine, swapping, an idle GPU.
/// </summary>
public sealed class SystemSampler
{
    public const string Prefix = "system/";
    public const string CpuPercent = "system/cpu_percent";
    public const string RssMb = "system/rss_mb";
    public const string GpuPercent = "system/gpu_percent";
    public const string GpuMemoryMb = "system/gpu_memory_mb";

    private readonly bool _gpu;
    private TimeSpan _lastCpu;
    private long _lastTicks;

    public SystemSampler(bool gpu)
    {
        _gpu = gpu;
        using var self = Process.GetCurrentProcess();
        _lastCpu = self.TotalProcessorTime;
        _lastTicks = Stopwatch.GetTimestamp();
    }

    /// <summary>CPU % since the previous sample (or since construction), RSS now, and the GPU's figures when asked for.</summary>
    public async Task<Dictionary<string, double>> SampleAsync(CancellationToken cancellationToken)
    {
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var now = Stopwatch.GetTimestamp();
        var wall = Stopwatch.GetElapsedTime(_lastTicks, now);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [CpuPercent] = wall > TimeSpan.Zero ? Math.Round(100 * (cpu - _lastCpu) / wall, 1) : 0,
            [RssMb] = Math.Round(self.WorkingSet64 / (1024.0 * 1024.0), 1),
        };
        (_lastCpu, _lastTicks) = (cpu, now);
        if (_gpu && await GpuAsync(cancellationToken) is { } gpu)
        {
            metrics[GpuPercent] = gpu.Percent;
            metrics[GpuMemoryMb] = gpu.MemoryMb;
        }
        return metrics;
    }

    /// <summary>The first GPU's utilisation and used memory from nvidia-smi; null when it is absent or answers oddly.</summary>
    private static async Task<(double Percent, double MemoryMb)?> GpuAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var smi = Process.Start(new ProcessStartInfo("nvidia-smi", "--query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (smi is null) return null;
            var text = await smi.StandardOutput.ReadToEndAsync(cancellationToken);
            await smi.WaitForExitAsync(cancellationToken);
            var parts = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].Split(',');
            return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }
}

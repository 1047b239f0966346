using System.Diagnostics;
using System.Text;

namespace LayerLab.Tests.EndToEnd.Infrastructure;

/// <summary>
/// A real remote worker: `dotnet LayerLab.Worker.dll` as its own process, on the shared PostgreSQL Hangfire storage,
/// reporting to a portal over HTTP with a worker token: what a GPU machine runs.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private WorkerProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    /// <summary>The name it claims runs under (TrainRunJob.WorkerName: machine:pid).</summary>
    public string Name => $"{Environment.MachineName}:{_process.Id}";

    public bool HasExited => _process.HasExited;

    public string Log { get { lock (_log) return _log.ToString(); } }

    public static WorkerProcess Start(string hangfireConnection, Uri portal, string token, IDictionary<string, string>? settings = null)
    {
        var info = new ProcessStartInfo("dotnet", [RepoPaths.WorkerDll])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_GCgen0size"] = "0x8000000"; // as lab.sh: fewer GCs while training (TorchSharp Scalar race)
        info.Environment["LayerLab__Hangfire__ConnectionString"] = hangfireConnection;
        info.Environment["LayerLab__Portal__Url"] = portal.ToString();
        info.Environment["LayerLab__Portal__Token"] = token;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the worker");
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    /// <summary>kill -9: no shutdown, no release; the portal only notices that the heartbeats stopped.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await term.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await _process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        _process.Dispose();
    }
}

using System.Collections.Concurrent;

namespace LayerLab.Training.Jobs;

/// <summary>In-process cancel signals for running runs, so a cancel from the UI reaches training at once
/// (the job also polls the ledger for workers in other processes).</summary>
public sealed class RunCancellation
{
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _running = new();

    public CancellationToken Register(long runId) => _running.GetOrAdd(runId, _ => new CancellationTokenSource()).Token;

    /// <returns>True when the run was training in this process and has been signalled.</returns>
    public bool Cancel(long runId)
    {
        if (!_running.TryGetValue(runId, out var source)) return false;
        source.Cancel();
        return true;
    }

    public void Unregister(long runId)
    {
        if (_running.TryRemove(runId, out var source)) source.Dispose();
    }
}

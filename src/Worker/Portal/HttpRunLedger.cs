using System.Net.Http.Json;
using LayerLab.Training.Contracts;
using LayerLab.Training.Jobs;
using LayerLab.Training.Worker;

namespace LayerLab.Worker.Portal;

/// <summary>
/// <see cref="IRunLedger"/> over HTTP: a remote worker asks the portal, which keeps doing the compare-and-set on the
/// run's row. A thin mapping, one call per method. Before a run ends, its buffered metrics are flushed, so every
/// point a run reported is stored before the run says Succeeded (as in-process). Every call names this worker
/// instance (<see cref="WorkerApi.InstanceHeader"/>, set on the client): with the token, that is who holds a claim.
/// </summary>
public sealed class HttpRunLedger(HttpClient portal, HttpRunReporter reporter) : IRunLedger
{
    public async Task<RunClaim?> TryClaimAsync(long runId, string worker, string device, CancellationToken cancellationToken)
    {
        var answer = await PostAsync<ClaimResponse>(WorkerApi.Claim(runId), new ClaimRequest(worker, device), cancellationToken);
        if (answer is not { Claimed: true }) return null;
        reporter.Attach(runId, answer.Attempt);
        return new RunClaim(answer.Attempt, answer.SystemClockStart);
    }

    public async Task<bool> RenewLeaseAsync(long runId, int attempt, CancellationToken cancellationToken)
    {
        var answer = await PostAsync<LeaseResponse>(WorkerApi.Lease(runId), new AttemptRequest(attempt), cancellationToken);
        return answer?.Held ?? false;
    }

    public async Task<bool> IsCancelRequestedAsync(long runId, CancellationToken cancellationToken)
    {
        using var response = await portal.GetAsync(new Uri(WorkerApi.CancelRequested(runId), UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync<CancelRequestedResponse>(WorkerApi.Json, cancellationToken);
        return answer?.CancelRequested ?? false;
    }

    public async Task CompleteAsync(long runId, int attempt, RunResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        await reporter.FlushAsync(cancellationToken);
        // JSON has no NaN: the portal drops non-finite summary values anyway.
        var summary = result.Summary.Where(kv => double.IsFinite(kv.Value)).ToDictionary();
        await PostAsync(WorkerApi.Complete(runId), new CompleteRequest(attempt, summary, [.. result.References], result.Verdict), cancellationToken);
    }

    public async Task FailAsync(long runId, int attempt, string error, CancellationToken cancellationToken)
    {
        await reporter.FlushAsync(cancellationToken);
        await PostAsync(WorkerApi.Fail(runId), new FailRequest(attempt, error), cancellationToken);
    }

    public async Task MarkCancelledAsync(long runId, int attempt, CancellationToken cancellationToken)
    {
        await reporter.FlushAsync(cancellationToken);
        await PostAsync(WorkerApi.Cancelled(runId), new AttemptRequest(attempt), cancellationToken);
    }

    public Task RecordResumeAsync(long runId, int attempt, long step, CancellationToken cancellationToken) =>
        PostAsync(WorkerApi.Resumed(runId), new ResumedRequest(attempt, step), cancellationToken);

    public async Task ReleaseAsync(long runId, int attempt, CancellationToken cancellationToken)
    {
        await reporter.FlushAsync(cancellationToken);
        await PostAsync(WorkerApi.Release(runId), new AttemptRequest(attempt), cancellationToken);
    }

    /// <summary>409: this worker no longer holds the attempt (its lease expired and the run went on without it, or the
    /// run already ended, e.g. a retry after a lost answer). As in-process, a stale attempt's write changes nothing.</summary>
    private async Task PostAsync<TBody>(string path, TBody body, CancellationToken cancellationToken)
    {
        using var response = await portal.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, WorkerApi.Json, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.Conflict) return;
        response.EnsureSuccessStatusCode();
    }

    private async Task<TAnswer?> PostAsync<TAnswer>(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await portal.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, WorkerApi.Json, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<TAnswer>(WorkerApi.Json, cancellationToken);
    }
}

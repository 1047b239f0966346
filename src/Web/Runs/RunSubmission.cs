using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;
using LayerLab.Web.Live;
using Microsoft.EntityFrameworkCore;

namespace LayerLab.Web.Runs;

/// <param name="ReproducesRunId">Set when this run repeats another one ("Reproduce").</param>
public sealed record SubmitRunRequest(
    string Experiment, IReadOnlyDictionary<string, string?> Parameters, long? Seed, long? ReproducesRunId = null);

/// <summary>Either the new run's id or the errors per field (and then nothing was stored or queued).</summary>
public sealed record SubmitRunResult(long? RunId, IReadOnlyDictionary<string, string> Errors)
{
    public bool Succeeded => RunId is not null;
}

/// <summary>Validates a submission against the experiment's specs, stores the run as Queued, then makes it eligible
/// (the dispatcher hands it to Hangfire in its fair turn).</summary>
public sealed class RunSubmission(
    ExperimentCatalog catalog, IDbContextFactory<LabDbContext> dbFactory, RunQueue queue, RunEvents events, TimeProvider clock,
    IDatasetCatalog datasets)
{
    /// <summary>The run parameter that names a stored dataset version by id (0: the default text).</summary>
    public const string DatasetParameter = RunDatasets.Parameter;

    public const long MaxSeed = int.MaxValue;

    public async Task<SubmitRunResult> SubmitAsync(SubmitRunRequest request, RunActor submitter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submitter);
        ArgumentNullException.ThrowIfNull(request);
        var experiment = catalog.Find(request.Experiment ?? "");
        if (experiment is null)
            return Invalid("experiment", $"Unknown experiment '{request.Experiment}'.");
        if (request.Seed is < 0 or > MaxSeed)
            return Invalid("seed", $"seed must be between 0 and {MaxSeed}.");
        var validation = ParameterValidation.Validate(experiment.Parameters, request.Parameters);
        if (!validation.IsValid) return new SubmitRunResult(null, validation.Errors);
        var parameters = validation.Parameters!;
        var resolved = await RunDatasets.ResolveAsync(datasets, experiment, parameters, seen: null, cancellationToken);
        if (resolved.Error is not null) return Invalid(DatasetParameter, resolved.Error);
        (parameters, var dataset) = (resolved.Parameters, resolved.Dataset);

        var run = new Run
        {
            ExperimentKey = experiment.Key,
            ParametersJson = parameters.ToJson(),
            Seed = request.Seed ?? Random.Shared.NextInt64(0, MaxSeed),
            Status = RunStatus.Queued,
            QueuedAt = clock.GetUtcNow(),
            SubmittedBy = submitter.UserName,
            SubmittedById = submitter.UserId,
            ReproducesRunId = request.ReproducesRunId,
            DatasetId = dataset?.Id,
            DatasetSha256 = dataset?.Sha256,
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Runs.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        queue.Enqueue(run);
        await events.PublishRunUpdatedAsync(run.ToUpdateMessage());
        return new SubmitRunResult(run.Id, new Dictionary<string, string>());
    }

    private static SubmitRunResult Invalid(string field, string message) =>
        new(null, new Dictionary<string, string> { [field] = message });
}

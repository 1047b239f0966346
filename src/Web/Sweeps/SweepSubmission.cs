using System.Globalization;
using System.Text.Json;
using LayerLab.Data;
using LayerLab.Data.Runs;
using LayerLab.Data.Sweeps;
using LayerLab.Training.Contracts;
using LayerLab.Training.Sweeps;
using LayerLab.Web.Live;
using LayerLab.Web.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Sweeps;

/// <summary>How big a sweep is, or why it cannot be submitted; nothing is stored to answer it.</summary>
public sealed record SweepPreview(int Configurations, long Runs, int MaxRuns, IReadOnlyDictionary<string, string> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

public sealed record SubmitSweepResult(long? SweepId, int Runs, IReadOnlyDictionary<string, string> Errors)
{
    public bool Succeeded => SweepId is not null;
}

/// <summary>
/// Expands a sweep, stores it and all its runs (Queued) in one transaction, then queues every run through
/// <see cref="RunQueue"/>. Any error anywhere in the expansion refuses the whole sweep before anything is stored.
/// </summary>
public sealed class SweepSubmission(
    ExperimentCatalog catalog, IDbContextFactory<LabDbContext> dbFactory, RunQueue queue, RunEvents events,
    TimeProvider clock, IOptions<SweepOptions> options, ILogger<SweepSubmission> logger, IDatasetCatalog datasets)
{
    public const int MaxNameLength = 200;
    private static readonly JsonSerializerOptions DefinitionJson = new() { WriteIndented = false };

    public int MaxRuns => Math.Max(1, options.Value.MaxRuns);

    public SweepPreview Preview(SweepDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var (_, expansion, errors) = Expand(definition, definition.Seed ?? 0, cancellationToken);
        return new SweepPreview(expansion?.Configurations ?? 0, expansion?.RunCount ?? 0, MaxRuns, errors);
    }

    public async Task<SubmitSweepResult> SubmitAsync(SweepDefinition definition, RunActor submitter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(submitter);
        // A picked seed leaves room for the seed count, so run seeds never wrap.
        var seed = definition.Seed ?? Random.Shared.NextInt64(0, SweepExpansion.MaxSeed - SweepExpansion.MaxSeeds);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (experiment, expansion, errors) = Expand(definition, seed, cancellationToken);
        if (errors.Count > 0) return new SubmitSweepResult(null, 0, errors);
        // Every run's dataset is checked (as for a run submitted alone) before anything is stored.
        var resolved = new List<RunDatasetResolution>(expansion!.Runs.Count);
        var seen = new Dictionary<long, DatasetFile?>();
        foreach (var planned in expansion.Runs)
        {
            var resolution = await RunDatasets.ResolveAsync(datasets, experiment!, planned.Parameters, seen, cancellationToken);
            if (resolution.Error is not null)
            {
                // Named like the expansion's own errors: the swept axis, or the fixed parameter.
                var field = (definition.Sweep.ContainsKey(RunDatasets.Parameter) ? "sweep." : "parameters.") + RunDatasets.Parameter;
                return new SubmitSweepResult(null, 0, new Dictionary<string, string> { [field] = resolution.Error });
            }
            resolved.Add(resolution);
        }

        var batchSeeds = BatchesSeeds(experiment!, definition);
        var definitionStored = definition with { Seed = seed, Name = NameOf(definition, experiment!), BatchSeeds = batchSeeds };
        var now = clock.GetUtcNow();
        var sweep = new Sweep
        {
            Name = definitionStored.Name!,
            ExperimentKey = experiment!.Key,
            DefinitionJson = JsonSerializer.Serialize(definitionStored, DefinitionJson),
            SeedCount = definitionStored.Seeds,
            RunCount = expansion!.Runs.Count,
            SubmittedBy = submitter.UserName,
            SubmittedById = submitter.UserId,
            CreatedAt = now,
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var runs = new List<Run>(expansion.Runs.Count);
        // One transaction: either the sweep and all its runs exist, or nothing does. EF batches the inserts.
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.Sweeps.Add(sweep);
            await db.SaveChangesAsync(cancellationToken);
            foreach (var (planned, dataset) in expansion.Runs.Zip(resolved))
            {
                runs.Add(new Run
                {
                    ExperimentKey = experiment.Key,
                    ParametersJson = dataset.Parameters.ToJson(),
                    Seed = planned.Seed,
                    Status = RunStatus.Queued,
                    QueuedAt = now,
                    SubmittedBy = submitter.UserName,
                    SubmittedById = submitter.UserId,
                    SweepId = sweep.Id,
                    DatasetId = dataset.Dataset?.Id,
                    DatasetSha256 = dataset.Dataset?.Sha256,
                });
            }
            if (batchSeeds) AssignBatchKeys(sweep.Id, runs);
            db.Runs.AddRange(runs);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        var stored = watch.Elapsed;
        // Queued only once stored: a worker that picks a job up always finds its run.
        queue.EnqueueMany(runs);
        var enqueued = watch.Elapsed;
        foreach (var run in runs) await events.PublishRunUpdatedAsync(run.ToUpdateMessage());
        logger.LogInformation(
            "Sweep {SweepId}: {Runs} runs expanded and stored in {Stored} ms, queued in {Enqueued} ms, announced in {Published} ms",
            sweep.Id, runs.Count, (int)stored.TotalMilliseconds, (int)(enqueued - stored).TotalMilliseconds,
            (int)(watch.Elapsed - enqueued).TotalMilliseconds);
        return new SubmitSweepResult(sweep.Id, runs.Count, new Dictionary<string, string>());
    }

    private (IExperiment? Experiment, SweepExpansionResult? Expansion, IReadOnlyDictionary<string, string> Errors) Expand(
        SweepDefinition definition, long seed, CancellationToken cancellationToken)
    {
        var experiment = catalog.Find(definition.Experiment ?? "");
        if (experiment is null)
            return (null, null, new Dictionary<string, string> { ["experiment"] = $"Unknown experiment '{definition.Experiment}'." });
        if (definition.Name is { Length: > MaxNameLength })
            return (experiment, null, new Dictionary<string, string> { ["name"] = $"name must be at most {MaxNameLength} characters." });
        if (definition.BatchSeeds == true && experiment is not ISeedBatchedExperiment)
            return (experiment, null, new Dictionary<string, string>
            {
                ["batchSeeds"] = $"{experiment.Key} cannot train seeds together; submit with batchSeeds false.",
            });
        var expansion = SweepExpansion.Expand(experiment, definition, seed, MaxRuns, cancellationToken);
        return (experiment, expansion, expansion.Errors);
    }

    /// <summary>On by default for experiments that can; a single seed has nothing to batch.</summary>
    public static bool BatchesSeeds(IExperiment experiment, SweepDefinition definition) =>
        experiment is ISeedBatchedExperiment && definition.BatchSeeds != false && definition.Seeds > 1;

    /// <summary>One key per configuration (identical parameters): its seeds go to the workers as one job.</summary>
    private static void AssignBatchKeys(long sweepId, List<Run> runs)
    {
        var configurations = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            if (!configurations.TryGetValue(run.ParametersJson, out var index))
                configurations[run.ParametersJson] = index = configurations.Count;
            run.BatchKey = string.Create(CultureInfo.InvariantCulture, $"sweep-{sweepId}/config-{index}");
        }
    }

    private static string NameOf(SweepDefinition definition, IExperiment experiment)
    {
        if (!string.IsNullOrWhiteSpace(definition.Name)) return definition.Name.Trim();
        var swept = definition.Sweep.Count == 0 ? "seeds" : string.Join(" × ", definition.Sweep.Keys);
        return string.Create(CultureInfo.InvariantCulture, $"{experiment.Key}: {swept} ({definition.Seeds} seed{(definition.Seeds == 1 ? "" : "s")})");
    }
}

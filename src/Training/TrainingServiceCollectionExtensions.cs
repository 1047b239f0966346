using LayerLab.Training.Checkpoints;
using LayerLab.Training.Contracts;
using LayerLab.Training.Datasets;
using LayerLab.Training.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace LayerLab.Training;

public static class TrainingServiceCollectionExtensions
{
    /// <summary>
    /// What a process needs to train runs, the same in the portal (in-process worker) and the standalone worker: the
    /// experiment catalog, cancel signals, lease and checkpoint settings, the checkpoint store and the Hangfire job.
    /// The caller adds where runs are reported to: an <see cref="IRunLedger"/> and an <see cref="IRunReporter"/>
    /// (the portal's own over its database, or a remote worker's over HTTP).
    /// </summary>
    /// <param name="checkpointDirectory">Absolute folder of the checkpoint files (shared by all workers for a run to
    /// resume on another machine).</param>
    public static IServiceCollection AddTraining(
        this IServiceCollection services, RunLeaseOptions lease, CheckpointOptions checkpoints, string checkpointDirectory)
    {
        ArgumentNullException.ThrowIfNull(services);
        // Every experiment class in this assembly is in the catalog: adding one is adding a file.
        var experiments = typeof(IExperiment).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IExperiment).IsAssignableFrom(t));
        foreach (var type in experiments) services.AddSingleton(typeof(IExperiment), type);
        services.AddSingleton<ExperimentCatalog>();
        // Training code (tiny-lm) resolves datasets through this; the portal registers its database-backed catalog,
        // which wins whether it is added before (TryAdd skips) or after (last registration wins) this call.
        services.TryAddSingleton<IDatasetCatalog>(_ => FallbackDatasetCatalog.FromEnvironment());
        services.AddSingleton<RunCancellation>();
        services.AddSingleton(lease);
        services.AddSingleton(checkpoints);
        services.AddSingleton<ICheckpointStore>(sp =>
            new FileCheckpointStore(checkpointDirectory, sp.GetRequiredService<ILogger<FileCheckpointStore>>()));
        services.AddTransient<TrainRunJob>();
        services.AddTransient<TrainRunBatchJob>(); // batch jobs queued by an older portal
        return services;
    }
}

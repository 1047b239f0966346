using Hangfire;
using Hangfire.States;
using LayerLab.Data.Runs;
using LayerLab.Training;
using LayerLab.Training.Jobs;
using LayerLab.Web.Queue;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Runs;

/// <summary>
/// The way into the queue. A Queued run stays in SQLite (the source of truth) until the
/// <see cref="QueueDispatcher"/> hands it to Hangfire in fair order, a few at a time.
/// </summary>
public sealed class RunQueue(IBackgroundJobClient jobs, DispatchSignal signal, IOptions<Workers.WorkerOptions> worker)
{
    public const string CpuQueue = "cpu";
    public const string GpuQueue = "gpu";

    /// <summary>Queues this process's in-process worker listens on (GPU first when it has one). Decided without loading
    /// libtorch (<see cref="CudaProbe"/>): the portal starts without TorchSharp, which loads on the first training run.</summary>
    /// <param name="gpu">The <c>LayerLab:Worker:Gpu</c> setting: null lets <see cref="CudaProbe"/> decide.</param>
    public static string[] LocalQueues(bool? gpu = null) => CudaProbe.LooksAvailable(gpu) ? [GpuQueue, CpuQueue] : [CpuQueue];

    /// <summary>The queue a run is handed to: the GPU queue when this portal's worker listens on it.</summary>
    public string QueueFor() => CudaProbe.LooksAvailable(worker.Value.Gpu) ? GpuQueue : CpuQueue;

    /// <summary>
    /// Makes a Queued run (already saved) eligible to train: wakes the dispatcher, which hands it to Hangfire when
    /// its turn comes and stores the Hangfire job id on the run then. Cheap: call it once per run, even for 1,000.
    /// </summary>
    public void Enqueue(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        signal.Wake();
    }

    /// <summary>Makes many saved Queued runs (a sweep) eligible: one wake-up of the dispatcher covers them all.</summary>
    public void EnqueueMany(IReadOnlyCollection<Run> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count > 0) signal.Wake();
    }

    /// <summary>Creates the Hangfire job for a run. Only the dispatcher calls this (it decides whose turn it is).</summary>
    /// <returns>The Hangfire job id.</returns>
    internal string HandToWorkers(RunSpec spec) =>
        jobs.Create<TrainRunJob>(job => job.RunAsync(spec, CancellationToken.None), new EnqueuedState(QueueFor()));

    /// <summary>Creates one Hangfire job that trains a batch of runs (one sweep configuration's seeds) together.</summary>
    internal string HandToWorkers(IReadOnlyList<RunSpec> batch)
    {
        var specs = batch.ToArray();
        return jobs.Create<TrainRunJob>(job => job.RunBatchAsync(specs, CancellationToken.None), new EnqueuedState(QueueFor()));
    }
}

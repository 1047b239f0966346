using Hangfire;
using Hangfire.States;
using LayerLab.Training;
using LayerLab.Training.Jobs;
using Microsoft.Extensions.Options;

namespace LayerLab.Web.Queue;

/// <summary>
/// Hands runs to Hangfire: which queue (CPU or GPU) and the job that trains them. Only the
/// <see cref="QueueDispatcher"/> calls it (it decides whose turn it is); submitting code wakes it through Runs/RunQueue.
/// </summary>
public sealed class HangfireHandOff(IBackgroundJobClient jobs, IOptions<Workers.WorkerOptions> worker)
{
    public const string CpuQueue = "cpu";
    public const string GpuQueue = "gpu";

    /// <summary>Queues this process's in-process worker listens on (GPU first when it has one). Decided without loading
    /// libtorch (<see cref="CudaProbe"/>): the portal starts without TorchSharp, which loads on the first training run.</summary>
    /// <param name="gpu">The <c>LayerLab:Worker:Gpu</c> setting: null lets <see cref="CudaProbe"/> decide.</param>
    public static string[] LocalQueues(bool? gpu = null) => CudaProbe.LooksAvailable(gpu) ? [GpuQueue, CpuQueue] : [CpuQueue];

    /// <summary>The queue a run is handed to: the GPU queue when this portal's worker listens on it.</summary>
    public string QueueFor() => CudaProbe.LooksAvailable(worker.Value.Gpu) ? GpuQueue : CpuQueue;

    /// <summary>Creates the Hangfire job for a run.</summary>
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

using Hangfire;
using Hangfire.States;
using LayerLab.Data.Runs;
using LayerLab.Training;
using LayerLab.Training.Jobs;
using TorchSharp;

namespace LayerLab.Web.Runs;

/// <summary>Hands a run to Hangfire on the queue of the device it should train on.</summary>
public sealed class RunQueue(IBackgroundJobClient jobs)
{
    public const string CpuQueue = "cpu";
    public const string GpuQueue = "gpu";

    /// <summary>Queues this process's in-process worker listens on (GPU first when it has one).</summary>
    public static string[] LocalQueues() => torch.cuda.is_available() ? [GpuQueue, CpuQueue] : [CpuQueue];

    public static string QueueFor() => TrainingDevice.Pick().type == DeviceType.CUDA ? GpuQueue : CpuQueue;

    /// <returns>The Hangfire job id.</returns>
    public string Enqueue(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var spec = new RunSpec(run.Id, run.ExperimentKey, run.ParametersJson, run.Seed);
        return jobs.Create<TrainRunJob>(job => job.RunAsync(spec, CancellationToken.None), new EnqueuedState(QueueFor()));
    }

    /// <summary>
    /// Queues many runs (a sweep) through <see cref="Enqueue"/> and sets each run's job id (the caller stores them).
    /// Runs go in in order, so a FIFO queue starts them in the order given.
    /// </summary>
    public void EnqueueMany(IEnumerable<Run> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        foreach (var run in runs) run.HangfireJobId = Enqueue(run);
    }
}

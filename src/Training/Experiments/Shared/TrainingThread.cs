using System.Threading.Channels;
using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.Shared;

/// <summary>
/// Runs an experiment's synchronous training loop on a dedicated thread and reports its live metrics from the
/// async side. Training is seconds to hours of CPU-bound native work, and TorchSharp's dispose scopes and libtorch's
/// thread setting are per thread, so the loop must not hop threads at an await. Reports flow through a small
/// bounded channel (training waits if reporting lags); a failed report or a cancel stops training, and the first
/// failure is the one rethrown.
/// </summary>
public static class TrainingThread
{
    /// <param name="train">The loop: gets a callback to publish live reports and the token to honour every step.</param>
    public static async Task<T> RunAsync<T>(
        RunContext context, Func<Action<LiveReport>, CancellationToken, T> train, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(train);
        cancellationToken.ThrowIfCancellationRequested();
        var channel = Channel.CreateBounded<LiveReport>(
            new BoundedChannelOptions(16) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stopToken = stop.Token;
        var training = Task.Factory.StartNew(
            () =>
            {
                try { return train(report => Publish(channel.Writer, report, stopToken), stopToken); }
                finally { channel.Writer.TryComplete(); }
            },
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            await foreach (var live in channel.Reader.ReadAllAsync(cancellationToken))
            {
                await context.ReportAsync(live.Step, live.Metrics, cancellationToken);
                await context.ReportProgressAsync(live.Progress, cancellationToken);
            }
        }
        catch
        {
            await stop.CancelAsync();
            try { await training; }
            catch (Exception) { /* the failure being rethrown is the one that matters */ }
            throw;
        }
        return await training;
    }

    private static void Publish(ChannelWriter<LiveReport> writer, LiveReport report, CancellationToken cancellationToken)
    {
        // Blocking here is deliberate: this is the dedicated training thread, not a pool thread.
        while (!writer.TryWrite(report))
            if (!writer.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult()) return;
    }
}

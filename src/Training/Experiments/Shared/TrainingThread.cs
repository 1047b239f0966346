using System.Threading.Channels;
using LayerLab.Training.Contracts;

namespace LayerLab.Training.Experiments.Shared;

/// <summary>
/// Runs an experiment's synchronous training loop on a dedicated thread and reports its live metrics from the
/// async side. Training is seconds to hours of CPU-bound native work, and TorchSharp's dispose scopes and libtorch's
/// thread setting are per thread, so the loop must not hop threads at an await. Reports flow through a small
/// bounded channel (training waits if reporting lags); a failed report or a cancel stops training, and the first
/// failure is the one rethrown. After a cancel, the reports made before the loop stopped are still delivered.
/// </summary>
public static class TrainingThread
{
    /// <param name="train">The loop: gets a callback to publish live reports and the token to honour every step.</param>
    public static Task<T> RunAsync<T>(
        RunContext context, Func<Action<LiveReport>, CancellationToken, T> train, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RunAsync<LiveReport, T>(
            async (live, token) =>
            {
                await context.ReportAsync(live.Step, live.Metrics, token);
                foreach (var tensor in live.Tensors) await context.ReportTensorAsync(tensor.Key, tensor.Step, tensor.Shape, tensor.Data, token);
                await context.ReportProgressAsync(live.Progress, token);
            },
            train, cancellationToken, context.Checkpoints.ReportPublished, context.Checkpoints.ReportHandedOver);
    }

    /// <summary>As above, for a loop whose reports are not one run's <see cref="LiveReport"/> (e.g. one per seed of a
    /// batched program): <paramref name="deliver"/> sends each report on the async side, in order.</summary>
    /// <param name="published">Called on the training thread for each report queued (checkpoints count them).</param>
    /// <param name="handedOver">Called after each report was delivered (a pending checkpoint waits for them).</param>
    public static async Task<T> RunAsync<TReport, T>(
        Func<TReport, CancellationToken, ValueTask> deliver, Func<Action<TReport>, CancellationToken, T> train,
        CancellationToken cancellationToken, Action? published = null, Action? handedOver = null)
    {
        ArgumentNullException.ThrowIfNull(deliver);
        ArgumentNullException.ThrowIfNull(train);
        cancellationToken.ThrowIfCancellationRequested();
        var channel = Channel.CreateBounded<TReport>(
            new BoundedChannelOptions(16) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Cancelled only when nobody reads the channel any more (the reporter failed): a loop stopping for a cancel
        // still hands over the reports it made before it stopped, because a checkpoint written at that moment is
        // ahead of them and a resumed run would not report them again.
        using var readerGone = new CancellationTokenSource();
        var stopToken = stop.Token;
        var readerToken = readerGone.Token;
        var training = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    return train(report =>
                    {
                        if (Publish(channel.Writer, report, readerToken)) published?.Invoke();
                    }, stopToken);
                }
                finally { channel.Writer.TryComplete(); }
            },
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            // Read until the loop ends (it stops at its next step once cancelled), then deliver what it reported.
            await foreach (var live in channel.Reader.ReadAllAsync(CancellationToken.None))
            {
                var token = cancellationToken.IsCancellationRequested ? CancellationToken.None : cancellationToken;
                await deliver(live, token);
                handedOver?.Invoke();
            }
        }
        catch
        {
            await readerGone.CancelAsync();
            await stop.CancelAsync();
            try { await training; }
            catch (Exception) { /* the failure being rethrown is the one that matters */ }
            throw;
        }
        return await training;
    }

    /// <returns>False when the report was not handed over (nobody reads any more).</returns>
    private static bool Publish<TReport>(ChannelWriter<TReport> writer, TReport report, CancellationToken cancellationToken)
    {
        // Blocking here is deliberate: this is the dedicated training thread, not a pool thread.
        while (!writer.TryWrite(report))
            if (!writer.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult()) return false;
        return true;
    }
}

using System.Threading.Channels;

namespace LayerLab.Web.Runs;

/// <summary>Wakes the dispatcher. Many wakes before it looks collapse into one pass (a bounded channel of one).</summary>
public sealed class DispatchSignal
{
    private readonly Channel<bool> _wakes = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Wake() => _wakes.Writer.TryWrite(true);

    /// <summary>Waits for a wake or the timeout, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await _wakes.Reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The safety-net timer ran out: look anyway.
        }
    }
}

namespace LayerLab.Web.Components.Runs;

/// <summary>Coalesces bursts of change notifications into at most one refresh per interval.</summary>
public sealed class LiveRefresh(TimeSpan interval) : IDisposable
{
    private readonly Lock _gate = new();
    private bool _pending;
    private bool _disposed;

    public void Request(Func<Task> refresh)
    {
        lock (_gate)
        {
            if (_pending || _disposed) return;
            _pending = true;
        }
        _ = Task.Run(async () =>
        {
            await Task.Delay(interval);
            lock (_gate) { _pending = false; if (_disposed) return; }
            try { await refresh(); }
            catch (ObjectDisposedException) { /* the component went away mid-refresh */ }
            catch (OperationCanceledException) { /* the component went away and cancelled its reload (CancellableComponent) */ }
            catch (Microsoft.JSInterop.JSException) { /* the browser side failed; the next refresh tries again */ }
            catch (Microsoft.JSInterop.JSDisconnectedException) { /* the browser went away */ }
        });
    }

    public void Dispose()
    {
        lock (_gate) _disposed = true;
    }
}

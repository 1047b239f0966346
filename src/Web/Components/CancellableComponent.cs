using Microsoft.AspNetCore.Components;

namespace LayerLab.Web.Components;

/// <summary>
/// A component whose reads stop when it goes away: <see cref="ComponentToken"/> is cancelled when Blazor disposes the
/// component (the user navigated elsewhere or the circuit closed), so a slow query, HTTP call or hub call started for
/// a page nobody looks at any more does not keep a connection and a thread busy.
/// </summary>
/// <remarks>
/// Pass <see cref="ComponentToken"/> to reads (loads, refreshes). Commands the user clicked (submit, cancel, save,
/// delete, mark read) keep <see cref="CancellationToken.None"/>: a click is a request that should finish even when
/// the tab closes right after it, rather than be half-done or rolled back without anyone seeing the outcome.
/// A cancelled load surfaces as an <see cref="OperationCanceledException"/>; Blazor ignores it when it ends a
/// lifecycle method or an event handler, and <see cref="Runs.LiveRefresh"/> ignores it in live refreshes.
/// Blazor calls only <c>DisposeAsync</c> on a component that implements <see cref="IAsyncDisposable"/>, so such a
/// component must call <see cref="Dispose()"/> from its <c>DisposeAsync</c>.
/// </remarks>
public abstract class CancellableComponent : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _disposal = new();
    private bool _disposed;

    protected CancellableComponent() => ComponentToken = _disposal.Token;

    /// <summary>Cancelled when the component is disposed (read once in the constructor: the token stays usable after
    /// its source is disposed, the source's <c>Token</c> property would not).</summary>
    protected CancellationToken ComponentToken { get; }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Override to release the component's own resources (event subscriptions, timers); call the base.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing) return;
        _disposed = true;
        _disposal.Cancel();
        _disposal.Dispose();
    }
}

using TorchSharp;

namespace LayerLab.Training.Experiments.Shared;

/// <summary>
/// Runs libtorch's intra-op work on one thread while at least one holder is inside, and restores the previous
/// count when the last one leaves. Tiny batched models are dispatch-bound: a second thread only adds
/// synchronisation (measured here: 1 thread is faster than 2). The setting is process-wide in libtorch, so
/// concurrent runs share one reference count instead of each saving and restoring (which could leave it at 1).
/// </summary>
public sealed class SingleIntraOpThread : IDisposable
{
    private static readonly Lock Gate = new();
    private static int _holders;
    private static int _previous;
    private bool _disposed;

    private SingleIntraOpThread() { }

    public static SingleIntraOpThread Enter()
    {
        lock (Gate)
        {
            if (_holders++ == 0)
            {
                _previous = torch.get_num_threads();
                torch.set_num_threads(1);
            }
        }
        return new SingleIntraOpThread();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (Gate)
        {
            if (--_holders == 0) torch.set_num_threads(_previous);
        }
    }
}

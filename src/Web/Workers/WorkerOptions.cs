namespace LayerLab.Web.Workers;

/// <summary>"LayerLab:Worker": the training worker inside the web process.</summary>
public sealed class WorkerOptions
{
    public const string Section = "LayerLab:Worker";

    /// <summary>Run a Hangfire server (the training worker) inside the web process.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Concurrent training jobs in this process. Tiny models are dispatch-bound, so 1 per 2 cores is a sane default.</summary>
    public int Count { get; set; } = 1;

    /// <summary>Whether the in-process worker also takes the GPU queue. Unset: guessed without loading libtorch
    /// (CUDA build of libtorch shipped + NVIDIA driver present, see <c>CudaProbe</c>); set it when the guess is wrong.</summary>
    public bool? Gpu { get; set; }
}

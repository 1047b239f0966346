namespace LayerLab.Training;

/// <summary>
/// Says whether this process could train on a GPU without loading libtorch. Asking TorchSharp
/// (<c>torch.cuda.is_available()</c>) loads the native libtorch (≈ 0.5–1 CPU s and most of an idle portal's RSS), and the
/// portal needs the answer at start, to choose the queues its worker listens on — long before any run trains.
/// The heuristic: the CUDA build of libtorch was shipped with the app (a <c>libtorch_cuda</c> / <c>torch_cuda</c>
/// native library next to it; the default CPU build has none) AND the machine has an NVIDIA driver (Linux: the
/// <c>/dev/nvidiactl</c> device file and <c>libcuda.so.1</c> on a library path; Windows: <c>nvcuda.dll</c> in System32).
/// It errs towards "no GPU" only when a driver is installed somewhere unusual; the setting
/// <c>LayerLab:Worker:Gpu</c> (true/false) overrides it. Training itself still asks TorchSharp (<see cref="TrainingDevice"/>),
/// so a wrong guess routes a run to the other queue of the same worker, never to a device that is not there.
/// </summary>
public static class CudaProbe
{
    private static readonly Lazy<bool> Cached = new(Probe);

    public static bool LooksAvailable(bool? overrideSetting = null) => overrideSetting ?? Cached.Value;

    private static bool Probe() => HasCudaLibtorch(AppContext.BaseDirectory) && HasNvidiaDriver();

    public static bool HasCudaLibtorch(string appDirectory)
    {
        var folders = new List<string> { appDirectory };
        var runtimes = Path.Combine(appDirectory, "runtimes");
        if (Directory.Exists(runtimes))
            folders.AddRange(Directory.EnumerateDirectories(runtimes).Select(rid => Path.Combine(rid, "native")).Where(Directory.Exists));
        return folders.Any(folder =>
            Directory.EnumerateFiles(folder, "libtorch_cuda*").Any() || Directory.EnumerateFiles(folder, "torch_cuda*").Any());
    }

    private static bool HasNvidiaDriver()
    {
        if (OperatingSystem.IsWindows())
            return File.Exists(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "nvcuda.dll"));
        if (!File.Exists("/dev/nvidiactl")) return false;
        var libraryPaths = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/cuda/lib64",
                "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib"]);
        return libraryPaths.Any(path => File.Exists(Path.Combine(path, "libcuda.so.1")));
    }
}

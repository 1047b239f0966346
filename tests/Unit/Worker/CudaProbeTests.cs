using LayerLab.Training;

namespace LayerLab.Tests.Unit.Worker;

/// <summary>The GPU guess made without loading libtorch: it needs the CUDA build of libtorch next to the app.</summary>
public sealed class CudaProbeTests : IDisposable
{
    private readonly string _app = Directory.CreateTempSubdirectory("cudaprobe").FullName;

    public void Dispose() => Directory.Delete(_app, recursive: true);

    [Fact]
    public void A_cpu_build_of_libtorch_is_not_a_gpu()
    {
        Touch("runtimes/linux-x64/native/libtorch_cpu.so");
        Touch("runtimes/linux-x64/native/libtorch.so");
        Assert.False(CudaProbe.HasCudaLibtorch(_app));
    }

    [Theory]
    [InlineData("runtimes/linux-x64/native/libtorch_cuda.so")] // dotnet build output
    [InlineData("libtorch_cuda.so")]                           // dotnet publish (native libraries flattened)
    [InlineData("torch_cuda.dll")]                             // Windows
    public void The_cuda_build_of_libtorch_is_found_where_builds_put_it(string path)
    {
        Touch(path);
        Assert.True(CudaProbe.HasCudaLibtorch(_app));
    }

    [Fact]
    public void The_setting_overrides_the_guess()
    {
        Assert.True(CudaProbe.LooksAvailable(overrideSetting: true));
        Assert.False(CudaProbe.LooksAvailable(overrideSetting: false));
    }

    private void Touch(string relative)
    {
        var path = Path.Combine(_app, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
    }
}

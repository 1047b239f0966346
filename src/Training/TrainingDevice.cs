using TorchSharp;

namespace LayerLab.Training;

/// <summary>Picks CUDA when libtorch sees a GPU, else the CPU.</summary>
public static class TrainingDevice
{
    public static torch.Device Pick() => torch.cuda.is_available() ? torch.CUDA : torch.CPU;

    public static string Describe(torch.Device device) =>
        device.type == DeviceType.CUDA ? $"cuda:{device.index}" : "cpu";
}

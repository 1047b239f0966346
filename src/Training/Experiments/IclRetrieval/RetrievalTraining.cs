using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Training.Experiments.IclRetrieval;

/// <summary>
/// What both retrieval tasks (is-tree and recall) set up before their training loop, in the same order: the held-out
/// set from its own seeded stream (so it depends only on the seed and the task's shape, not on the training length),
/// a separate seeded stream for the training batches, the seeded model on the run's device, its size and width, AdamW.
/// Disposing it disposes the optimizer and the model.
/// </summary>
internal sealed class RetrievalTraining<TExample> : IDisposable
{
    private readonly Func<Random, TExample> _generate;
    private readonly Random _trainRng;

    public RetrievalTraining(IclRetrievalSettings settings, long seed, Device device, int testCount, Func<Random, TExample> generate)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _generate = generate ?? throw new ArgumentNullException(nameof(generate));
        var testRng = new Random(unchecked((int)seed ^ 0x7E57));
        Test = Enumerable.Range(0, testCount).Select(_ => generate(testRng)).ToList();
        _trainRng = new Random(unchecked((int)seed ^ 0x0DA7A));

        Model = IclRetrievalModels.Create(settings, seed);
        Model.to(device);
        var parameters = Model.parameters().ToList();
        ParameterCount = parameters.Sum(p => p.numel());
        Width = checked((int)Model.named_parameters().First(p => p.name.StartsWith("embed", StringComparison.Ordinal)).parameter.shape[1]);
        Optimizer = optim.AdamW(parameters, settings.Lr);
    }

    public IReadOnlyList<TExample> Test { get; }

    public nn.Module<Tensor, Tensor> Model { get; }

    public long ParameterCount { get; }

    /// <summary>The embedding width (what the target parameter count solved for).</summary>
    public int Width { get; }

    public optim.Optimizer Optimizer { get; }

    /// <summary>A fresh training batch from the training stream.</summary>
    public List<TExample> NextBatch(int size) => Enumerable.Range(0, size).Select(_ => _generate(_trainRng)).ToList();

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
    }
}

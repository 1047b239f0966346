namespace LayerLab.Data.Tensors;

/// <summary>One small tensor a run logged at a step (weights, an attention map, a decision grid): row-major float32
/// little-endian in <see cref="Data"/>, its shape as "3x4". One row per (run, key, step): a re-sent tensor keeps the first.</summary>
public sealed class RunTensor
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public required string Key { get; set; }
    public long Step { get; set; }
    public required string Shape { get; set; }
    public required byte[] Data { get; set; }
}

namespace LayerLab.Training.Contracts;

/// <summary>
/// What a knob means to the portal beyond its name, so views that compare experiments (the leaderboard's
/// architecture columns and compute axis) find "the number of layers" whatever an experiment calls it ("layers",
/// "depth", …). At most one knob of an experiment has each role; most knobs have none.
/// </summary>
public enum ParameterRole
{
    None,

    /// <summary>Stacked blocks of the model (attention layers, transformer blocks).</summary>
    Layers,

    /// <summary>Attention heads per layer.</summary>
    Heads,

    /// <summary>Model width (d_model, embedding size; for the in-context regression tasks the input dimension d,
    /// which fixes the token width).</summary>
    Width,

    /// <summary>Optimiser steps of training.</summary>
    Steps,

    /// <summary>Examples per optimiser step.</summary>
    Batch,
}

namespace LayerLab.Web.Sweeps;

/// <summary>"LayerLab:Sweeps".</summary>
public sealed class SweepOptions
{
    public const string Section = "LayerLab:Sweeps";

    /// <summary>Most runs one sweep may create (configurations × seeds); bigger sweeps are refused with the count.</summary>
    public int MaxRuns { get; set; } = 1000;
}

namespace LayerLab.Web.Compare;

/// <summary>"LayerLab:Compare".</summary>
public sealed class CompareOptions
{
    public const string Section = "LayerLab:Compare";

    /// <summary>Most stored points one compare request may stream (all its runs together); beyond it the request is a
    /// 400 on "runs". Memory is bounded anyway (the answer is streamed); this bounds the time one request takes.</summary>
    public long MaxPoints { get; set; } = 20_000_000;
}

using System.Globalization;
using LayerLab.Training.Contracts;
using LayerLab.Training.Sweeps;
using LayerLab.Web.Runs;
using LayerLab.Web.Sweeps;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace LayerLab.Web.Components.Submit;

/// <summary>The new-run form's state: single values or sweep axes per parameter, seeds, the live sweep preview and the
/// submission of a run or a sweep (markup in the .razor file).</summary>
public partial class SubmitPage
{
    [Parameter] public string Key { get; set; } = "";
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    private IExperiment? _experiment;
    private Dictionary<string, string?> _values = new();
    private string? _seed;
    private IReadOnlyDictionary<string, string> _errors = new Dictionary<string, string>();
    private bool _busy;
    private Dictionary<string, SweepAxisDraft> _sweeps = new();
    private string? _seedCount = "1";
    // On by default: only shown for experiments that can train seeds together (ISeedBatchedExperiment).
    private bool _batchSeeds = true;
    private SweepPreview? _preview;
    private string? _draftError;
    // Preview and submission expand with the same seed, so the live count is the count that gets queued.
    private readonly long _formSeed = Random.Shared.NextInt64(0, SweepExpansion.MaxSeed - SweepExpansion.MaxSeeds);

    private bool IsSweep => _sweeps.Values.Any(s => s.On) || _seedCount?.Trim() is { Length: > 0 } text && text != "1";

    private string PreviewText => _draftError ?? (_preview is null ? "" : _preview.IsValid
        ? $"This sweep makes {_preview.Runs:N0} runs ({_preview.Configurations:N0} configurations × {SeedCountOrOne} seeds); the cap is {_preview.MaxRuns:N0}."
        : string.Join(" ", _preview.Errors.Values));

    private int SeedCountOrOne => int.TryParse(_seedCount, out var n) ? n : 1;

    protected override void OnParametersSet()
    {
        _experiment = Catalog.Find(Key);
        ResetDefaults();
    }

    private void ResetDefaults()
    {
        _values = _experiment?.Parameters.ToDictionary(p => p.Name, p => (string?)p.DefaultText) ?? new();
        _sweeps = _experiment?.Parameters.ToDictionary(p => p.Name, _ => new SweepAxisDraft()) ?? new();
        _seedCount = "1";
        _batchSeeds = true;
        _errors = new Dictionary<string, string>();
        _preview = null;
        _draftError = null;
    }

    private void SetValue(string name, string? value)
    {
        _values[name] = value;
        UpdatePreview();
    }

    private void SetSeed(string? value)
    {
        _seed = value;
        UpdatePreview();
    }

    private void SetSeedCount(string? value)
    {
        _seedCount = value;
        UpdatePreview();
    }

    private void ToggleSweep(ParameterSpec spec)
    {
        var current = _sweeps[spec.Name];
        _sweeps[spec.Name] = current.On ? new SweepAxisDraft() : SweepAxisDraft.For(spec, _values[spec.Name]);
        _sweeps[spec.Name].On = !current.On;
        UpdatePreview();
    }

    private string? SweepErrorFor(string name) =>
        _errors.TryGetValue($"sweep.{name}", out var error) || (_preview?.Errors.TryGetValue($"sweep.{name}", out error) ?? false) ? error : null;

    /// <summary>The definition the form describes, or null and the first field error.</summary>
    private SweepDefinition? Definition(out string? error)
    {
        error = null;
        var axes = new Dictionary<string, SweepAxis>(StringComparer.Ordinal);
        foreach (var (name, draft) in _sweeps.Where(s => s.Value.On))
        {
            var axis = draft.ToAxis(name, out error);
            if (axis is null) return null;
            axes[name] = axis;
        }
        if (!int.TryParse(_seedCount?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seeds))
        { error = "seeds must be a whole number."; return null; }
        long? seed = _formSeed;
        if (!string.IsNullOrWhiteSpace(_seed))
        {
            if (!long.TryParse(_seed.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            { error = "seed must be a whole number."; return null; }
            seed = parsed;
        }
        return new SweepDefinition
        {
            Experiment = _experiment!.Key,
            // Swept parameters' single values are not part of the base.
            Parameters = _values.Where(v => !axes.ContainsKey(v.Key)).ToDictionary(),
            Sweep = axes, Seeds = seeds, Seed = seed,
            BatchSeeds = _experiment is ISeedBatchedExperiment ? _batchSeeds : null,
        };
    }

    private void UpdatePreview()
    {
        if (_experiment is null || !IsSweep) { _preview = null; _draftError = null; return; }
        var definition = Definition(out _draftError);
        _preview = definition is null ? null : Sweeps.Preview(definition);
    }

    private string? ErrorFor(string name) =>
        _errors.TryGetValue(name, out var error) || _errors.TryGetValue($"parameters.{name}", out error)
        || (_preview?.Errors.TryGetValue($"parameters.{name}", out error) ?? false) || (_preview?.Errors.TryGetValue(name, out error) ?? false) ? error : null;

    // Submitting is a command the user clicked: it finishes even if the page goes away (CancellationToken.None).
    private async Task SubmitAsync()
    {
        if (_experiment is null || _busy) return;
        _busy = true;
        try
        {
            if (IsSweep)
            {
                await SubmitSweepAsync();
                return;
            }
            long? seed = null;
            if (!string.IsNullOrWhiteSpace(_seed))
            {
                if (!long.TryParse(_seed.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
                {
                    _errors = new Dictionary<string, string> { ["seed"] = "seed must be a whole number." };
                    return;
                }
                seed = parsed;
            }
            var result = await Submission.SubmitAsync(new SubmitRunRequest(_experiment.Key, _values, seed), RunActor.From((await AuthState).User), CancellationToken.None);
            _errors = result.Errors;
            if (result.Succeeded) Navigation.NavigateTo($"/runs/{result.RunId}");
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task SubmitSweepAsync()
    {
        var definition = Definition(out _draftError);
        if (definition is null) return;
        var result = await Sweeps.SubmitAsync(definition, RunActor.From((await AuthState).User), CancellationToken.None);
        _errors = result.Errors;
        if (result.Succeeded) Navigation.NavigateTo($"/sweeps/{result.SweepId}");
        else _preview = new SweepPreview(0, 0, Sweeps.MaxRuns, result.Errors);
    }
}

namespace LayerLab.Training.Contracts;

/// <summary>Validates raw submitted values against an experiment's specs: every error per field, nothing partial.</summary>
public static class ParameterValidation
{
    public sealed record Result(RunParameters? Parameters, IReadOnlyDictionary<string, string> Errors)
    {
        public bool IsValid => Errors.Count == 0;
    }

    /// <param name="raw">Field name to raw text. Missing fields take the spec's default; unknown fields are errors.</param>
    public static Result Validate(IReadOnlyList<ParameterSpec> specs, IReadOnlyDictionary<string, string?> raw)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var key in raw.Keys.Where(k => specs.All(s => s.Name != k)))
            errors[key] = $"Unknown parameter '{key}'.";
        foreach (var spec in specs)
        {
            if (!raw.TryGetValue(spec.Name, out var text)) { values[spec.Name] = spec.Default; continue; }
            var value = spec.TryParse(text, out var error);
            if (error is not null) errors[spec.Name] = error;
            else values[spec.Name] = value!;
        }
        if (errors.Count == 0)
            foreach (var spec in specs)
                if (spec.Check?.Invoke(values) is { } crossError) errors[spec.Name] = crossError;
        return errors.Count > 0 ? new Result(null, errors) : new Result(new RunParameters(values), errors);
    }
}

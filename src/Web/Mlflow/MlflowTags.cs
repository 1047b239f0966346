using System.Text.Json;
using System.Text.RegularExpressions;
using LayerLab.Data.Mlflow;

namespace LayerLab.Web.Mlflow;

/// <summary>MLflow's validation of names and values (mlflow/utils/validation.py), at LayerLab's storage limits.</summary>
public static partial class MlflowTags
{
    /// <summary>Metric keys share LayerLab's metric-key column (200 characters).</summary>
    public const int MaxMetricKeyLength = 200;
    public const int MaxParamKeyLength = 250;
    public const int MaxParamValueLength = 6000;

    /// <summary>Reads a list of {key, value} objects (tags or params).</summary>
    public static List<(string Key, string Value)> Read(IReadOnlyList<JsonElement> items, string field, int maxValueLength = MlflowRunTag.MaxValueLength)
    {
        var result = new List<(string, string)>(items.Count);
        foreach (var item in items)
        {
            if (item.ValueKind != JsonValueKind.Object) throw MlflowException.Invalid($"Invalid value for '{field}': each entry must be an object {{key, value}}.");
            var key = item.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : null;
            var value = item.TryGetProperty("value", out var v) ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString()!,
                JsonValueKind.Null => "",
                _ => throw MlflowException.Invalid($"Invalid value for '{field}' '{key}': values are strings."),
            } : "";
            if (key is null) throw MlflowException.Invalid($"Missing value for required parameter 'key' in '{field}'.");
            if (key.Length > MaxParamKeyLength) throw MlflowException.Invalid($"A key in '{field}' is longer than {MaxParamKeyLength} characters.");
            if (value.Length > maxValueLength)
                throw MlflowException.Invalid($"The value of '{MlflowArgs.Shorten(key)}' in '{field}' is {value.Length} characters long; the limit is {maxValueLength}.");
            result.Add(Validate(key, value, field));
        }
        return result;
    }

    public static (string Key, string Value) Validate(string key, string value, string field)
    {
        if (!ValidName(key)) throw MlflowException.Invalid(NameMessage(key, field));
        return (key, value);
    }

    /// <summary>MLflow's rule: alphanumerics, underscores, dashes, periods, spaces, colons and slashes; no "..", not absolute.</summary>
    public static bool ValidName(string key) =>
        key.Length is > 0 and <= MaxParamKeyLength && Name().IsMatch(key) && !key.Contains("..", StringComparison.Ordinal) && !key.StartsWith('/');

    public static string NameMessage(string key, string field) =>
        $"Invalid value \"{MlflowArgs.Shorten(key)}\" for parameter '{field}' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).";

    [GeneratedRegex(@"^[\w\-. :/]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();
}

/// <summary>String comparisons with MLflow's meaning: LIKE is case-sensitive, ILIKE not; % and _ are the wildcards.</summary>
public static class MlflowStrings
{
    public static bool Compare(string actual, MlflowComparator comparator, MlflowValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return comparator switch
        {
            MlflowComparator.Equal => actual == value.Text,
            MlflowComparator.NotEqual => actual != value.Text,
            MlflowComparator.Like => Like(actual, value.Text ?? "", StringComparison.Ordinal),
            MlflowComparator.ILike => Like(actual, value.Text ?? "", StringComparison.OrdinalIgnoreCase),
            MlflowComparator.In => value.List!.Contains(actual),
            MlflowComparator.NotIn => !value.List!.Contains(actual),
            _ => false,
        };
    }

    /// <summary>SQL LIKE by dynamic programming over (text, pattern): linear memory, no regex backtracking.</summary>
    public static bool Like(string text, string pattern, StringComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(pattern);
        var ignoreCase = comparison == StringComparison.OrdinalIgnoreCase;
        var previous = new bool[text.Length + 1];
        var current = new bool[text.Length + 1];
        previous[0] = true;
        foreach (var p in pattern)
        {
            current[0] = p == '%' && previous[0];
            for (var j = 1; j <= text.Length; j++)
            {
                current[j] = p switch
                {
                    '%' => current[j - 1] || previous[j],
                    '_' => previous[j - 1],
                    _ => previous[j - 1] && (ignoreCase ? char.ToUpperInvariant(p) == char.ToUpperInvariant(text[j - 1]) : p == text[j - 1]),
                };
            }
            (previous, current) = (current, previous);
        }
        return previous[text.Length];
    }

    /// <summary>A LIKE pattern as a SQLite GLOB (case-sensitive, as MLflow's LIKE): % → *, _ → ?, GLOB's own specials bracketed.</summary>
    public static string LikeToGlob(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var glob = new System.Text.StringBuilder(pattern.Length + 8);
        foreach (var c in pattern)
        {
            glob.Append(c switch { '%' => "*", '_' => "?", '*' => "[*]", '?' => "[?]", '[' => "[[]", _ => c.ToString() });
        }
        return glob.ToString();
    }
}

using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using LayerLab.Training.Studies;

namespace LayerLab.Tests.Unit.Studies;

/// <summary>
/// Texts pinned word for word in a reviewed file under tests/Unit/Studies/Golden: a study's claim, rule and figure
/// labels, and each verdict's sentence with the numbers it quotes, are the result a user reads, so a changed word or
/// figure must fail a test and be looked at. <c>LAYERLAB_UPDATE_GOLDEN=1</c> rewrites the files from the code; review
/// the diff (every changed line is a changed claim or verdict) before committing it. The file sits in Golden/ next to
/// the calling test's source.
/// </summary>
internal static class GoldenText
{
    private static readonly Lock Gate = new();
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static bool Update => Environment.GetEnvironmentVariable("LAYERLAB_UPDATE_GOLDEN") == "1";

    /// <summary>Asserts the verdict's outcome and its whole text against <paramref name="file"/>[<paramref name="key"/>].</summary>
    public static void Verdict(string file, string key, StudyVerdict verdict, StudyOutcome expected, [CallerFilePath] string source = "")
    {
        Assert.Equal(expected, verdict.Outcome);
        Text(file, key, $"{verdict.Outcome}: {verdict.Text}", source);
    }

    /// <summary>The scenario names of a table-driven verdict test, as xUnit theory data.</summary>
    public static TheoryData<string> Scenarios(IEnumerable<string> names)
    {
        var data = new TheoryData<string>();
        foreach (var name in names) data.Add(name);
        return data;
    }

    public static void Text(string file, string key, string actual, [CallerFilePath] string source = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(source)!, "Golden", file);
        lock (Gate)
        {
            var map = File.Exists(path)
                ? JsonSerializer.Deserialize<SortedDictionary<string, string>>(File.ReadAllText(path), Json)!
                : new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (Update)
            {
                map[key] = actual;
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, JsonSerializer.Serialize(map, Json) + "\n");
                return;
            }
            Assert.True(map.TryGetValue(key, out var expected), $"{file} has no text for '{key}' (LAYERLAB_UPDATE_GOLDEN=1 adds it).");
            Assert.Equal(expected, actual);
        }
    }
}

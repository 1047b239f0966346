using System.Text.Json;
using LayerLab.Data.Runs;
using LayerLab.Training.Contracts;

namespace LayerLab.Tests.Unit.Runs;

/// <summary>The one reader of a run's JSON columns: well-formed columns as stored, empty or malformed ones as empty.</summary>
public sealed class RunJsonTests
{
    private static Run Run(string parameters = "{}", string? summary = null, string? references = null) =>
        new() { ExperimentKey = "x", ParametersJson = parameters, SummaryJson = summary, ReferencesJson = references };

    [Fact]
    public void Parameters_keep_numbers_as_numbers_and_texts_show_strings_bare_and_the_rest_as_json()
    {
        var run = Run("""{"layers":2,"lr":0.001,"task":"recall","tied":true,"shape":[1,2],"none":null}""");
        var values = run.Parameters();
        Assert.Equal(JsonValueKind.Number, values["layers"].ValueKind);
        Assert.Equal(2, values["layers"].GetInt32());
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["layers"] = "2", ["lr"] = "0.001", ["task"] = "recall", ["tied"] = "true", ["shape"] = "[1,2]", ["none"] = "null",
            },
            run.ParameterTexts());
        Assert.Equal(run.ParameterTexts(), RunJson.ParameterTextsOf(run.ParametersJson));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("null")]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    public void Empty_or_malformed_parameters_read_as_none(string json)
    {
        Assert.Empty(Run(json).Parameters());
        Assert.Empty(Run(json).ParameterTexts());
        Assert.Empty(RunJson.ParametersOf(json));
        Assert.Empty(RunJson.ParametersOf(null));
    }

    [Fact]
    public void Summary_is_the_numeric_entries_and_null_until_there_is_one()
    {
        Assert.Null(Run().Summary());
        Assert.Equal(new Dictionary<string, double> { ["loss"] = 0.5, ["acc"] = 1 }, Run(summary: """{"loss":0.5,"acc":1}""").Summary());
        // A value that is not a number (an external run's odd summary) is skipped, not a crash of the page.
        Assert.Equal(new Dictionary<string, double> { ["loss"] = 0.5 }, RunJson.SummaryOf("""{"loss":0.5,"note":"hi","x":null}"""));
        Assert.Empty(RunJson.SummaryOf("{}")!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"loss\":")]
    [InlineData("[0.5]")]
    [InlineData("null")]
    public void Empty_or_malformed_summary_reads_as_none(string json)
    {
        Assert.Null(Run(summary: json).Summary());
        Assert.Null(RunJson.SummaryOf(json));
    }

    [Fact]
    public void References_read_back_what_the_run_stored_and_none_when_absent_or_malformed()
    {
        List<ReferenceValue> stored = [new("test_ce", "oracle", 0.25), new("test_ce", "Laplace", 0.5)];
        Assert.Equal(stored, Run(references: JsonSerializer.Serialize(stored)).References<ReferenceValue>());
        Assert.Empty(Run().References<ReferenceValue>());
        Assert.Empty(Run(references: "").References<ReferenceValue>());
        Assert.Empty(Run(references: "{\"MetricKey\":").References<ReferenceValue>());
        Assert.Empty(Run(references: "{}").References<ReferenceValue>());
        Assert.Empty(Run(references: "[null]").References<ReferenceValue>());
    }

    [Fact]
    public void A_null_run_is_refused_by_name()
    {
        Run run = null!;
        Assert.Equal("run", Assert.Throws<ArgumentNullException>(() => run.Parameters()).ParamName);
        Assert.Equal("run", Assert.Throws<ArgumentNullException>(() => run.ParameterTexts()).ParamName);
        Assert.Equal("run", Assert.Throws<ArgumentNullException>(() => run.Summary()).ParamName);
        Assert.Equal("run", Assert.Throws<ArgumentNullException>(() => run.References<ReferenceValue>()).ParamName);
    }

    [Fact]
    public void Text_of_a_string_is_the_string_and_of_anything_else_its_json()
    {
        using var doc = JsonDocument.Parse("""{"s":"a \"b\"","e":"","n":1.50,"o":{"k":[1]}}""");
        var root = doc.RootElement;
        Assert.Equal(("a \"b\"", "", "1.50", """{"k":[1]}"""),
            (RunJson.TextOf(root.GetProperty("s")), RunJson.TextOf(root.GetProperty("e")), RunJson.TextOf(root.GetProperty("n")), RunJson.TextOf(root.GetProperty("o"))));
    }
}

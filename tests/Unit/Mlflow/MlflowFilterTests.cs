using LayerLab.Web.Mlflow;

namespace LayerLab.Tests.Unit.Mlflow;

/// <summary>MLflow's search syntax as its clients write it (mlflow/utils/search_utils.py is the reference).</summary>
public sealed class MlflowFilterTests
{
    [Fact]
    public void Empty_and_blank_filters_have_no_conditions()
    {
        Assert.Empty(MlflowFilter.Parse(null));
        Assert.Empty(MlflowFilter.Parse("   "));
    }

    [Fact]
    public void Clauses_of_every_entity_joined_by_and_in_any_case()
    {
        var conditions = MlflowFilter.Parse(
            "metrics.loss < 0.5 and params.lr = '0.01' AND tags.\"mlflow.source.name\" LIKE '%train%' And attributes.status IN ('FINISHED', \"FAILED\")");
        Assert.Equal(4, conditions.Count);
        Assert.Equal(new MlflowCondition(MlflowEntity.Metric, "loss", MlflowComparator.Less, conditions[0].Value), conditions[0]);
        Assert.Equal(0.5, conditions[0].Value.Number);
        Assert.Equal((MlflowEntity.Param, "lr", MlflowComparator.Equal, "0.01"), (conditions[1].Entity, conditions[1].Key, conditions[1].Comparator, conditions[1].Value.Text));
        Assert.Equal((MlflowEntity.Tag, "mlflow.source.name", MlflowComparator.Like, "%train%"), (conditions[2].Entity, conditions[2].Key, conditions[2].Comparator, conditions[2].Value.Text));
        Assert.Equal(MlflowEntity.Attribute, conditions[3].Entity);
        Assert.Equal("status", conditions[3].Key);
        Assert.Equal(MlflowComparator.In, conditions[3].Comparator);
        Assert.Equal(["FINISHED", "FAILED"], conditions[3].Value.List!);
    }

    [Theory]
    [InlineData("metrics.acc = 1", MlflowComparator.Equal)]
    [InlineData("metrics.acc != 1", MlflowComparator.NotEqual)]
    [InlineData("metrics.acc <= 1", MlflowComparator.LessOrEqual)]
    [InlineData("metrics.acc > 1", MlflowComparator.Greater)]
    [InlineData("metrics.acc >= 1e-3", MlflowComparator.GreaterOrEqual)]
    [InlineData("params.opt ILIKE 'AD%'", MlflowComparator.ILike)]
    [InlineData("tags.team NOT IN ('a')", MlflowComparator.NotIn)]
    [InlineData("attributes.start_time >= 1700000000000", MlflowComparator.GreaterOrEqual)]
    public void Each_comparator_is_read(string filter, MlflowComparator comparator) =>
        Assert.Equal(comparator, Assert.Single(MlflowFilter.Parse(filter)).Comparator);

    [Fact]
    public void Quoted_keys_entity_synonyms_and_bare_attributes()
    {
        var conditions = MlflowFilter.Parse("metric.`my loss` < -1.5 AND param.\"batch size\" = '64' AND status = 'RUNNING' AND run.run_name = 'a''b' AND created > 5");
        Assert.Equal(("my loss", -1.5), (conditions[0].Key, conditions[0].Value.Number!.Value));
        Assert.Equal((MlflowEntity.Param, "batch size"), (conditions[1].Entity, conditions[1].Key));
        Assert.Equal((MlflowEntity.Attribute, "status"), (conditions[2].Entity, conditions[2].Key));
        Assert.Equal("a'b", conditions[3].Value.Text);
        Assert.Equal("start_time", conditions[4].Key);
    }

    [Fact]
    public void Metric_keys_with_slashes_and_dashes_need_no_quotes()
    {
        var condition = Assert.Single(MlflowFilter.Parse("metrics.system/cpu-util >= 10"));
        Assert.Equal("system/cpu-util", condition.Key);
    }

    [Theory]
    [InlineData("metrics.loss < 'abc'")] // metrics are numbers
    [InlineData("params.lr < '1'")] // strings have no order
    [InlineData("params.lr = 1")] // params are strings in MLflow
    [InlineData("metrics.loss LIKE '1%'")]
    [InlineData("metrics.loss < 1 OR metrics.loss > 2")] // MLflow has no OR
    [InlineData("foo.bar = 'x'")] // unknown entity
    [InlineData("attributes.color = 'red'")] // unknown attribute
    [InlineData("metrics.loss <")]
    [InlineData("metrics.loss < 1 AND")]
    [InlineData("params.a = 'unterminated")]
    [InlineData("tags.a IN 'x'")]
    [InlineData("tags.a IN ('x' 'y')")]
    [InlineData("metrics.loss ! 1")]
    [InlineData("metrics.loss < 1e999")]
    [InlineData("metrics.loss < 1; DROP TABLE Runs")]
    public void Malformed_filters_are_refused_with_a_message(string filter) =>
        Assert.False(string.IsNullOrWhiteSpace(Assert.Throws<FormatException>(() => MlflowFilter.Parse(filter)).Message));

    [Fact]
    public void Input_is_bounded_in_length_clauses_and_list_items()
    {
        Assert.Throws<FormatException>(() => MlflowFilter.Parse(new string(' ', 10) + "metrics.a < 1" + new string(' ', MlflowFilter.MaxLength)));
        var many = string.Join(" AND ", Enumerable.Range(0, MlflowFilter.MaxConditions + 1).Select(i => $"metrics.m{i} < 1"));
        Assert.Contains("conditions", Assert.Throws<FormatException>(() => MlflowFilter.Parse(many)).Message, StringComparison.Ordinal);
        var list = "tags.a IN (" + string.Join(",", Enumerable.Range(0, MlflowFilter.MaxListItems + 1).Select(i => $"'{i}'")) + ")";
        Assert.Throws<FormatException>(() => MlflowFilter.Parse(list));
        Assert.Equal(MlflowFilter.MaxConditions, MlflowFilter.Parse(string.Join(" AND ", Enumerable.Range(0, MlflowFilter.MaxConditions).Select(i => $"metrics.m{i} < 1"))).Count);
    }

    [Fact]
    public void Order_by_clauses_take_an_optional_direction()
    {
        var order = MlflowFilter.ParseOrderBy(["metrics.loss", "params.lr DESC", "attributes.start_time asc", "tags.`a b` DESC"]);
        Assert.Equal(new MlflowOrderBy(MlflowEntity.Metric, "loss", true), order[0]);
        Assert.Equal(new MlflowOrderBy(MlflowEntity.Param, "lr", false), order[1]);
        Assert.Equal(new MlflowOrderBy(MlflowEntity.Attribute, "start_time", true), order[2]);
        Assert.Equal(new MlflowOrderBy(MlflowEntity.Tag, "a b", false), order[3]);
        Assert.Throws<FormatException>(() => MlflowFilter.ParseOrderBy(["metrics.loss SIDEWAYS"]));
        Assert.Throws<FormatException>(() => MlflowFilter.ParseOrderBy(Enumerable.Repeat("metrics.a", MlflowFilter.MaxOrderBy + 1).ToList()));
    }

    [Theory]
    [InlineData("train.py", "%.py", true)]
    [InlineData("train.py", "%.PY", false)]
    [InlineData("ab", "a_", true)]
    [InlineData("abc", "a_", false)]
    [InlineData("a%b", "a%", true)]
    [InlineData("", "%", true)]
    [InlineData("x", "", false)]
    public void Like_is_case_sensitive_with_percent_and_underscore(string text, string pattern, bool matches) =>
        Assert.Equal(matches, MlflowStrings.Like(text, pattern, StringComparison.Ordinal));

    [Fact]
    public void Ilike_ignores_case_and_like_becomes_an_escaped_glob()
    {
        Assert.True(MlflowStrings.Like("Train.PY", "%.py", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("*[*]?[?][[]x]", MlflowStrings.LikeToGlob("%*_?[x]"));
    }

    [Fact]
    public void Search_sql_binds_every_client_value()
    {
        var hostile = "x'); DROP TABLE Runs; --";
        var query = MlflowRunSearch.BuildQuery([1], ["active"],
            MlflowFilter.Parse($"params.a = \"{hostile}\" AND metrics.loss < 1 AND attributes.status IN ('FINISHED')"),
            MlflowFilter.ParseOrderBy(["metrics.loss DESC"]), 0, 10);
        Assert.DoesNotContain("DROP", query.Sql, StringComparison.Ordinal);
        Assert.Contains(query.Parameters, p => Equals(p.Value, hostile));
        Assert.Contains("GLOB", MlflowRunSearch.BuildQuery([1], ["active"], MlflowFilter.Parse("tags.a LIKE 'A%'"), [], 0, 10).Sql, StringComparison.Ordinal);
    }
}

/// <summary>What the run list shows for an MLflow run.</summary>
public sealed class MlflowOriginTests
{
    [Theory]
    [InlineData("/home/alice/train.py", "alice", "MLflow · train.py · alice")]
    [InlineData("C:\\work\\fit.py", null, "MLflow · fit.py")]
    [InlineData(null, "bob", "MLflow · bob")]
    [InlineData("notebook", "", "MLflow · notebook")]
    public void Origin_names_the_script_file_and_the_user(string? source, string? user, string expected) =>
        Assert.Equal(expected, MlflowRunWriter.Origin(source, user));
}

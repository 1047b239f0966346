using LayerLab.Web.Components.RunView;

namespace LayerLab.Tests.EndToEnd.Web;

public sealed class SummaryPivotTests
{
    [Fact]
    public void Keys_with_a_parameter_become_a_grid_in_first_seen_column_order_and_the_rest_stay_plain()
    {
        var summary = new Dictionary<string, double>
        {
            ["success/prelu@lr=0.1"] = 1,
            ["success/prelu@lr=0.01"] = 0.5,
            ["success/mlp@lr=0.1"] = 0.25,
            ["band_decades/prelu"] = 2.5,
        };
        var (plain, grids) = SummaryPivot.Split(summary);

        Assert.Equal([KeyValuePair.Create("band_decades/prelu", 2.5)], plain);
        var grid = Assert.Single(grids);
        Assert.Equal("lr", grid.Parameter);
        Assert.Equal(["0.1", "0.01"], grid.Columns);
        Assert.Equal(["success/mlp", "success/prelu"], grid.Rows.Select(r => r.Metric));
        Assert.Equal([0.25, null], grid.Rows[0].Values);
        Assert.Equal([1.0, 0.5], grid.Rows[1].Values);
    }

    [Fact]
    public void A_key_with_at_sign_but_no_equals_is_plain()
    {
        var (plain, grids) = SummaryPivot.Split(new Dictionary<string, double> { ["odd@key"] = 1 });
        Assert.Single(plain);
        Assert.Empty(grids);
    }
}

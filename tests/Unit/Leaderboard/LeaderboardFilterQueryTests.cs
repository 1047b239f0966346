using LayerLab.Data.Review;
using LayerLab.Web.Leaderboard;

namespace LayerLab.Tests.Unit.Leaderboard;

/// <summary>The leaderboard's address filters: defaults, review states, date range, and errors named by field.</summary>
public sealed class LeaderboardFilterQueryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Default_is_approved_only_any_lifts_it_and_states_are_listed()
    {
        Assert.Equal([ReviewState.Approved], Parse(review: null).EffectiveStates);
        Assert.Null(Parse(review: "any").EffectiveStates);
        Assert.Equal([ReviewState.Rejected, ReviewState.Unreviewed], Parse(review: "rejected, Unreviewed").EffectiveStates);
    }

    [Fact]
    public void Dates_name_whole_utc_days_and_days_narrows_the_start()
    {
        var filter = Parse(from: "2026-11-01", to: "2026-11-20");
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), filter.FinishedSince);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero), filter.FinishedBefore); // "to" is inclusive
        Assert.Equal(Now.AddDays(-7), Parse(from: "2026-11-01", days: 7).FinishedSince);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), Parse(from: "2026-11-20", days: 30).FinishedSince);
    }

    [Theory]
    [InlineData("Maybe", null, null, "review")]
    [InlineData("1", null, null, "review")]
    [InlineData(null, "Bad Tag", null, "tag")]
    [InlineData(null, null, "22/11/2026", "from")]
    public void Bad_values_are_errors_on_their_field(string? review, string? tag, string? from, string field)
    {
        var (filter, errors) = LeaderboardFilterQuery.Parse(review, tag, from, null, null, null, null, Now, null);
        Assert.Null(filter);
        Assert.Equal([field], errors.Keys);
    }

    private static Data.Leaderboard.LeaderboardFilter Parse(string? review = null, string? from = null, string? to = null, int? days = null)
    {
        var (filter, errors) = LeaderboardFilterQuery.Parse(review, null, from, to, days, null, null, Now, null);
        Assert.Empty(errors);
        return filter!;
    }
}

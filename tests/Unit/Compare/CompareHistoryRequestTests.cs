using LayerLab.Web.Compare;

namespace LayerLab.Tests.Unit.Compare;

/// <summary>Every spelling <c>GET /api/compare/metrics</c> accepts, and the exact 400 message per field.</summary>
public sealed class CompareHistoryRequestTests
{
    [Fact]
    public void Each_bad_field_gets_its_own_message()
    {
        var (request, errors) = CompareHistoryRequest.Parse("", null, "xml", "maybe", accept: null);
        Assert.Null(request);
        Assert.Equal(["Give run ids (runs=1,2,3) and a metric key."], errors["runs"]);
        Assert.Equal(["Give a metric key (key=loss)."], errors["key"]);
        Assert.Equal(["json or bin, not 'xml'."], errors["format"]);
        Assert.Equal(["true or false, not 'maybe'."], errors["times"]);
        Assert.Equal(4, errors.Count);
    }

    [Theory]
    [InlineData(" Json ", null, null, false, true)]
    [InlineData("binary", null, null, true, false)]
    [InlineData("", null, "APPLICATION/OCTET-STREAM", true, false)]
    [InlineData("json", null, "application/octet-stream", false, true)]     // format= wins over Accept
    [InlineData("bin", "1", null, true, true)]
    [InlineData("bin", " TRUE ", null, true, true)]
    [InlineData(null, "0", null, false, false)]
    [InlineData(null, "", null, false, true)]
    [InlineData("bin", "", null, true, false)]
    public void Formats_and_times_in_every_accepted_spelling(string? format, string? times, string? accept, bool binary, bool withTimes)
    {
        var (request, errors) = CompareHistoryRequest.Parse("5, 2", "acc", format, times, accept);
        Assert.Empty(errors);
        Assert.Equal(new CompareHistoryRequest(request!.Ids, "acc", binary, withTimes), request);
        Assert.Equal([5L, 2L], request.Ids);
    }
}

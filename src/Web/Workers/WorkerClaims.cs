using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using LayerLab.Training.Worker;
using LayerLab.Web.Runs;

namespace LayerLab.Web.Workers;

/// <summary>
/// Who holds a remote claim: the worker token that made it and the worker instance that sent it
/// (<see cref="WorkerApi.InstanceHeader"/>), stored as the attempt's lease owner. Every later write for the attempt must
/// come with the same pair, so one worker's token cannot end, extend or write into another worker's run, and an external
/// run (never claimed) is no worker's at all.
/// </summary>
internal static class WorkerClaims
{
    /// <summary>The lease-owner key of the calling worker: "token:{id}/{instance}".</summary>
    public static bool TryOwner(HttpRequest request, [NotNullWhen(true)] out string? owner, [NotNullWhen(false)] out IResult? refusal)
    {
        owner = null;
        var tokenId = request.HttpContext.User.FindFirst("token_id")?.Value;
        if (tokenId is null)
        {
            refusal = TypedResults.Forbid(); // the worker policy admits tokens only; this is belt and braces
            return false;
        }
        var instance = request.Headers[WorkerApi.InstanceHeader].ToString();
        if (!WorkerEndpoints.IsName(instance) || instance.Length > 150)
        {
            refusal = WorkerEndpoints.Invalid(WorkerApi.InstanceHeader, "The header must name the worker instance (1–150 characters).");
            return false;
        }
        owner = string.Create(CultureInfo.InvariantCulture, $"token:{tokenId}/{instance}");
        refusal = null;
        return true;
    }

    public static bool TryHold(HttpRequest request, long runId, int attempt, out HeldAttempt held, [NotNullWhen(false)] out IResult? refusal)
    {
        var ok = TryOwner(request, out var owner, out refusal);
        held = new HeldAttempt(runId, attempt, owner ?? "");
        return ok;
    }

    /// <summary>204 when the write changed the run; 409 when the caller does not hold that running attempt (stale,
    /// already ended, or someone else's), with the run left as it was.</summary>
    public static IResult Written(bool changed) => changed ? TypedResults.NoContent() : NotHeld();

    public static IResult NotHeld() =>
        TypedResults.Conflict(new { error = "This worker does not hold the run's running attempt; nothing was changed." });
}

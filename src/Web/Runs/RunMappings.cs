using LayerLab.Data.Runs;
using LayerLab.Web.Live;

namespace LayerLab.Web.Runs;

public static class RunMappings
{
    public static RunUpdatedMessage ToUpdateMessage(this Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new RunUpdatedMessage(run.Id, run.Status, run.Progress, run.StartedAt, run.FinishedAt, run.Error);
    }
}

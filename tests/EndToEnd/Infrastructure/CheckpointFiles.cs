namespace LayerLab.Tests.EndToEnd.Infrastructure;

public static class CheckpointFiles
{
    /// <summary>
    /// True once <paramref name="path"/> is gone. The job deletes a run's checkpoints right after the ledger stored
    /// its end, so an API that already says Succeeded can be a few milliseconds ahead of the deletion.
    /// </summary>
    public static async Task<bool> DeletedWithinAsync(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (File.Exists(path))
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }
}

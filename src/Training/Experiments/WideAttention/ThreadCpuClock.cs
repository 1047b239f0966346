using System.Runtime.InteropServices;

namespace LayerLab.Training.Experiments.WideAttention;

/// <summary>
/// CPU time of the calling thread (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)). Why: on a shared machine a
/// training step's wall time grows with everyone else's load, but with one intra-op thread libtorch computes a CPU
/// step on the calling thread, so its CPU time is the step's own cost — comparable between shapes measured at
/// different loads. NaN where unavailable (not Linux).
/// </summary>
internal static class ThreadCpuClock
{
    private const int ThreadCpuTimeId = 3;   // CLOCK_THREAD_CPUTIME_ID

    public static double Milliseconds()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        return NativeMethods.clock_gettime(ThreadCpuTimeId, out var t) == 0 ? (t.Seconds * 1e3) + (t.Nanoseconds / 1e6) : double.NaN;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = false)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054 // one call per step; a source-generated stub buys nothing here
        public static extern int clock_gettime(int clock, out Timespec time);
#pragma warning restore SYSLIB1054
    }
}

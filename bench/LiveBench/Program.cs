using System.Globalization;
using LayerLab.Bench.Live;

// dotnet <LiveBench.dll> latency [--runs 20] [--hz 50] [--viewers 50] [--seconds 20] [--warmup 3] [--batch-ms 0] [--label x]
//                        startup [--starts 3] [--runs 20] [--params '{"epochs":300}']
//                        chart   [--runs 20] [--points 100000] [--repeats 5] [--before-js DIR] [--before-portal DLL]
//                                (before/after: bench/chart-before-after.sh)
// One JSON line per measurement on stdout; progress and a readable summary on stderr.
var mode = args.Length > 0 ? args[0] : "";
string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, "--" + name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
int I(string name, int fallback) => int.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
double D(string name, double fallback) => double.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
var label = Arg("label", "");
static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

switch (mode)
{
    case "latency":
        await LatencyBench.RunAsync(I("runs", 20), I("hz", 50), I("viewers", 50), D("seconds", 20), D("warmup", 3), I("batch-ms", 0), label);
        break;
    case "startup":
        await StartupBench.RunAsync(I("starts", 3), I("runs", 20), Arg("params", "{}"), label);
        break;
    case "chart":
        await ChartBench.RunAsync(I("runs", 20), I("points", 100_000), I("repeats", 5), label, NullIfEmpty(Arg("before-portal", "")), NullIfEmpty(Arg("before-js", "")));
        break;
    default:
        Console.Error.WriteLine("usage: LiveBench latency|startup|chart [options]  (see Program.cs)");
        return 2;
}
return 0;

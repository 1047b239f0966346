using LayerLab.Training.Experiments.Shared;

namespace LayerLab.Training.Experiments.WidthVsDepth;

/// <summary>One (width, depth) cell of the grid: the best restart's training and test MSE.</summary>
public sealed record WidthDepthResult(int Width, int Depth, double TrainMse, double TestMse, int Parameters);

/// <summary>
/// Trains every (width, depth) network of the grid with full-batch Adam, several restarts each, and keeps the restart
/// with the lowest training loss. Depths go in increasing order, and after each depth the test MSE of every width is
/// reported with the depth as its step, so the run's live chart is the paper's figure (loss vs depth, a line per width).
/// Networks of one depth train in parallel; each has its own seeded generator, so the run is deterministic.
/// </summary>
public static class MinWidthTrainer
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    public static IReadOnlyList<WidthDepthResult> Run(WidthVsDepthSettings settings, long seed, Action<LiveReport> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        var (trainX, trainY) = MinWidthTarget.Grid(settings.Grid);
        var (testX, testY) = MinWidthTarget.Grid(2 * settings.Grid);
        var results = new List<WidthDepthResult>();
        var totalWork = settings.Depths.Sum(d => (double)d) * settings.Widths.Count;
        var done = 0.0;
        foreach (var depth in settings.Depths)
        {
            var cells = settings.Widths.SelectMany(w => Enumerable.Range(0, settings.Restarts).Select(r => (Width: w, Restart: r))).ToArray();
            var trained = new (double Train, double Test, int Parameters)[cells.Length];
            Parallel.For(0, cells.Length, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                var (width, restart) = cells[i];
                var net = new ReluMlp(width, depth);
                var random = new Random(unchecked((int)((seed * 1_000_003) + (width * 10_007) + (depth * 101) + restart)));
                var theta = Train(net, net.Initial(random), trainX, trainY, settings, cancellationToken);
                trained[i] = (net.Loss(theta, trainX, trainY), net.Loss(theta, testX, testY), net.ParameterCount);
            });
            var metrics = new Dictionary<string, double>();
            foreach (var width in settings.Widths)
            {
                var best = Enumerable.Range(0, cells.Length).Where(i => cells[i].Width == width)
                    .OrderBy(i => double.IsFinite(trained[i].Train) ? trained[i].Train : double.MaxValue).ThenBy(i => i).First();
                results.Add(new WidthDepthResult(width, depth, trained[best].Train, trained[best].Test, trained[best].Parameters));
                metrics[$"test_mse/w{width}"] = trained[best].Test;
            }
            done += depth * settings.Widths.Count;
            report(new LiveReport(depth, done / totalWork, metrics));
        }
        return results;
    }

    /// <summary>Full-batch Adam on the training points; returns the final parameters.</summary>
    public static double[] Train(ReluMlp net, double[] theta, double[] x, double[] y, WidthVsDepthSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(settings);
        var gradient = new double[theta.Length];
        var (m, v) = (new double[theta.Length], new double[theta.Length]);
        for (var t = 1; t <= settings.Steps; t++)
        {
            if ((t & 63) == 0) cancellationToken.ThrowIfCancellationRequested();
            net.Loss(theta, x, y, gradient);
            var (c1, c2) = (1 - Math.Pow(Beta1, t), 1 - Math.Pow(Beta2, t));
            for (var i = 0; i < theta.Length; i++)
            {
                m[i] = (Beta1 * m[i]) + ((1 - Beta1) * gradient[i]);
                v[i] = (Beta2 * v[i]) + ((1 - Beta2) * gradient[i] * gradient[i]);
                theta[i] -= settings.LearningRate * (m[i] / c1) / (Math.Sqrt(v[i] / c2) + Epsilon);
            }
        }
        return theta;
    }
}

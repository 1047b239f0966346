using System.Globalization;

namespace LayerLab.Training.Experiments.XorPrelu;

/// <summary>
/// The longest contiguous run of grid points where every trial succeeded. <see cref="Decades"/> is its width
/// log10(hi/lo): 0 for a single point and also 0 for no point at all (then <see cref="Points"/> is 0 and the
/// ends are NaN). Comparisons between models use <see cref="Points"/>, which tells "one point" from "none"; on a
/// log-spaced grid more points means strictly more decades otherwise.
/// </summary>
public readonly record struct SuccessBand(int Points, double LrLow, double LrHigh)
{
    public double Decades => Points == 0 ? 0 : Math.Log10(LrHigh / LrLow);

    public static SuccessBand Longest(IReadOnlyList<double> learningRates, IReadOnlyList<bool> full)
    {
        ArgumentNullException.ThrowIfNull(learningRates);
        ArgumentNullException.ThrowIfNull(full);
        var (bestStart, bestLength, start) = (0, 0, -1);
        for (var i = 0; i <= full.Count; i++)
        {
            if (i < full.Count && full[i]) { if (start < 0) start = i; continue; }
            if (start >= 0 && i - start > bestLength) (bestStart, bestLength) = (start, i - start);
            start = -1;
        }
        return bestLength == 0
            ? new SuccessBand(0, double.NaN, double.NaN)
            : new SuccessBand(bestLength, learningRates[bestStart], learningRates[bestStart + bestLength - 1]);
    }
}

/// <summary>Turns the final state of all trained models into the run's summary metrics and verdict.</summary>
public static class XorSummary
{
    public static (Dictionary<string, double> Summary, string Verdict) Build(XorPreluSettings settings, XorOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(outcome);
        var lrs = outcome.LearningRates;
        var trials = outcome.Trials;
        var lrText = LearningRateLabels(lrs);
        var summary = new Dictionary<string, double>(StringComparer.Ordinal);
        var bands = new Dictionary<XorModel, SuccessBand>();

        foreach (var model in XorModels.All)
        {
            var key = XorModels.Key(model);
            var full = new bool[lrs.Count];
            var (successes, finiteCount, diverged) = (0, 0, 0);
            var lossSum = 0.0;
            for (var li = 0; li < lrs.Count; li++)
            {
                var ok = 0;
                for (var t = 0; t < trials; t++)
                {
                    var row = (li * trials) + t;
                    if (outcome.Correct(row, model)) ok++;
                    var loss = outcome.Loss(row, model);
                    if (float.IsFinite(loss)) { lossSum += loss; finiteCount++; } else diverged++;
                }
                full[li] = ok == trials;
                successes += ok;
                summary[$"success/{key}@lr={lrText[li]}"] = (double)ok / trials;
            }
            var band = SuccessBand.Longest(lrs, full);
            bands[model] = band;
            summary[$"success/{key}"] = (double)successes / outcome.Rows;
            summary[$"band_decades/{key}"] = band.Decades;
            summary[$"band_points/{key}"] = band.Points;
            if (band.Points > 0)
            {
                summary[$"band_lr_low/{key}"] = band.LrLow;
                summary[$"band_lr_high/{key}"] = band.LrHigh;
            }
            if (finiteCount > 0) summary[$"loss/{key}"] = lossSum / finiteCount;
            summary[$"diverged/{key}"] = (double)diverged / outcome.Rows;
        }

        AddReferenceDistances(settings.Coding, outcome, summary);
        return (summary, Verdict(bands, settings.Coding));
    }

    /// <summary>
    /// ref_distance/prelu (and /prelu_bias): median over the trials at the model's best learning rate of the distance
    /// to the nearer exact solution (<see cref="XorReference"/>). Best = highest success rate; ties go to the smaller
    /// median distance. Non-finite distances (diverged trials) sort last. Omitted when the median is not finite.
    /// </summary>
    private static void AddReferenceDistances(InputCoding coding, XorOutcome outcome, Dictionary<string, double> summary)
    {
        var lrs = outcome.LearningRates;
        foreach (var model in new[] { XorModel.Prelu, XorModel.PreluBias })
        {
            var key = XorModels.Key(model);
            var (bestRate, bestMedian, bestLr) = (-1.0, double.PositiveInfinity, double.NaN);
            for (var li = 0; li < lrs.Count; li++)
            {
                var distances = new double[outcome.Trials];
                var ok = 0;
                for (var t = 0; t < outcome.Trials; t++)
                {
                    var row = (li * outcome.Trials) + t;
                    if (outcome.Correct(row, model)) ok++;
                    var p = outcome.PreluParameters(row);
                    var d = model == XorModel.Prelu
                        ? XorReference.PreluDistance(p[0], p[1], p[2], coding)
                        : XorReference.PreluBiasDistance(p[3], p[4], p[5], p[6], coding);
                    distances[t] = double.IsFinite(d) ? d : double.PositiveInfinity;
                }
                var rate = (double)ok / outcome.Trials;
                var median = Median(distances);
                if (rate > bestRate || (rate == bestRate && median < bestMedian))
                    (bestRate, bestMedian, bestLr) = (rate, median, lrs[li]);
            }
            if (double.IsFinite(bestMedian))
            {
                summary[$"ref_distance/{key}"] = bestMedian;
                summary[$"ref_distance_lr/{key}"] = bestLr;
            }
        }
    }

    /// <summary>
    /// The catalog's criterion: reproduced when PReLU's 100% band is strictly wider than both the MLP's and the GCU's.
    /// </summary>
    private static string Verdict(Dictionary<XorModel, SuccessBand> bands, InputCoding coding)
    {
        var (prelu, mlp, gcu) = (bands[XorModel.Prelu], bands[XorModel.Mlp], bands[XorModel.Gcu]);
        var others = $"MLP ({Describe(mlp)}) and GCU ({Describe(gcu)})";
        if (prelu.Points == 0)
        {
            // With {0,1} inputs and no bias, w₁, w₂ > 0 keeps every pre-activation positive (the slope gets no
            // gradient) and the loss has a local minimum at w₁ = w₂ = ⅓ (outputs ⅓, ⅓, ⅔): those starts never solve it.
            var hint = coding == InputCoding.ZeroOne
                ? " With {0,1} inputs, starts with both weights positive converge to the spurious minimum w₁ = w₂ = ⅓; " +
                  "input_coding = pm1 avoids it."
                : "";
            return $"Not reproduced: PReLU reached 100% success at no learning rate of the grid; {others}.{hint}";
        }
        return prelu.Points > mlp.Points && prelu.Points > gcu.Points
            ? $"Reproduced: PReLU's 100% band ({Describe(prelu)}) is strictly wider than {others}."
            : $"Not reproduced: PReLU's 100% band ({Describe(prelu)}) is not strictly wider than both {others}.";
    }

    private static string Describe(SuccessBand band) => band.Points switch
    {
        0 => "no 100% point",
        1 => string.Create(CultureInfo.InvariantCulture, $"0 decades, only lr={Label(band.LrLow)}"),
        _ => string.Create(CultureInfo.InvariantCulture,
            $"{band.Decades:0.##} decade{(Math.Abs(band.Decades - 1) < 0.005 ? "" : "s")}, lr {Label(band.LrLow)}–{Label(band.LrHigh)}"),
    };

    private static string Label(double lr) => lr.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>
    /// Compact, stable labels for the grid: 3 significant digits ("0.00178", "1"), more only when that would make
    /// two grid points share a label.
    /// </summary>
    public static IReadOnlyList<string> LearningRateLabels(IReadOnlyList<double> learningRates)
    {
        ArgumentNullException.ThrowIfNull(learningRates);
        for (var digits = 3; digits < 17; digits++)
        {
            var format = "G" + digits.ToString(CultureInfo.InvariantCulture);
            var labels = learningRates.Select(l => l.ToString(format, CultureInfo.InvariantCulture)).ToArray();
            if (labels.Distinct(StringComparer.Ordinal).Count() == labels.Length) return labels;
        }
        return learningRates.Select(l => l.ToString("R", CultureInfo.InvariantCulture)).ToArray();
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        var n = values.Length;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}

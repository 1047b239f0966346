using System.Globalization;
using LayerLab.Training.Experiments.LinearPolicy.Environments;

namespace LayerLab.Web.Tensors;

/// <summary>One recorded episode of a run: a tensor key and the training step it was recorded at.</summary>
public sealed record EpisodeTensor(string Id, string Key, long Step, string Env, string Label);

/// <summary>
/// Which logged tensors are recorded control episodes ("episode.&lt;env&gt;.&lt;optimiser&gt;-&lt;policy&gt;" of shape
/// [rows, observation + 2], see EpisodeTrace.cs): the run page replays those (EpisodeReplay.razor) instead of drawing
/// them as heatmaps. Any run may log tensors (external runs too), so a key that merely starts like one but is not a
/// known task of the right shape stays an ordinary tensor.
/// </summary>
public static class EpisodeTensors
{
    public const string Prefix = "episode.";

    public static bool IsEpisode(string key, IReadOnlyList<int> shape) => Environment(key, shape) is not null;

    /// <summary>The key's episodes, one per logged step; empty when it is not an episode key.</summary>
    public static IEnumerable<EpisodeTensor> Of(TensorKeyDto key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (Environment(key.Key, key.Shape) is not { } env) return [];
        var who = Who(key.Key.Split('.')[2]);
        return key.Steps.Select(step => new EpisodeTensor(
            string.Create(CultureInfo.InvariantCulture, $"{key.Key}@{step}"), key.Key, step, env.Key,
            step == 0 ? $"{env.GymId} · {who} · before training"
                      : string.Create(CultureInfo.InvariantCulture, $"{env.GymId} · {who} · after {step:N0} environment steps")));
    }

    private static IControlEnvironment? Environment(string key, IReadOnlyList<int> shape)
    {
        if (key is null || !key.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var parts = key.Split('.');
        if (parts.Length != 3 || !ControlEnvironments.Keys.Contains(parts[1])) return null;
        var env = ControlEnvironments.Create(parts[1]);
        return shape is [var rows, var cols] && cols == env.ObservationSize + 2 && rows <= env.MaxSteps + 1 ? env : null;
    }

    private static string Who(string optimizerPolicy)
    {
        var (optimizer, policy) = optimizerPolicy.Split('-') is [var o, var p] ? (o, p) : (optimizerPolicy, "");
        var optimizerName = optimizer switch { "es" => "ES", "reinforce" => "REINFORCE", _ => optimizer };
        var policyName = policy switch { "linear" => "linear policy", "mlp" => "MLP policy", "" => "", _ => $"{policy} policy" };
        return policyName.Length == 0 ? optimizerName : $"{optimizerName} · {policyName}";
    }
}

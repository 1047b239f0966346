using LayerLab.Web.Tensors;

namespace LayerLab.Tests.Unit.Contracts;

/// <summary>Only a known task's episode of the right shape is replayed (and hidden from the heatmap panel); any other
/// tensor that happens to start with "episode." stays an ordinary tensor.</summary>
public sealed class EpisodeTensorsTests
{
    [Theory]
    [InlineData("episode.cartpole.es-linear", 101, 6, true)]
    [InlineData("episode.acrobot.reinforce-mlp", 501, 8, true)]
    [InlineData("episode.pendulum.es-linear", 201, 5, true)]
    [InlineData("episode.mountaincar.es-linear", 2, 4, true)]
    [InlineData("episode.cartpole.es-linear", 101, 8, false)]  // acrobot's width on cart-pole
    [InlineData("episode.cartpole.es-linear", 502, 6, false)]  // longer than CartPole-v1's 500 steps
    [InlineData("episode.lunarlander.es-linear", 10, 10, false)]
    [InlineData("episode.cartpole", 10, 6, false)]
    [InlineData("weights.cartpole.es-linear", 10, 6, false)]
    public void Recognises_only_known_tasks_of_the_right_shape(string key, int rows, int cols, bool expected)
    {
        Assert.Equal(expected, EpisodeTensors.IsEpisode(key, [rows, cols]));
        Assert.False(EpisodeTensors.IsEpisode(key, [rows * cols]));
    }

    [Fact]
    public void Labels_say_task_optimiser_policy_and_training_point()
    {
        var episodes = EpisodeTensors.Of(new TensorKeyDto("episode.acrobot.reinforce-mlp", [0, 12_000], [40, 8])).ToList();
        Assert.Equal(["episode.acrobot.reinforce-mlp@0", "episode.acrobot.reinforce-mlp@12000"], episodes.Select(e => e.Id));
        Assert.Equal("Acrobot-v1 · REINFORCE · MLP policy · before training", episodes[0].Label);
        Assert.Equal("Acrobot-v1 · REINFORCE · MLP policy · after 12,000 environment steps", episodes[1].Label);
        Assert.All(episodes, e => Assert.Equal("acrobot", e.Env));
    }
}

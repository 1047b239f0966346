using LayerLab.Training.Contracts;
using LayerLab.Training.Experiments.RefexCompose;
using TorchSharp;
using static TorchSharp.torch;

namespace LayerLab.Tests.Unit.Experiments;

public sealed class RefexComposeTests
{
    private static readonly (int, int) HeldOut = (2, 2);

    [Fact]
    public void Every_grid_has_exactly_one_match_and_the_symbolic_matcher_finds_it()
    {
        foreach (var example in RefexData.Set(2_000, 1, HeldOut, askHeldOut: false, distractors: 8))
        {
            Assert.Equal(example.Target, RefexData.SymbolicMatch(example));
            Assert.Single(example.Cells, t => t == RefexData.ObjectToken(example.Colour, example.Shape));
            Assert.Equal(9, example.Cells.Count(t => t != 0));
        }
    }

    [Fact]
    public void The_held_out_pair_is_never_on_a_training_grid_unless_allowed_as_a_distractor_and_the_test_asks_only_for_it()
    {
        var token = RefexData.ObjectToken(2, 2);
        var training = RefexData.Set(3_000, 2, HeldOut, askHeldOut: false, distractors: 20);
        Assert.DoesNotContain(training, e => e.Cells.Contains(token));
        var loose = RefexData.Set(3_000, 2, HeldOut, askHeldOut: false, distractors: 20, distractorsMayHoldOut: true);
        Assert.DoesNotContain(loose, e => (e.Colour, e.Shape) == HeldOut);
        Assert.Contains(loose, e => e.Cells.Contains(token)); // as a distractor only
        Assert.All(RefexData.Set(500, 3, HeldOut, askHeldOut: true, distractors: 8), e => Assert.Equal(HeldOut, (e.Colour, e.Shape)));
        // Deterministic by seed, different across seeds.
        Assert.Equal(RefexData.Tokens(RefexData.Set(50, 9, HeldOut, false, 8)), RefexData.Tokens(RefexData.Set(50, 9, HeldOut, false, 8)));
        Assert.NotEqual(RefexData.Tokens(RefexData.Set(50, 9, HeldOut, false, 8)), RefexData.Tokens(RefexData.Set(50, 10, HeldOut, false, 8)));
    }

    [Fact]
    public void Tokens_are_the_expression_then_the_cells()
    {
        var example = new RefexExample([.. Enumerable.Range(0, 36).Select(i => i == 7 ? RefexData.ObjectToken(1, 2) : 0)], 1, 2, 7);
        var tokens = RefexData.Tokens([example]);
        Assert.Equal([RefexData.ColourToken + 1, RefexData.ShapeToken + 2], tokens[..2]);
        Assert.Equal(RefexData.ObjectToken(1, 2), tokens[2 + 7]);
        Assert.Equal(38, tokens.Length);
    }

    [Fact]
    public void The_model_is_attention_only_and_without_positions_its_pointer_follows_the_cells_when_they_move()
    {
        random.manual_seed(5);
        using var model = new RefexModel(2, 2, 16, PositionalScheme.None);
        // Per layer: LayerNorm (2·16), qkv (16·48 + 48), proj (16·16 + 16); no MLP weights anywhere.
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.DoesNotContain(names, n => n.Contains("mlp", StringComparison.OrdinalIgnoreCase) || n.Contains("fc", StringComparison.OrdinalIgnoreCase));
        var perLayer = (2 * 16) + (16 * 48) + 48 + (16 * 16) + 16;
        var embeddings = (16 * 16) + (4 * 16) + (4 * 16);
        Assert.Equal(embeddings + (2 * perLayer) + (2 * 16) + 16 + 1, model.parameters().Sum(p => p.numel()));

        var example = RefexData.Sample(new Random(4), HeldOut, false, 8);
        var shifted = example with { Cells = [.. example.Cells.Skip(1), example.Cells[0]], Target = (example.Target + 35) % 36 };
        using var noGrad = no_grad();
        using var a = model.forward(tensor(RefexData.Tokens([example]), [1, 38]));
        using var b = model.forward(tensor(RefexData.Tokens([shifted]), [1, 38]));
        var (sa, sb) = (a.data<float>().ToArray(), b.data<float>().ToArray());
        Assert.Equal([1, 36], a.shape);
        for (var i = 0; i < 36; i++) Assert.Equal(sa[i], sb[(i + 35) % 36], 4);
    }

    [Fact]
    public void A_small_model_learns_the_task_far_above_chance()
    {
        var settings = RefexComposeSettings.From(RefexComposeSettings.Parameters(("steps", 300L), ("eval_every", 300L), ("test_examples", 300L)));
        var outcome = RefexTrainer.Run(settings, 1, CPU, _ => { }, CancellationToken.None);
        Assert.True(outcome.InDistributionAccuracy > 0.5, $"in-distribution accuracy {outcome.InDistributionAccuracy}");
    }

    [Theory]
    [InlineData("layers", "0")]
    [InlineData("heads", "3")]
    [InlineData("width", "48")]
    [InlineData("positional", "rotary")]
    [InlineData("objects", "pixels")]
    [InlineData("distractors", "36")]
    [InlineData("heldout_colour", "3")]
    public void Bad_parameters_are_refused_per_field(string field, string value)
    {
        var result = ParameterValidation.Validate(new RefexComposeExperiment().Parameters, new Dictionary<string, string?> { [field] = value });
        Assert.Equal([field], result.Errors.Keys);
    }
}
